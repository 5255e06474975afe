/**
 * Pivots: the places where a rulebook changes behaviour, and how to land an input on them. A pivot
 * is a tier key with the table's bounds, or the difference of the two sides of a condition with 0.
 * Given an input and one numeric field, {@link crossings} finds the values of the field where a
 * pivot crosses its target, as two adjacent doubles, so that "just below" and "at or just above" a
 * tier boundary are both tried.
 */
import { childExprs, type IrExpr, type IrRulebook } from "../ir/ir.js";
import { nextDown, nextUp, type Interval } from "./interval.js";
import { numberOf, type ProbeOutput, type ProbeResult } from "./probe.js";
import { inputsOf, usesLocals, type SymbolicModel } from "./terms.js";

/** A quantity whose crossings of `targets` change what the rulebook does. */
export interface Pivot extends ProbeOutput {
  targets: number[];
  /** The input fields it depends on (`position.size`). */
  fields: ReadonlySet<string>;
}

/** The pivots of a rulebook: every tier key (distinct) and every numeric condition outside comprehensions. */
export function findPivots(ir: IrRulebook, model: SymbolicModel): Pivot[] {
  const pivots = new Map<string, Pivot>();
  const dependencies = new WeakMap<IrExpr, ReadonlySet<string>>();
  const localMemo = new WeakMap<IrExpr, ReadonlySet<number>>();
  const add = (value: IrExpr, targets: number[]): void => {
    if (usesLocals(value, localMemo)) return;
    const key = JSON.stringify(value, (k, v: unknown) => (k === "site" ? undefined : v));
    const known = pivots.get(key);
    if (known) {
      known.targets = [...new Set([...known.targets, ...targets])].sort((a, b) => a - b);
      return;
    }
    const fields = inputsOf(model.substitute(value), dependencies);
    if (fields.size > 0) pivots.set(key, { name: `__pivot${pivots.size}`, value, targets, fields });
  };
  const visit = (e: IrExpr): void => {
    if (e.k === "tier" || e.k === "margin") {
      const table = ir.tables[e.table]!;
      add(e.key, [
        ...new Set(table.rows.flatMap((r) => (r.upper === null ? [r.lower] : [r.lower, r.upper]))),
      ]);
    }
    const condition = e.k === "if" ? e.c : e;
    if (condition.k === "binary" && ["<", "<=", ">", ">="].includes(condition.op))
      add({ k: "binary", op: "-", l: condition.l, r: condition.r }, [0]);
    for (const child of childExprs(e)) visit(child);
  };
  for (const step of ir.steps) {
    if (step.kind === "rule")
      [step.condition, ...step.actions.flatMap((a) => [a.condition, a.value])].forEach((e) => e && visit(e));
    else visit(step.kind === "assert" ? step.condition : step.value);
  }
  for (const p of ir.properties ?? []) if (p.condition) visit(p.condition);
  return [...pivots.values()];
}

/** Values of a field worth sampling over its whole domain: a geometric grid, both signs. */
export function sampleGrid(domain: Interval): number[] {
  const values = new Set<number>();
  const add = (v: number): void => {
    if (Number.isFinite(v) && v >= domain.lo && v <= domain.hi) values.add(v + 0);
  };
  if (domain.hi - domain.lo <= 1000) {
    for (let i = 0; i <= 20; i++) add(domain.lo + ((domain.hi - domain.lo) * i) / 20);
  }
  for (let e = -6; e <= 12; e += 0.5) {
    add(Math.pow(10, e));
    add(-Math.pow(10, e));
  }
  [domain.lo, domain.hi, 0].forEach(add);
  return [...values].sort((a, b) => a - b);
}

/** Evaluates the probe with the field at `v` (undefined when the evaluation stops). */
export type FieldProbe = (v: number) => ProbeResult;

/**
 * Where the pivot, as the field moves over `samples`, crosses `target`: pairs of adjacent doubles
 * `[a, b]` with the pivot below the target at one and at or above it at the other. `evaluated`
 * holds the probe results already computed for the samples (by field value).
 */
export function crossings(
  pivot: string,
  target: number,
  samples: readonly number[],
  evaluated: Map<number, ProbeResult>,
  probe: FieldProbe,
  maxSteps = 120,
): [number, number][] {
  const g = (v: number): number | undefined => {
    if (!evaluated.has(v)) evaluated.set(v, probe(v));
    const value = numberOf(evaluated.get(v), pivot);
    return value === undefined ? undefined : value - target;
  };
  const found: [number, number][] = [];
  let previous: { v: number; above: boolean } | undefined;
  for (const v of samples) {
    const gv = g(v);
    if (gv === undefined) continue;
    const above = gv >= 0;
    if (previous && previous.above !== above) {
      const pair = refine(previous.v, v, previous.above, g, maxSteps);
      if (pair) found.push(pair);
    }
    previous = { v, above };
  }
  return found;
}

/** Narrows `[a, b]` (sign change between them) to adjacent doubles, by false position and bisection. */
function refine(
  a0: number,
  b0: number,
  aboveAtA: boolean,
  g: (v: number) => number | undefined,
  maxSteps: number,
): [number, number] | undefined {
  let a = a0;
  let b = b0;
  let ga = g(a)!;
  let gb = g(b)!;
  for (let step = 0; step < maxSteps && nextUp(a) < b; step++) {
    // False position finds a linear pivot's crossing at once; every third step bisects, so a
    // curved one still shrinks; a bracket spanning magnitudes is cut at its geometric middle.
    let m = step % 3 === 2 || ga === gb ? middle(a, b) : a - (ga * (b - a)) / (gb - ga);
    if (!(m > a && m < b)) m = middle(a, b);
    const gm = g(m);
    if (gm === undefined) return undefined;
    if (gm >= 0 !== aboveAtA) {
      b = m;
      gb = gm;
      // A crossing found exactly: check its neighbour to finish.
      const below = nextDown(m);
      if (below > a && g(below) !== undefined && g(below)! >= 0 === aboveAtA) return [below, m];
    } else {
      a = m;
      ga = gm;
    }
  }
  return nextUp(a) >= b ? [a, b] : undefined;
}

function middle(a: number, b: number): number {
  if (a > 0 && b / a > 4) return Math.sqrt(a) * Math.sqrt(b);
  if (b < 0 && a / b > 4) return -Math.sqrt(-a) * Math.sqrt(-b);
  const m = a + (b - a) / 2;
  return m > a && m < b ? m : nextUp(a);
}
