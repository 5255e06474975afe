/**
 * Why an input's margin moved: both versions evaluate it again with the reference interpreter's
 * explanation on, and the two traces are walked side by side to the first entry that differs (a
 * let whose value changed, a rule that now runs, a rule step with a new operand or a new tier rate,
 * a rule added or removed, an output computed differently). That entry is "the rule that made the
 * difference". This costs two explained evaluations, so it is done for the top movers only.
 */
import { forEachExpr, type IrExpr, type IrRulebook } from "../ir/ir.js";
import { evaluate as interpret } from "../runtime/interpreter.js";
import type {
  AggregateChoice,
  TierChoice,
  Trace,
  TraceAction,
  TraceEntry,
  TraceValue,
} from "../runtime/trace.js";

/** The first difference between two evaluations of the same input. */
export interface Difference {
  /** What differs: a let, a rule (or one of its steps), an output, an assertion, or an error. */
  kind: "let" | "rule" | "output" | "assert" | "error";
  /** Its name (`vol_scale`, `notional`, ...). */
  name: string;
  /** Its line in the new version (in the old one when it was removed); 0 when unknown. */
  line: number;
  /** What changed, in words: `scale im_rate by 1.05 -> 1.1 (im_rate 0.0525 -> 0.055)`. */
  detail: string;
}

/**
 * What can change one output: the trace entries (`let:x`, `rule:y`, `output:z`) of the lets, rules
 * and outputs it reads, directly or through others, and the rule quantities among them.
 */
export interface Influence {
  entries: Set<string>;
  quantities: Set<string>;
}

/** The {@link Influence} of output `output` in a rulebook (empty when it has no such output). */
export function influenceOf(ir: IrRulebook, output: string): Influence {
  const influence: Influence = { entries: new Set(), quantities: new Set() };
  const seen = new Set<number>();
  const pending: number[] = [];
  const readsOf = (expr: IrExpr | undefined): void => {
    if (expr) forEachExpr(expr, (e) => void (e.k === "slot" && pending.push(e.slot)));
  };
  const start = ir.slots.findIndex((s) => s.kind === "output" && s.name === output);
  if (start >= 0) pending.push(start);
  while (pending.length > 0) {
    const slot = pending.pop()!;
    if (seen.has(slot)) continue;
    seen.add(slot);
    const { name, kind } = ir.slots[slot]!;
    if (kind === "quantity") influence.quantities.add(name);
    else influence.entries.add(`${kind}:${name}`);
    for (const step of ir.steps) {
      if ((step.kind === "let" || step.kind === "output") && step.slot === slot) readsOf(step.value);
      if (step.kind !== "rule") continue;
      const writers = step.actions.filter((a) => a.slot === slot);
      if (writers.length === 0) continue;
      influence.entries.add(`rule:${step.name}`);
      readsOf(step.condition);
      for (const action of writers) {
        readsOf(action.value);
        readsOf(action.condition);
      }
    }
  }
  return influence;
}

/**
 * The tier columns each step reads (`brackets.imr`; `brackets.mmr#deduction` when it also reads the
 * column's derived deductions, as a margin does), keyed like trace entries (`let:notional`,
 * `output:initial_margin`, `rule:base` for a rule's condition, `rule:base#0` for its first step),
 * so that an explanation names the rates that matter and not every column of the row.
 */
export function columnsUsed(ir: IrRulebook): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const collect = (key: string, exprs: readonly (IrExpr | undefined)[]): void => {
    const found = used.get(key) ?? new Set<string>();
    for (const expr of exprs) {
      if (!expr) continue;
      forEachExpr(expr, (e) => {
        const column =
          e.k === "cell" && typeof e.column === "number"
            ? e.column
            : e.k === "margin" || e.k === "liquidation"
              ? e.column
              : undefined;
        const table = column !== undefined && "table" in e ? ir.tables[e.table as number] : undefined;
        if (!table || column === undefined || !table.columns[column]) return;
        const name = `${table.name}.${table.columns[column]!.name}`;
        found.add(name);
        // A margin (or a liquidation price) also reads the column's derived deductions; a cell does not.
        if (e.k !== "cell") found.add(`${name}#deduction`);
      });
    }
    used.set(key, found);
  };
  for (const step of ir.steps) {
    if (step.kind === "let" || step.kind === "output")
      collect(`${step.kind}:${ir.slots[step.slot]!.name}`, [step.value]);
    else if (step.kind === "rule") {
      collect(`rule:${step.name}`, [step.condition]);
      step.actions.forEach((action, i) =>
        collect(`rule:${step.name}#${i}`, [action.value, action.condition]),
      );
    }
  }
  return used;
}

