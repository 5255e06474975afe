/**
 * A readable, deterministic printer of the IR, for golden tests, `--emit ir`-style debugging and
 * reviews: the same IR always prints the same text.
 *
 * Conventions: `in.position.size` is an input path, `notional` a slot (let, quantity or output),
 * `p#0` a comprehension variable, `brackets(x).imr` a tier lookup, `?? v` a field's default, `ts(...)`
 * a timestamp read. Binary operations are fully parenthesised, so evaluation order is visible.
 */
import { conventionOptions } from "../ir/ir.js";
import type {
  IrAction,
  IrConstValue,
  IrExpr,
  IrField,
  IrRulebook,
  IrScenarioSet,
  IrSite,
  IrStep,
  IrTierTable,
  IrType,
} from "../ir/ir.js";

/** Prints a rulebook's IR as text (ending with a newline). */
export function printIr(ir: IrRulebook): string {
  return new IrPrinter(ir).print();
}

/** A number as the printer shows it: shortest round-trip form, `-0` kept. */
export function formatIrNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

function constant(value: IrConstValue): string {
  return typeof value === "number"
    ? formatIrNumber(value)
    : typeof value === "string"
      ? JSON.stringify(value)
      : String(value);
}

/** A type as the printer shows it. */
export function formatIrType(type: IrType): string {
  switch (type.kind) {
    case "number":
      return type.unit;
    case "bool":
      return "Bool";
    case "text":
      return "Text";
    case "timestamp":
      return "Timestamp";
    case "enum":
    case "record":
      return type.name;
    case "list":
      return `List<${formatIrType(type.element)}>`;
    case "row":
      return `row of ${type.table}`;
    case "opaque":
      return type.description;
  }
}

class IrPrinter {
  private readonly lines: string[] = [];

  constructor(private readonly ir: IrRulebook) {}

  print(): string {
    this.header();
    this.schema();
    this.ir.tables.forEach((t, i) => this.table(t, i));
    this.ir.scenarioSets.forEach((s, i) => this.scenarios(s, i));
    this.slots();
    this.functions();
    this.emit("steps");
    this.ir.steps.forEach((step, i) => this.step(step, i + 1));
    this.emit("");
    this.properties();
    this.sites();
    return this.lines.join("\n") + "\n";
  }

  private emit(line: string): void {
    this.lines.push(line);
  }

  private header(): void {
    const m = this.ir.meta;
    this.emit(`rulebook ${JSON.stringify(m.name)} version ${m.version} (ir ${this.ir.irVersion})`);
    this.emit(`  effective ${m.effective}`);
    this.emit(`  currency ${m.currency}`);
    if (m.owner !== undefined) this.emit(`  owner ${JSON.stringify(m.owner)}`);
    if (m.description !== undefined) this.emit(`  description ${JSON.stringify(m.description)}`);
    if (m.extends !== undefined) this.emit(`  extends ${JSON.stringify(m.extends)}`);
    this.emit(`  file ${JSON.stringify(m.file)}`);
    this.emit("");
  }

  private schema(): void {
    const { enums, records, inputs } = this.ir.schema;
    for (const [name, members] of Object.entries(enums)) this.emit(`enum ${name} { ${members.join(", ")} }`);
    for (const record of Object.values(records)) {
      this.emit(`record ${record.name}`);
      for (const field of record.fields) this.emit(`  ${this.field(field)}`);
    }
    for (const input of inputs) this.emit(`input ${input.name}: ${formatIrType(input.type)}`);
    this.emit("");
  }

  private field(field: IrField): string {
    let text = `${field.name}: ${formatIrType(field.type)}`;
    const d = field.domain;
    if (d?.min !== undefined) text += ` ${d.minInclusive ? ">=" : ">"} ${formatIrNumber(d.min)}`;
    if (d?.max !== undefined) text += ` ${d.maxInclusive ? "<=" : "<"} ${formatIrNumber(d.max)}`;
    if (field.default !== undefined) text += ` = ${constant(field.default)}`;
    return field.optional ? `${text} (optional)` : text;
  }

