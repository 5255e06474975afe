/**
 * The text form of evaluation results for `marginbook eval`: outputs with their units (money as
 * `71,200.82 USDT`, rates also as a percentage) and explanations as one line per step, with the
 * source line, the rule that ran or was skipped and why, each quantity before and after, and the
 * tier chosen.
 */
import type { IrRulebook } from "../ir/ir.js";
import { DECIMAL_TEXT, decimalPercent, groupThousands } from "../semantics/decimal-text.js";
import type { OutputInfo } from "../runtime/output-info.js";
import type { OutputValue } from "../runtime/interpreter.js";
import type {
  AggregateChoice,
  TierChoice,
  Trace,
  TraceAction,
  TraceChoices,
  TraceEntry,
  TraceValue,
} from "../runtime/trace.js";

/** A number with its integer part grouped by thousands, all its digits kept: `71,200.811444`. */
export function formatAmount(value: number): string {
  return groupThousands(Object.is(value, -0) ? "0" : String(value));
}

/** A rate as a percentage for reading (12 significant digits): 0.0687504 -> `6.87504%`. */
export function formatPercent(rate: number): string {
  return `${formatAmount(Number((rate * 100).toPrecision(12)))}%`;
}

/** A value with its unit: money and prices with the unit, rates as a percentage, plain numbers bare. */
export function formatWithUnit(
  value: TraceValue | OutputValue | undefined,
  unit: string | undefined,
  rateStyle: "both" | "percent" = "percent",
): string {
  // Decimal arithmetic gives numbers as exact text: shown with their unit like binary64 numbers.
  const decimal = typeof value === "string" && unit !== undefined && DECIMAL_TEXT.test(value);
  if (typeof value !== "number" && !decimal) return formatPlain(value);
  const text = typeof value === "number" ? formatAmount(value) : groupThousands(value as string);
  if (unit === undefined || unit === "Number") return text;
  if (unit === "Rate") {
    const percent = typeof value === "number" ? formatPercent(value) : decimalPercent(value as string);
    return rateStyle === "both" ? `${text} (${percent})` : percent;
  }
  if (unit === "Duration") return `${text} s`;
  return `${text} ${unit}`;
}

