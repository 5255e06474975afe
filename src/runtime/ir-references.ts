/**
 * Integrity checks of an IR that its JSON Schema cannot express: every index (slot, local, site,
 * table, column, scenario set) within range, every referenced record and enum declared, every
 * tier row and scenario as wide as its table or set, and a bound on nesting depth.
 *
 * They run after schema validation when an artifact is loaded, so that an artifact that was
 * tampered with (or written by a buggy producer) is refused with a clear message instead of
 * making the evaluators fail in unexpected ways later.
 */
import {
  childExprs,
  forEachExpr,
  type IrExpr,
  type IrRulebook,
  type IrTierRow,
  type IrType,
} from "../ir/ir.js";
import { BUILTINS, isBuiltin } from "../semantics/builtins.js";

/**
 * The deepest JSON nesting an artifact may have. The checker allows expressions 256 deep
 * (`LIMITS.expressionDepth`), brackets (so calls, whose arguments add a JSON level) 64 deep, and
 * the artifact wraps an expression in about 6 levels: 340 covers every rulebook `check` accepts.
 * It also keeps the recursive stages after it (the artifact schema's validator, the reference
 * checks, the code generator) well inside the default stack: ajv's validator overflows near 400.
 */
export const MAX_JSON_DEPTH = 340;

/**
 * Whether a parsed JSON value nests deeper than `max` levels. Iterative, so it is safe on any
 * input, including one whose depth would overflow the stack of a recursive walk.
 */
export function jsonDepthExceeds(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth > max) return true;
    const children = Array.isArray(current) ? current : Object.values(current as object);
    for (const child of children)
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Checks the cross-references of a schema-valid IR. Returns one message per problem (at most
 * `limit`), empty when the IR is consistent.
 */