  private table(table: IrTierTable, index: number): void {
    this.emit(
      `tiers #${index} ${table.name} by ${table.key}: ${table.keyUnit}, ${table.mode}  // ${this.where(table.site)}`,
    );
    this.emit(`  columns ${table.columns.map((c) => `${c.name}: ${c.unit}`).join(", ")}`);
    table.rows.forEach((row, r) => {
      const interval = `${row.lowerInclusive ? "[" : "("}${formatIrNumber(row.lower)}, ${row.upper === null ? "inf" : formatIrNumber(row.upper)}${row.upperInclusive ? "]" : ")"}`;
      const cells = table.columns.map((c, i) => `${c.name} ${formatIrNumber(row.cells[i]!)}`).join("  ");
      const deductions = table.columns.flatMap((c, i) =>
        row.deductions[i] === null ? [] : [`${c.name} ${formatIrNumber(row.deductions[i]!)}`],
      );
      this.emit(
        `  ${r + 1}  ${interval}  ${cells}${deductions.length ? `  | deduction ${deductions.join("  ")}` : ""}`,
      );
    });
    this.emit("");
  }

  private scenarios(set: IrScenarioSet, index: number): void {
    this.emit(`scenarios #${index} ${set.name}(${set.axes.join(", ")})  // ${this.where(set.site)}`);
    for (const row of set.rows) {
      const values = set.axes.map((axis, a) => `${axis} ${formatIrNumber(row.values[a]!)}`).join("  ");
      this.emit(
        `  ${row.index}  ${JSON.stringify(row.name)}  weight ${formatIrNumber(row.weight)}  ${values}`,
      );
    }
    this.emit("");
  }

