/**
 * The studio's modal dialogs: asking before a destructive or risky action (saving with failing tests,
 * loading the disk version over unsaved edits), asking for a name, creating a rulebook from a
 * template, and the keyboard shortcut sheet. Each is a `<dialog>` that resolves a promise when closed;
 * Escape cancels.
 */
import { h } from "./dom.js";

interface Choice {
  label: string;
  value: string;
  kind?: "primary" | "danger" | "secondary";
}

function modal(
  title: string,
  body: (HTMLElement | string | undefined)[],
  choices: Choice[],
  onOpen?: (dialog: HTMLDialogElement) => void,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const dialog = h("dialog.modal", { "aria-label": title }) as HTMLDialogElement;
    const buttons = choices.map((c) => {
      const button = h(
        `button.${c.kind ?? "secondary"}`,
        { type: "button", "data-choice": c.value },
        c.label,
      );
      button.addEventListener("click", () => close(c.value));
      return button;
    });
    const cancel = h("button.secondary", { type: "button", "data-choice": "cancel" }, "Cancel");
    cancel.addEventListener("click", () => close(undefined));
    dialog.append(
      h("h2.modal-title", {}, title),
      h("div.modal-body", {}, ...body.filter((b): b is HTMLElement | string => b !== undefined)),
      h("div.modal-actions", {}, cancel, ...buttons),
    );
    let settled = false;
    const close = (value: string | undefined): void => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(undefined);
    });
    document.body.append(dialog);
    dialog.showModal();
    onOpen?.(dialog);
  });
}

/** Asks before an action; `items` lists what is at stake. Resolves with the choice's value, or undefined. */
export function confirmDialog(
  title: string,
  message: string,
  items: string[],
  choices: Choice[],
): Promise<string | undefined> {
  const list =
    items.length > 0
      ? h(
          "ul.modal-list",
          {},
          ...items.slice(0, 12).map((i) => h("li", {}, i)),
          items.length > 12 ? h("li.muted", {}, `and ${items.length - 12} more`) : undefined,
        )
      : undefined;
  return modal(title, [h("p", {}, message), list], choices);
}

/** Asks for a line of text (a test case's name); `check` returns a problem to show, or undefined. */
export async function promptDialog(
  title: string,
  label: string,
  initial: string,
  action: string,
  check?: (value: string) => string | undefined,
): Promise<string | undefined> {
  const input = h("input.modal-input", {
    type: "text",
    "aria-label": label,
    value: initial,
  }) as HTMLInputElement;
  const problem = h("div.modal-problem", { role: "alert" });
  for (;;) {
    const choice = await modal(
      title,
      [h("label.modal-field", {}, h("span", {}, label), input), problem],
      [{ label: action, value: "ok", kind: "primary" }],
      (dialog) => {
        input.focus();
        input.select();
        input.addEventListener("keydown", (event) => {
          if (event.key === "Enter") (dialog.querySelector("[data-choice=ok]") as HTMLButtonElement).click();
        });
      },
    );
    if (choice !== "ok") return undefined;
    const value = input.value.trim();
    const issue = value === "" ? "give a name" : check?.(value);
    if (!issue) return value;
    problem.textContent = issue;
  }
}

/** What the New rulebook dialog asks. */
export interface NewRulebookChoice {
  template: string;
  name: string;
  folder: string;
}

/** Asks for a template, a name and a folder; `preview` gives the file path the choice makes. */
export async function newRulebookDialog(
  templates: readonly { id: string; title: string; description: string }[],
  folders: readonly string[],
  preview: (choice: NewRulebookChoice) => string,
  check: (choice: NewRulebookChoice) => Promise<string | undefined>,
): Promise<NewRulebookChoice | undefined> {
  const options = templates.map((t, i) =>
    h(
      "label.template-option",
      {},
      h("input", { type: "radio", name: "template", value: t.id, ...(i === 0 ? { checked: true } : {}) }),
      h("span.template-title", {}, t.title),
      h("span.template-description.muted", {}, t.description),
    ),
  );
  const name = h("input.modal-input", {
    type: "text",
    name: "name",
    "aria-label": "rulebook name",
    value: "My rulebook",
  }) as HTMLInputElement;
  const folder = h("input.modal-input", {
    type: "text",
    name: "folder",
    "aria-label": "folder",
    list: "studio-folders",
    value: folders[0] ?? "",
    placeholder: "(the studio's folder)",
  }) as HTMLInputElement;
  const datalist = h("datalist", { id: "studio-folders" }, ...folders.map((f) => h("option", { value: f })));
  const where = h("div.muted.modal-where");
  const problem = h("div.modal-problem", { role: "alert" });
  const read = (root: ParentNode): NewRulebookChoice => ({
    template:
      (root.querySelector("input[name=template]:checked") as HTMLInputElement | null)?.value ??
      templates[0]!.id,
    name: name.value.trim(),
    folder: folder.value.trim(),
  });
  const body = [
    h("fieldset.template-list", {}, h("legend", {}, "Template"), ...options),
    h("label.modal-field", {}, h("span", {}, "Name"), name),
    h("label.modal-field", {}, h("span", {}, "Folder"), folder, datalist),
    where,
    problem,
  ];
  for (;;) {
    let dialogNode: HTMLDialogElement | undefined;
    const choice = await modal(
      "New rulebook",
      body,
      [{ label: "Create", value: "ok", kind: "primary" }],
      (dialog) => {
        dialogNode = dialog;
        const update = (): void =>
          void (where.textContent = `Creates ${preview(read(dialog))} and its .test.yaml`);
        dialog.addEventListener("input", update);
        update();
        name.focus();
        name.select();
      },
    );
    if (choice !== "ok" || !dialogNode) return undefined;
    const value = read(dialogNode);
    const issue = value.name === "" ? "give the rulebook a name" : await check(value);
    if (!issue) return value;
    problem.textContent = issue;
  }
}

/** The keyboard shortcuts, as they work on this platform. */
export function shortcutSheet(): Promise<string | undefined> {
  const mac = /Mac|iPhone|iPad/.test(navigator.platform);
  const mod = mac ? "⌘" : "Ctrl";
  const rows: [string, string][] = [
    [`${mod}+S`, "Save"],
    [mac ? "⇧⌥F" : "Ctrl+Shift+I", "Format the document"],
    [`${mod}+.`, "Quick fix for the problem under the cursor"],
    ["F12", "Go to definition"],
    ["Shift+F12", "Find references"],
    ["F2", "Rename (refused when it would break the rulebook or its tests)"],
    [`${mod}+Shift+O`, "Go to symbol (outline of the rulebook)"],
    [`${mod}+Space`, "Completion"],
    [`${mod}+K ${mod}+I`, "Hover: type and unit of the expression"],
    ["F8 / Shift+F8", "Next / previous problem"],
    [`${mod}+Z / ${mod}+Shift+Z`, "Undo / redo (also after loading the disk version or a merge)"],
    ["?", "This sheet (outside the editor)"],
  ];
  return modal(
    "Keyboard shortcuts",
    [
      h(
        "table.shortcuts",
        {},
        h(
          "tbody",
          {},
          ...rows.map(([keys, what]) => h("tr", {}, h("td", {}, h("kbd", {}, keys)), h("td", {}, what))),
        ),
      ),
    ],
    [],
  );
}