export function checkIrReferences(ir: IrRulebook, limit = 20): string[] {
  const problems: string[] = [];
  const report = (message: string): void => {
    if (problems.length < limit) problems.push(message);
  };
  const counts = {
    slots: ir.slots.length,
    locals: ir.locals.length,
    sites: ir.sites.length,
    tables: ir.tables.length,
    sets: ir.scenarioSets.length,
  };
  const inRange = (value: number | undefined, count: number, what: string, where: string): void => {
    if (value !== undefined && value >= count)
      report(`${where}: ${what} ${value} does not exist (there are ${count})`);
  };

  const checkType = (type: IrType, where: string): void => {
    if (type.kind === "record" && !Object.hasOwn(ir.schema.records, type.name))
      report(`${where}: unknown record type ${type.name}`);
    if (type.kind === "enum" && !Object.hasOwn(ir.schema.enums, type.name))
      report(`${where}: unknown enum type ${type.name}`);
    if (type.kind === "list") checkType(type.element, where);
  };
  ir.schema.inputs.forEach((input, i) => checkType(input.type, `/ir/schema/inputs/${i}`));
  for (const [name, record] of Object.entries(ir.schema.records)) {
    if (record.name !== name) report(`/ir/schema/records/${name}: the record is named ${record.name}`);
    record.fields.forEach((field, i) => checkType(field.type, `/ir/schema/records/${name}/fields/${i}`));
  }
  ir.slots.forEach((slot, i) => checkType(slot.type, `/ir/slots/${i}`));

  ir.tables.forEach((table, t) => {
    inRange(table.site, counts.sites, "site", `/ir/tables/${t}`);
    table.rows.forEach((row, r) => {
      if (row.cells.length !== table.columns.length || row.deductions.length !== table.columns.length) {
        report(
          `/ir/tables/${t}/rows/${r}: ${row.cells.length} cells and ${row.deductions.length} deductions for ${table.columns.length} columns`,
        );
      }
      const problem = tierRowProblem(table.rows, r);
      if (problem) report(`/ir/tables/${t}/rows/${r}: ${problem}`);
    });
  });
  ir.scenarioSets.forEach((set, s) => {
    inRange(set.site, counts.sites, "site", `/ir/scenarioSets/${s}`);
    set.rows.forEach((row, r) => {
      if (row.values.length !== set.axes.length)
        report(`/ir/scenarioSets/${s}/rows/${r}: ${row.values.length} values for ${set.axes.length} axes`);
    });
  });

  const checkExpr = (root: IrExpr, where: string): void => {
    const pending: IrExpr[] = [root];
    while (pending.length > 0) {
      const e = pending.pop()!;
      switch (e.k) {
        case "slot":
          inRange(e.slot, counts.slots, "slot", where);
          break;
        case "local":
          inRange(e.local, counts.locals, "local", where);
          break;
        case "scenarios":
          inRange(e.set, counts.sets, "scenario set", where);
          break;
        case "agg":
          inRange(e.local, counts.locals, "local", where);
          if (e.op === "group" && !e.key) report(`${where}: a group without a key`);
          if ((e.op === "reduce" || e.op === "scan") && (e.acc === undefined || !e.init))
            report(`${where}: a fold without its accumulator`);
          if (e.acc !== undefined) inRange(e.acc, counts.locals, "local", where);
          if (e.position !== undefined) inRange(e.position, counts.locals, "local", where);
          break;
        case "let":
          inRange(e.local, counts.locals, "local", where);
          break;
        case "record":
          if (e.names.length !== e.values.length || new Set(e.names).size !== e.names.length)
            report(`${where}: a record whose names and values do not pair up`);
          break;
        case "apply": {
          const fn = ir.functions?.[e.fn];
          if (!fn) report(`${where}: no function ${e.fn}`);
          else if (fn.params.length !== e.args.length)
            report(`${where}: \`${fn.name}\` with ${e.args.length} arguments`);
          break;
        }
        case "call": {
          const arity = isBuiltin(e.fn) ? BUILTINS[e.fn].arity : undefined;
          if (arity && (e.args.length < arity[0] || e.args.length > arity[1]))
            report(`${where}: \`${e.fn}\` with ${e.args.length} arguments`);
          break;
        }
        case "tier":
        case "cell":
        case "margin":
        case "liquidation": {
          inRange(e.table, counts.tables, "table", where);
          const columns = ir.tables[e.table]?.columns.length ?? Infinity;
          if (e.k !== "tier" && typeof e.column === "number") inRange(e.column, columns, "column", where);
          break;
        }
        default:
          break;
      }
      if ("site" in e && typeof e.site === "number") inRange(e.site, counts.sites, "site", where);
      pending.push(...childExprs(e));
    }
  };
  const slotKind = (slot: number, kind: string, where: string): void => {
    inRange(slot, counts.slots, "slot", where);
    const actual = ir.slots[slot]?.kind;
    if (actual !== undefined && actual !== kind)
      report(`${where}: slot ${slot} is a ${actual}, not a ${kind}`);
  };

  (ir.functions ?? []).forEach((fn, f) => {
    const where = `/ir/functions/${f}`;
    inRange(fn.site, counts.sites, "site", where);
    fn.params.forEach((p) => inRange(p, counts.locals, "local", where));
    checkExpr(fn.body, where);
    // A body refers to functions before it only (lowering numbers callees first): no call cycle.
    forEachExpr(fn.body, (e) => {
      if (e.k === "apply" && e.fn >= f) report(`${where}: calls function ${e.fn}, which is not before it`);
      if (e.k === "slot" || e.k === "input")
        report(`${where}: a function reads ${e.k === "slot" ? "a slot" : "an input"}`);
    });
  });

  // The code generator caches tier rows keyed by a let or an output: each is computed once.
  const assigned = new Set<number>();
  ir.steps.forEach((step, s) => {
    const where = `/ir/steps/${s}`;
    inRange(step.site, counts.sites, "site", where);
    if (step.kind === "let" || step.kind === "output") {
      if (assigned.has(step.slot)) report(`${where}: slot ${step.slot} is computed twice`);
      assigned.add(step.slot);
    }
    switch (step.kind) {
      case "let":
        slotKind(step.slot, "let", where);
        checkExpr(step.value, where);
        break;
      case "output":
        slotKind(step.slot, "output", where);
        checkExpr(step.value, where);
        break;
      case "assert":
        checkExpr(step.condition, where);
        break;
      case "rule":
        if (step.condition) checkExpr(step.condition, where);
        step.actions.forEach((action, a) => {
          const at = `${where}/actions/${a}`;
          slotKind(action.slot, "quantity", at);
          inRange(action.site, counts.sites, "site", at);
          checkExpr(action.value, at);
          if (action.condition) checkExpr(action.condition, at);
        });
        break;
    }
  });
  return problems;
}

/**
 * What is wrong with row `r` of a tier table, if anything: the evaluators assume what the checker
 * guarantees (rows ascending and contiguous, each boundary in exactly one row, `inf` only last), and
 * the generated search compares a key only with the inner boundaries, so a table that breaks this
 * would make the compiled code and the interpreter choose different rows.
 */
function tierRowProblem(rows: readonly IrTierRow[], r: number): string | undefined {
  const row = rows[r]!;
  if (row.upper === null) return r === rows.length - 1 ? undefined : "only the last row may be unbounded";
  if (!(row.lower < row.upper || (row.lower === row.upper && row.lowerInclusive && row.upperInclusive)))
    return `the row [${row.lower}, ${row.upper}] is empty`;
  const next = rows[r + 1];
  if (next && (next.lower !== row.upper || next.lowerInclusive === row.upperInclusive))
    return "the next row does not start where this one ends (a gap or an overlap)";
  return undefined;
}