/** What the comparison of two traces may look at. */
interface Focus {
  /** Whether a rule step on this quantity can affect the output explained. */
  quantity: (name: string) => boolean;
  /** The tier columns an entry reads, when known. */
  columns: (key: string) => ReadonlySet<string> | undefined;
}

/**
 * Evaluates `input` with both IRs, explanation on, and returns the first difference (the first
 * that can affect `output`, when given); undefined when the traces agree (the difference then
 * lies in rounding alone, which the outputs show).
 */
export function explainDifference(
  oldIr: IrRulebook,
  newIr: IrRulebook,
  input: unknown,
  output?: string,
): Difference | undefined {
  const oldRun = explained(oldIr, input);
  const newRun = explained(newIr, input);
  if ("error" in oldRun || "error" in newRun) {
    const message = (run: typeof oldRun): string => ("error" in run ? `fails (${run.error})` : "evaluates");
    return {
      kind: "error",
      name: "evaluation",
      line: 0,
      detail: `old ${message(oldRun)}, new ${message(newRun)}`,
    };
  }
  const oldColumns = columnsUsed(oldIr);
  const newColumns = columnsUsed(newIr);
  const columns = (key: string): Set<string> =>
    new Set([...(oldColumns.get(key) ?? []), ...(newColumns.get(key) ?? [])]);
  if (output === undefined) return firstDifference(oldRun.trace, newRun.trace, undefined, columns);
  const a = influenceOf(oldIr, output);
  const b = influenceOf(newIr, output);
  const relevant: Influence = {
    entries: new Set([...a.entries, ...b.entries]),
    quantities: new Set([...a.quantities, ...b.quantities]),
  };
  return firstDifference(oldRun.trace, newRun.trace, relevant, columns);
}

function explained(ir: IrRulebook, input: unknown): { trace: Trace } | { error: string } {
  try {
    return { trace: interpret(ir, input, { explain: true }).explanation! };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { error: `${code ? `${code} ` : ""}${error instanceof Error ? error.message : String(error)}` };
  }
}

function keyOf(entry: TraceEntry, index: number): string {
  return entry.kind === "assert" ? `assert:${entry.message ?? index}` : `${entry.kind}:${entry.name}`;
}

/**
 * The first entry, in the new version's evaluation order, where two explanations differ; with
 * `relevant`, only entries (and rule steps on quantities) that can affect one output count.
 */
export function firstDifference(
  oldTrace: Trace,
  newTrace: Trace,
  relevant?: Influence,
  columns: (key: string) => ReadonlySet<string> | undefined = () => undefined,
): Difference | undefined {
  const oldKeys = new Map(oldTrace.entries.map((e, i) => [keyOf(e, i), i]));
  const newKeys = new Set(newTrace.entries.map((e, i) => keyOf(e, i)));
  // Assertions change no output: with `relevant`, they never count.
  const counts = (entry: TraceEntry, index: number): boolean =>
    relevant === undefined || (entry.kind !== "assert" && relevant.entries.has(keyOf(entry, index)));
  const focus: Focus = { quantity: (name) => !relevant || relevant.quantities.has(name), columns };
  let oldCursor = 0;
  for (const [i, entry] of newTrace.entries.entries()) {
    const at = oldKeys.get(keyOf(entry, i));
    // Entries of the old version that the new one dropped, and that came before this one.
    const limit = at ?? oldCursor;
    for (; oldCursor < limit; oldCursor++) {
      const gone = oldTrace.entries[oldCursor]!;
      if (!newKeys.has(keyOf(gone, oldCursor)) && effective(gone) && counts(gone, oldCursor))
        return { kind: gone.kind, name: nameOf(gone), line: gone.line, detail: "removed in the new version" };
    }
    if (!counts(entry, i)) {
      if (at !== undefined) oldCursor = Math.max(oldCursor, at + 1);
      continue;
    }
    if (at === undefined) {
      if (effective(entry))
        return {
          kind: entry.kind,
          name: nameOf(entry),
          line: entry.line,
          detail: `added in the new version${entry.kind === "rule" ? `: ${actionsText(entry.actions)}` : ""}`,
        };
      continue;
    }
    oldCursor = Math.max(oldCursor, at + 1);
    const detail = compareEntries(oldTrace.entries[at]!, entry, focus);
    if (detail !== undefined) return { kind: entry.kind, name: nameOf(entry), line: entry.line, detail };
  }
  return undefined;
}

