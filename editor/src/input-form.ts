/**
 * A sample's inputs as an editable form, generated from the rulebook's input JSON Schema (the one
 * the runtime validates with): a number field per number (with its unit and domain), a select per
 * enum, a checkbox per Bool, a text field per Text, a group per record, and rows with Add / Remove
 * for lists. Every change calls back with the whole new input.
 */
import { h } from "./dom.js";

/** The part of JSON Schema the rulebook's input schema uses. */
export interface Schema {
  $ref?: string;
  $defs?: Record<string, Schema>;
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  "x-unit"?: string;
}

function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 20; i++) s = root.$defs?.[s.$ref.replace("#/$defs/", "")] ?? {};
  return s;
}

const typeOf = (s: Schema): string | undefined =>
  Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;

/** A value that satisfies the schema's shape: defaults, the first enum member, a number in the domain. */
export function defaultValue(schema: Schema, root: Schema = schema): unknown {
  const s = resolve(schema, root);
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  switch (typeOf(s)) {
    case "object":
      return Object.fromEntries(
        Object.entries(s.properties ?? {})
          .filter(([k]) => s.required?.includes(k))
          .map(([k, v]) => [k, defaultValue(v, root)]),
      );
    case "array":
      return [];
    case "number":
    case "integer":
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case "boolean":
      return false;
    default:
      return s.format === "date-time" ? new Date(0).toISOString() : "";
  }
}

function domainText(s: Schema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  return parts.join(", ");
}

/** The form for `value` (the sample's input); `onChange` gets the new input after each edit. */
export function renderInputForm(
  schema: Schema,
  value: unknown,
  onChange: (input: unknown) => void,
): HTMLElement {
  // The form edits a copy; each change hands out a fresh copy of it.
  const state = { value: structuredClone(value ?? defaultValue(schema)) as unknown };
  const emit = (): void => onChange(structuredClone(state.value));
  const form = h("div.input-form", { role: "group", "aria-label": "sample inputs" });
  const rerender = (): void =>
    form.replaceChildren(field(schema, "", state.value, (v) => (state.value = v), true));
  const field = (
    raw: Schema,
    name: string,
    current: unknown,
    set: (v: unknown) => void,
    top = false,
  ): HTMLElement => {
    const s = resolve(raw, schema);
    const type = typeOf(s);
    const label = (extra?: string): HTMLElement =>
      h(
        "span.field-name",
        { title: s.description ?? "" },
        name,
        extra ? h("span.field-unit", {}, ` ${extra}`) : undefined,
      );
    if (type === "object" && s.properties) {
      const object = (current && typeof current === "object" ? current : {}) as Record<string, unknown>;
      const children = Object.entries(s.properties).map(([key, child]) =>
        field(child, key, object[key], (v) => {
          object[key] = v;
          set(object);
        }),
      );
      if (current !== object) set(object);
      return top
        ? h("div.form-fields", {}, ...children)
        : h(
            "fieldset.form-group",
            {},
            h(
              "legend",
              {},
              name,
              s.title && s.title !== name ? h("span.field-unit", {}, ` ${s.title}`) : undefined,
            ),
            ...children,
          );
    }
    if (type === "array") {
      const list = Array.isArray(current) ? current : [];
      const rows = list.map((item, i) => {
        const remove = h(
          "button.link.remove-row",
          { type: "button", title: `remove ${name}[${i}]` },
          "Remove",
        );
        remove.addEventListener("click", () => {
          list.splice(i, 1);
          set(list);
          rerender();
          emit();
        });
        return h(
          "div.form-row",
          {},
          h("div.row-head", {}, h("span.field-name", {}, `${name}[${i}]`), remove),
          field(
            s.items ?? {},
            "",
            item,
            (v) => {
              list[i] = v;
              set(list);
            },
            true,
          ),
        );
      });
      const add = h("button.secondary.add-row", { type: "button" }, `Add to ${name}`);
      add.addEventListener("click", () => {
        list.push(
          list.length > 0 ? structuredClone(list[list.length - 1]) : defaultValue(s.items ?? {}, schema),
        );
        set(list);
        rerender();
        emit();
      });
      if (current !== list) set(list);
      return h(
        "fieldset.form-group.form-list",
        {},
        h(
          "legend",
          {},
          name,
          h("span.field-unit", {}, ` ${list.length} item${list.length === 1 ? "" : "s"}`),
        ),
        ...rows,
        add,
      );
    }
    if (s.enum) {
      const select = h(
        "select.form-input",
        { name, "aria-label": name },
        ...s.enum.map((m) => h("option", { value: String(m) }, String(m))),
      ) as HTMLSelectElement;
      select.value = String(current ?? s.enum[0]);
      select.addEventListener("change", () => {
        set(select.value);
        emit();
      });
      return h("label.form-field", {}, label(), select);
    }
    if (type === "boolean") {
      const box = h("input.form-check", { type: "checkbox", name, "aria-label": name }) as HTMLInputElement;
      box.checked = current === true;
      box.addEventListener("change", () => {
        set(box.checked);
        emit();
      });
      return h("label.form-field", {}, label(), box);
    }
    if (type === "number" || type === "integer") {
      const unit =
        s["x-unit"] && s["x-unit"] !== "Number" ? s["x-unit"].replace("/Quantity", " per unit") : "";
      const input = h("input.form-input", {
        type: "number",
        step: "any",
        name,
        "aria-label": name,
        placeholder: domainText(s),
      }) as HTMLInputElement;
      input.value = typeof current === "number" ? String(current) : "";
      input.title = [unit, domainText(s)].filter(Boolean).join("; ");
      input.addEventListener("change", () => {
        if (input.value.trim() === "") return;
        const number = Number(input.value);
        if (!Number.isFinite(number)) return;
        set(number);
        emit();
      });
      return h("label.form-field", {}, label(unit === "Rate" ? "(fraction: 0.05 = 5%)" : unit), input);
    }
    const text = h("input.form-input", { type: "text", name, "aria-label": name }) as HTMLInputElement;
    text.value = current === undefined || current === null ? "" : String(current);
    text.addEventListener("change", () => {
      set(text.value);
      emit();
    });
    return h("label.form-field", {}, label(), text);
  };
  rerender();
  return form;
}