function formatPlain(value: TraceValue | OutputValue | undefined): string {
  if (value === undefined || value === null) return "(none)";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (!Array.isArray(value) && typeof value["table"] === "string" && typeof value["tier"] === "number")
    return `tier ${value["tier"]} of ${value["table"]}`;
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** The outputs of one evaluation, one per line, names aligned. */
export function formatOutputs(
  outputs: Readonly<Record<string, OutputValue>>,
  infos: readonly OutputInfo[],
  indent = "  ",
): string {
  const names = Object.keys(outputs);
  const width = Math.max(0, ...names.map((n) => n.length));
  const unitOf = new Map(infos.map((o) => [o.name, o.unit]));
  return names
    .map(
      (name) =>
        `${indent}${name.padEnd(width)}  ${formatWithUnit(outputs[name], unitOf.get(name), "both")}\n`,
    )
    .join("");
}

/** An explanation as text: one line per let, rule, step, output and assertion, in evaluation order. */
export function formatExplanation(trace: Trace, ir: IrRulebook, indent = "  "): string {
  const units = new Map<string, string | undefined>(
    ir.slots.map((s) => [s.name, s.type.kind === "number" ? s.type.unit : undefined]),
  );
  const context: Context = { ir, units, lines: [], indent, width: lineWidth(trace), described: new Set() };
  // Decimal arithmetic: say the scale and rounding of `/` and the functions before the steps.
  if (trace.arithmetic !== undefined) context.lines.push(`${indent}arithmetic: ${trace.arithmetic}\n`);
  for (const entry of trace.entries) formatEntry(entry, context);
  return context.lines.join("");
}

interface Context {
  ir: IrRulebook;
  units: Map<string, string | undefined>;
  lines: string[];
  indent: string;
  width: number;
  /** Tier choices already shown in full: later ones are shown briefly. */
  described: Set<string>;
}

function lineWidth(trace: Trace): number {
  let max = 0;
  const visit = (line: number): void => void (max = Math.max(max, String(line).length));
  for (const entry of trace.entries) {
    visit(entry.line);
    if (entry.kind === "rule") for (const a of entry.actions) visit(a.line);
  }
  return max;
}

function emit(c: Context, line: number | undefined, depth: number, text: string): void {
  const where = line === undefined ? " ".repeat(c.width + 5) : `line ${String(line).padStart(c.width)}`;
  c.lines.push(`${c.indent}${where}  ${"    ".repeat(depth)}${text}\n`);
}

/** Marks the lines of another file (an imported or base rulebook's): `line 38 ... (file.margin)`. */
function fromFile(entry: TraceEntry): string {
  return entry.file ? `  (${entry.file.split(/[\\/]/).pop()})` : "";
}

function formatEntry(entry: TraceEntry, c: Context): void {
  const from = fromFile(entry);
  switch (entry.kind) {
    case "let":
      emit(
        c,
        entry.line,
        0,
        `let ${entry.name} = ${formatWithUnit(entry.value, c.units.get(entry.name))}${from}`,
      );
      break;
    case "rule": {
      const status = entry.ran ? `ran (${entry.reason})` : `skipped (${entry.reason})`;
      emit(c, entry.line, 0, `rule ${entry.name}: ${status}${from}`);
      formatTiers(entry.tiers, c, 1);
      formatChoices(entry, c, 1);
      for (const action of entry.actions) formatAction(action, c);
      return;
    }
    case "output": {
      const unit = c.units.get(entry.name);
      let text = `output ${entry.name} = ${formatWithUnit(entry.value, unit)}`;
      if (entry.rounding && entry.unrounded !== undefined) {
        text += ` (unrounded ${formatWithUnit(entry.unrounded, unit)}, rounded ${entry.rounding.direction.replace("_", "-")} to ${formatAmount(entry.rounding.step)})`;
      }
      emit(c, entry.line, 0, text + from);
      break;
    }
    case "assert":
      emit(
        c,
        entry.line,
        0,
        `assert ${entry.holds ? "holds" : "FAILS"}${entry.message !== undefined ? `: ${entry.message}` : ""}`,
      );
      break;
  }
  formatTiers(entry.tiers, c, 1);
  formatChoices(entry, c, 1);
}

const verbs: Record<TraceAction["verb"], string> = {
  set: "set",
  scale: "scale",
  add: "add",
  floor: "floor",
  cap: "cap",
};

function formatAction(a: TraceAction, c: Context): void {
  const unit = c.units.get(a.quantity);
  const operandUnit = a.verb === "scale" ? "Number" : unit;
  const operand = a.operand === undefined ? "" : formatWithUnit(a.operand, operandUnit);
  let text: string;
  switch (a.verb) {
    case "set":
      text = `set ${a.quantity} = ${operand}`;
      break;
    case "scale":
      text = `scale ${a.quantity} by ${operand}`;
      break;
    case "add":
      text = `add ${operand} to ${a.quantity}`;
      break;
    default:
      text = `${verbs[a.verb]} ${a.quantity} at ${operand}`;
      break;
  }
  if (!a.applied) {
    text = `${verbs[a.verb]} ${a.quantity}: not applied (its condition is false)`;
  } else if (a.verb !== "set") {
    const before = formatWithUnit(a.before, unit);
    const after = formatWithUnit(a.after, unit);
    text += `: ${before} -> ${after}${Object.is(a.before, a.after) ? " (unchanged)" : ""}`;
  }
  emit(c, a.line, 1, text);
  formatTiers(a.tiers, c, 2);
  formatChoices(a, c, 2);
}

/** The winners of `min` / `max` aggregations: `max over span16 for SP: scenario "price -1, vol -1" (index 13) -> 3,990 USD`. */
function formatChoices(entry: TraceChoices, c: Context, depth: number): void {
  for (const choice of entry.choices ?? []) emit(c, undefined, depth, describeChoice(choice));
  if (entry.choicesOmitted) emit(c, undefined, depth, `... and ${entry.choicesOmitted} more`);
}

export function describeChoice(choice: AggregateChoice): string {
  if (choice.op === "call") {
    const args = (choice.args ?? []).map((a) => formatTraceValue(a)).join(", ");
    const result =
      choice.result !== undefined
        ? formatTraceValue(choice.result)
        : formatWithUnit(choice.value, choice.unit);
    const within = choice.within.length > 0 ? ` for ${choice.within.join(" / ")}` : "";
    return `${choice.fn ?? "fn"}(${args})${within} -> ${result}`;
  }
  const over =
    choice.scenarios !== undefined
      ? `${choice.op} over ${choice.scenarios} (${choice.count} scenario${choice.count === 1 ? "" : "s"})`
      : `${choice.op} over ${choice.count} element${choice.count === 1 ? "" : "s"}`;
  const within = choice.within.length > 0 ? ` for ${choice.within.join(" / ")}` : "";
  let winner: string;
  if (choice.scenarios !== undefined) {
    const weight =
      choice.weight !== undefined && choice.weight !== 1 ? `, weight ${formatPercent(choice.weight)}` : "";
    const index = choice.index ?? choice.position;
    winner = `scenario ${index + 1} ${JSON.stringify(choice.name ?? "")} (index ${index}${weight})`;
  } else {
    winner = `#${choice.position}${choice.name !== undefined ? ` ${JSON.stringify(choice.name)}` : ""}`;
  }
  return `${over}${within}: ${winner} -> ${formatWithUnit(choice.value, choice.unit)}`;
}

function formatTiers(tiers: readonly TierChoice[], c: Context, depth: number): void {
  const seen = new Set<string>();
  for (const t of tiers) {
    const key = `${t.table}:${t.tier}:${t.key}`;
    if (seen.has(key)) continue; // the same lookup twice in one step (brackets(x).imr and .mmr)
    seen.add(key);
    if (c.described.has(key)) {
      const table = c.ir.tables.find((x) => x.name === t.table);
      emit(
        c,
        undefined,
        depth,
        `tier ${t.tier} of ${t.table} (${table?.key ?? "key"} ${formatWithUnit(t.key, table?.keyUnit)}, as above)`,
      );
      continue;
    }
    c.described.add(key);
    emit(c, undefined, depth, describeTier(t, c.ir));
  }
}

/** `tier 4 of brackets: notional 3,500,032.45776 USDT in [1,000,000, 10,000,000): imr 5%, mmr 2.5%; deduction mmr 16,300 USDT`. */
export function describeTier(t: TierChoice, ir: IrRulebook): string {
  const table = ir.tables.find((x) => x.name === t.table);
  const keyUnit = table?.keyUnit;
  const bound = (value: number | null): string => (value === null ? "inf" : formatAmount(value));
  const interval = `${t.lowerInclusive ? "[" : "("}${bound(t.lower)}, ${bound(t.upper)}${t.upper === null ? ")" : t.upperInclusive ? "]" : ")"}`;
  const columnUnit = (name: string): string | undefined =>
    table?.columns.find((col) => col.name === name)?.unit;
  const cells = Object.entries(t.cells).map(
    ([name, value]) => `${name} ${formatWithUnit(value, columnUnit(name))}`,
  );
  const deductions = Object.entries(t.deductions)
    .filter(([, value]) => value !== 0)
    .map(([name, value]) => `${name} ${formatWithUnit(value, keyUnit)}`);
  const key = `${table?.key ?? "key"} ${formatWithUnit(t.key, keyUnit)}${t.convention ? ` (${t.convention})` : ""}`;
  return `tier ${t.tier} of ${t.table}: ${key} in ${interval}: ${cells.join(", ")}${deductions.length > 0 ? `; deduction ${deductions.join(", ")}` : ""}`;
}

/**
 * A value of an explanation on one line: numbers as the rest of the explanation shows them; a
 * record by its name (a scenario's, or its `name`, `key` or first text field); a list by its length.
 */
function formatTraceValue(value: TraceValue): string {
  if (typeof value === "number") return formatWithUnit(value, undefined);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value))
    return value.length <= 4 ? `[${value.map(formatTraceValue).join(", ")}]` : `[${value.length} items]`;
  if (value !== null && typeof value === "object") {
    const label = ["name", "key", "contract", "symbol"]
      .map((k) => value[k])
      .find((v) => typeof v === "string");
    if (typeof value["number"] === "number" && typeof label === "string")
      return `scenario ${value["number"]} ${JSON.stringify(label)}`;
    if (typeof label === "string") return JSON.stringify(label);
    return "{...}";
  }
  return String(value);
}