/** Whether an entry did anything (a skipped rule did not). */
function effective(entry: TraceEntry): boolean {
  return entry.kind !== "rule" || entry.ran;
}

function nameOf(entry: TraceEntry): string {
  return entry.kind === "assert" ? (entry.message ?? "assert") : entry.name;
}

function compareEntries(a: TraceEntry, b: TraceEntry, focus: Focus): string | undefined {
  const key = keyOf(b, 0);
  if (a.kind === "rule" && b.kind === "rule") {
    if (a.ran !== b.ran)
      return `${a.ran ? "ran" : "skipped"} -> ${b.ran ? "ran" : "skipped"} (${b.reason})${b.ran ? `: ${actionsText(b.actions)}` : ""}`;
    for (let i = 0; i < Math.max(a.actions.length, b.actions.length); i++) {
      const quantity = (b.actions[i] ?? a.actions[i])!.quantity;
      if (!focus.quantity(quantity)) continue;
      const detail = compareActions(a.actions[i], b.actions[i], focus.columns(`${key}#${i}`));
      if (detail !== undefined) return detail;
    }
    return undefined;
  }
  if (a.kind === "let" && b.kind === "let")
    return same(a.value, b.value)
      ? undefined
      : `${showPair(a.value, b.value)}${tierText(a.tiers, b.tiers, focus.columns(key))}${choiceText(a.choices, b.choices)}`;
  if (a.kind === "output" && b.kind === "output") {
    if (!same(a.value, b.value))
      return `${showPair(a.value, b.value)}${tierText(a.tiers, b.tiers, focus.columns(key))}${choiceText(a.choices, b.choices)}`;
    if (a.rounding?.step !== b.rounding?.step || a.rounding?.direction !== b.rounding?.direction)
      return "rounding changed";
    return undefined;
  }
  if (a.kind === "assert" && b.kind === "assert")
    return a.holds === b.holds
      ? undefined
      : `${a.holds ? "held" : "failed"} -> ${b.holds ? "holds" : "fails"}`;
  return undefined;
}

function compareActions(
  a: TraceAction | undefined,
  b: TraceAction | undefined,
  columns: ReadonlySet<string> | undefined,
): string | undefined {
  if (!a && b) return `step added: ${actionText(b)}`;
  if (a && !b) return `step removed: ${actionText(a)}`;
  if (!a || !b) return undefined;
  if (a.verb !== b.verb || a.quantity !== b.quantity) return `${actionText(a)} -> ${actionText(b)}`;
  if (a.applied !== b.applied)
    return `${a.verb} ${a.quantity}: ${a.applied ? "applied" : "not applied"} -> ${b.applied ? "applied" : "not applied"} (${b.quantity} ${showPair(a.after, b.after)})`;
  if (!same(a.operand, b.operand))
    return `${verbText(b.verb, b.quantity, showPair(a.operand, b.operand))} (${b.quantity} ${showPair(a.after, b.after)})${tierText(a.tiers, b.tiers, columns)}`;
  if (!same(a.after, b.after))
    return `${b.verb} ${b.quantity}: ${showPair(a.after, b.after)} (${b.quantity} was ${show(a.before)}, now ${show(b.before)})`;
  return undefined;
}

/** A rule step in words, with its operand as given: `add 0.05 to im_rate`, `scale im_rate by 1.1 -> 1.2`. */
function verbText(verb: TraceAction["verb"], quantity: string, value: string): string {
  switch (verb) {
    case "set":
      return `set ${quantity} = ${value}`;
    case "scale":
      return `scale ${quantity} by ${value}`;
    case "add":
      return `add ${value} to ${quantity}`;
    case "floor":
      return `floor ${quantity} at ${value}`;
    case "cap":
      return `cap ${quantity} at ${value}`;
  }
}