  private slots(): void {
    this.emit("slots");
    this.ir.slots.forEach((slot, i) =>
      this.emit(`  $${i} ${slot.kind} ${slot.name}: ${formatIrType(slot.type)}`),
    );
    if (this.ir.locals.length > 0)
      this.emit(`locals ${this.ir.locals.map((name, i) => `${name}#${i}`).join(", ")}`);
    this.emit("");
  }

  private step(step: IrStep, n: number): void {
    switch (step.kind) {
      case "let":
        return this.emit(
          `  ${n}. let ${this.slot(step.slot)} = ${this.expr(step.value)}  // ${this.where(step.site)}`,
        );
      case "rule":
        this.emit(
          `  ${n}. rule ${step.name}${step.condition ? ` when ${this.expr(step.condition)}` : ""}  // ${this.where(step.site)}`,
        );
        for (const action of step.actions)
          this.emit(`       ${this.action(action)}  // ${this.where(action.site)}`);
        return;
      case "output": {
        const r = step.rounding;
        const rounding = r
          ? ` round ${r.direction} to ${formatIrNumber(r.step)}${r.units > 0 ? ` (= ${r.units} / ${r.scale})` : ""}`
          : "";
        return this.emit(
          `  ${n}. output ${this.slot(step.slot)} = ${this.expr(step.value)}${rounding}  // ${this.where(step.site)}`,
        );
      }
      case "assert":
        return this.emit(
          `  ${n}. assert ${this.expr(step.condition)}${step.message !== undefined ? ` ${JSON.stringify(step.message)}` : ""}  // ${this.where(step.site)}`,
        );
    }
  }

  private properties(): void {
    const properties = this.ir.properties ?? [];
    if (properties.length === 0) return;
    this.emit("properties");
    properties.forEach((p, i) => {
      const subject = p.condition ? this.expr(p.condition) : p.targets.map((t) => this.slot(t)).join(", ");
      const variable = p.variable ? ` in in.${p.variable.join(".")}` : "";
      const message = p.message !== undefined ? ` ${JSON.stringify(p.message)}` : "";
      this.emit(`  ${i + 1}. ${p.kind} ${subject}${variable}${message}  // ${this.where(p.site)}`);
    });
    this.emit("");
  }

  private action(action: IrAction): string {
    const q = this.slot(action.slot);
    const v = this.expr(action.value);
    const text =
      action.verb === "set"
        ? `set ${q} = ${v}`
        : action.verb === "scale"
          ? `scale ${q} by ${v}`
          : action.verb === "add"
            ? `add ${v} to ${q}`
            : `${action.verb} ${q} at ${v}`;
    return action.condition ? `${text} when ${this.expr(action.condition)}` : text;
  }

  private slot(slot: number): string {
    return this.ir.slots[slot]?.name ?? `$${slot}`;
  }

  private where(site: number): string {
    const s = this.ir.sites[site];
    return s ? `${s.file ? `${s.file}:` : ""}line ${s.line}` : "line ?";
  }

  private sites(): void {
    this.emit("sites");
    this.ir.sites.forEach((s: IrSite, i) => {
      const inputs = s.inputs.length ? `  inputs ${s.inputs.join(", ")}` : "";
      this.emit(`  s${i}  ${this.where(i)}  ${s.what}${inputs}`);
    });
  }

  expr(e: IrExpr): string {
    switch (e.k) {
      case "const":
        return constant(e.v);
      case "input":
        return this.read(`in.${e.path.join(".")}`, e.default, e.timestamp);
      case "slot":
        return this.slot(e.slot);
      case "local":
        return `${this.ir.locals[e.local] ?? "local"}#${e.local}`;
      case "unary":
        return e.op === "neg" ? `-${this.expr(e.x)}` : `not ${this.expr(e.x)}`;
      case "binary":
        return `(${this.expr(e.l)} ${e.op} ${this.expr(e.r)})`;
      case "if":
        return `(if ${this.expr(e.c)} then ${this.expr(e.t)} else ${this.expr(e.e)})`;
      case "call":
        return `${e.fn}(${e.args.map((a) => this.expr(a)).join(", ")})`;
      case "tier":
        return `${this.tableName(e.table)}(${this.expr(e.key)})`;
      case "cell":
        return `${this.expr(e.row)}.${typeof e.column === "number" ? this.ir.tables[e.table]?.columns[e.column]?.name : e.column}`;
      case "margin":
        return `${this.tableName(e.table)}.${e.deduction ? "deduction" : "margin"}(${this.expr(e.key)}, ${this.ir.tables[e.table]?.columns[e.column]?.name})`;
      case "liquidation": {
        const args = [e.side, e.size, e.entry, e.balance].map((a) => this.expr(a));
        const column = this.ir.tables[e.table]?.columns[e.column]?.name;
        return `${this.tableName(e.table)}.liquidation_price(${[...args, column, ...conventionOptions(e)].join(", ")})`;
      }
      case "field":
        return this.read(`${this.expr(e.x)}.${e.name}`, e.default, e.timestamp);
      case "index":
        return `${this.expr(e.x)}[${this.expr(e.index)}]`;
      case "scenarios":
        return `scenarios ${this.ir.scenarioSets[e.set]?.name}`;
      case "nokey":
        return `no_row(${e.table}, ${e.keys.map((k) => this.expr(k)).join(", ")}) @s${e.site}`;
      case "agg": {
        const variable =
          `${this.ir.locals[e.local] ?? "local"}#${e.local}` +
          (e.position !== undefined ? `, ${this.ir.locals[e.position] ?? "local"}#${e.position}` : "");
        let text = `${e.op}(${this.expr(e.elem)} for ${variable} in ${this.expr(e.source)}`;
        if (e.filter) text += ` where ${this.expr(e.filter)}`;
        if (e.key) text += ` by ${this.expr(e.key)}`;
        if (e.fallback) text += ` default ${this.expr(e.fallback)}`;
        if (e.init && e.acc !== undefined)
          text += ` from ${this.ir.locals[e.acc] ?? "local"}#${e.acc} = ${this.expr(e.init)}`;
        return `${text})`;
      }
      case "list":
        return `[${e.items.map((i) => this.expr(i)).join(", ")}]`;
      case "record":
        return `{ ${e.names.map((n, i) => `${n}: ${this.expr(e.values[i]!)}`).join(", ")} }`;
      case "let":
        return `(let ${this.ir.locals[e.local] ?? "local"}#${e.local} = ${this.expr(e.value)} in ${this.expr(e.body)})`;
      case "apply":
        return `${this.ir.functions?.[e.fn]?.name ?? `fn${e.fn}`}(${e.args.map((a) => this.expr(a)).join(", ")})`;
    }
  }

  private functions(): void {
    const functions = this.ir.functions ?? [];
    if (functions.length === 0) return;
    this.emit("functions");
    for (const fn of functions) {
      const params = fn.params.map((p) => `${this.ir.locals[p] ?? "local"}#${p}`).join(", ");
      this.emit(`  fn ${fn.name}(${params}) = ${this.expr(fn.body)}  [s${fn.site}]`);
    }
  }

  private read(path: string, fallback: IrConstValue | undefined, timestamp: true | undefined): string {
    const text = timestamp ? `ts(${path})` : path;
    return fallback === undefined ? text : `(${text} ?? ${constant(fallback)})`;
  }

  private tableName(table: number): string {
    return this.ir.tables[table]?.name ?? `table${table}`;
  }
}