function actionText(action: TraceAction): string {
  return action.applied
    ? `${verbText(action.verb, action.quantity, show(action.operand))} (${action.quantity} = ${show(action.after)})`
    : `${action.verb} ${action.quantity} (not applied)`;
}

function actionsText(actions: readonly TraceAction[]): string {
  return (
    actions
      .filter((a) => a.applied)
      .map(actionText)
      .join("; ") || "no step applied"
  );
}

/** The winning scenario of the first `min` / `max` over scenarios, and whether it changed. */
function choiceText(
  a: readonly AggregateChoice[] | undefined,
  b: readonly AggregateChoice[] | undefined,
): string {
  // Scenario winners say which stress decided; other winners (a record of a list) say little.
  const before = a?.find((c) => c.scenarios !== undefined);
  const after = b?.find((c) => c.scenarios !== undefined);
  if (!after) return "";
  const label = (c: AggregateChoice): string => c.name ?? `#${c.position + 1}`;
  const over = after.scenarios ? ` over ${after.scenarios}` : "";
  if (before && label(before) !== label(after))
    return `; ${after.op}${over}: ${label(before)} -> ${label(after)}`;
  return `; ${after.op}${over} at ${label(after)}`;
}

/**
 * The tier rows chosen, when they differ: another row, or the same row with other rates (only the
 * columns the step reads, when `columns` knows them).
 */
function tierText(a: readonly TierChoice[], b: readonly TierChoice[], columns?: ReadonlySet<string>): string {
  const reads = (table: string, column: string): boolean =>
    !columns || columns.size === 0 || columns.has(`${table}.${column}`);
  const parts: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const before = a[i];
    const after = b[i]!;
    if (!before || before.table !== after.table) continue;
    // Rows are named by their bounds, not their number: a number shifts when a row is inserted.
    if (before.tier !== after.tier) parts.push(`${after.table}: ${rowText(before)} -> ${rowText(after)}`);
    else {
      const cells = Object.keys(after.cells).filter(
        (c) => before.cells[c] !== after.cells[c] && reads(after.table, c),
      );
      const deductions = Object.keys(after.deductions).filter(
        (c) => before.deductions[c] !== after.deductions[c] && reads(after.table, `${c}#deduction`),
      );
      const changed = [
        ...cells.map((c) => `${c} ${showPair(before.cells[c], after.cells[c])}`),
        ...deductions.map((c) => `${c} deduction ${showPair(before.deductions[c], after.deductions[c])}`),
      ];
      if (changed.length > 0) parts.push(`${after.table}${rowText(after)}: ${changed.join(", ")}`);
    }
  }
  return parts.length > 0 ? `; ${parts.join("; ")}` : "";
}

/** A tier row by its bounds, as the rulebook writes it: `[1_000_000, 10_000_000)`. */
function rowText(row: TierChoice): string {
  const bound = (x: number | null): string =>
    x === null
      ? "inf"
      : Number.isInteger(x) && Math.abs(x) >= 10_000
        ? x.toString().replace(/\B(?=(\d{3})+(?!\d))/g, "_")
        : String(x);
  return `${row.lowerInclusive ? "[" : "("}${bound(row.lower)}, ${bound(row.upper)}${row.upperInclusive ? "]" : ")"}`;
}

/** Two values that differ, with enough digits to see that they do: `71200.81 -> 71200.82`. */
function showPair(a: TraceValue | undefined, b: TraceValue | undefined): string {
  if (typeof a === "number" && typeof b === "number") {
    for (const digits of [10, 12, 15, 17]) {
      const x = String(Number(a.toPrecision(digits)));
      const y = String(Number(b.toPrecision(digits)));
      if (x !== y || digits === 17) return `${x} -> ${y}`;
    }
  }
  return `${show(a)} -> ${show(b)}`;
}

function same(a: TraceValue | undefined, b: TraceValue | undefined): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A traced value for reading: numbers to 10 significant digits. */
function show(value: TraceValue | undefined): string {
  if (value === undefined || value === null) return "(none)";
  if (typeof value === "number") return String(Number(value.toPrecision(10)));
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  if (!Array.isArray(value) && typeof value["table"] === "string" && typeof value["tier"] === "number")
    return `tier ${value["tier"]} of ${value["table"]}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
