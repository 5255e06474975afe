/**
 * The directed search for counterexamples, for properties the prover could not show. It runs real
 * evaluations (the reference interpreter, through the probe) on valid inputs, in this order:
 *
 * 1. the simple input, then each field alone at the values worth trying (domain edges, round
 *    numbers, the rulebook's constants, tier bounds);
 * 2. each pivot (tier boundary, condition threshold) reached exactly, from just below and at it;
 * 3. random inputs, and mutations of the inputs that came closest to breaking the property
 *    (the smallest gap between the two sides of an invariant, the smallest value of a target).
 *
 * A property about a variable (`nondecreasing`, `continuous`) is searched along lines: an input
 * with every field fixed but the variable, which goes through its own values worth trying and the
 * values where a pivot crosses a boundary. The search stops at the first violation, when the time
 * is up, or after its maximum number of inputs; a violation is then shrunk.
 */
import type { IrExpr, IrRulebook } from "../ir/ir.js";
import { nextUp, type Interval } from "./interval.js";
import { crossings, findPivots, sampleGrid, type Pivot } from "./pivots.js";
import { numberOf, Probe, type ProbeOutput, type ProbeResult } from "./probe.js";
import type { Property } from "./properties.js";
import { leafFields, setPath, type LeafField } from "./schema.js";
import { roundNumbers, shrinkInput } from "./shrink.js";
import { InputSpace, randomGenerator, readNumber } from "./space.js";
import type { SymbolicModel } from "./terms.js";

/** When a search stops. */
export interface SearchLimits {
  /** The time (from `now`) at which to stop. */
  deadline: number;
  /** The most inputs to evaluate. */
  maxInputs: number;
  now: () => number;
}

/** A violation: one input (an invariant, `nonnegative`) or two differing only in the variable. */
export interface Witness {
  input: Record<string, unknown>;
  other?: Record<string, unknown>;
  /** The target slot broken, for properties with targets. */
  target?: number;
  /** The target's value on `input` (and on `other`). */
  value?: number;
  otherValue?: number;
}

/** What one search did. */
export interface SearchOutcome {
  /** Inputs evaluated (shrinking included). */
  inputs: number;
  witness?: Witness;
  stoppedBy: "violation" | "time" | "inputs";
}

const POOL_SIZE = 8;

/** Searches the properties of one rulebook. */
export class Searcher {
  readonly probe: Probe;
  private readonly space: InputSpace;
  private readonly pivots: Pivot[];
  private readonly leaves: LeafField[];

  constructor(
    readonly ir: IrRulebook,
    model: SymbolicModel,
    private readonly properties: readonly Property[],
    seed: number,
  ) {
    this.pivots = findPivots(ir, model);
    this.leaves = leafFields(ir);
    this.space = new InputSpace(ir, randomGenerator(seed));
    this.probe = new Probe(ir, [...this.propertyOutputs(), ...this.pivots]);
  }

  private propertyOutputs(): ProbeOutput[] {
    const outputs: ProbeOutput[] = [];
    const slots = new Set<number>();
    this.properties.forEach((p, i) => {
      if (p.precondition) {
        outputs.push({ name: `__pre${i}`, value: p.condition! });
        return;
      }
      if (p.condition) {
        outputs.push({ name: `__prop${i}`, value: p.condition });
        const gap = gapOf(p.condition);
        if (gap) outputs.push({ name: `__gap${i}`, value: gap });
      }
      p.targets.forEach((t) => slots.add(t));
    });
    for (const slot of slots) {
      outputs.push({ name: `__value${slot}`, value: { k: "slot", slot } });
      const step = this.ir.steps.find((s) => s.kind === "output" && s.slot === slot);
      outputs.push({
        name: `__raw${slot}`,
        value: step?.kind === "output" ? step.value : { k: "slot", slot },
      });
    }
    return outputs;
  }

  /** Searches one property (one target of it, for properties with targets). */
  search(index: number, target: number | undefined, limits: SearchLimits): SearchOutcome {
    const property = this.properties[index]!;
    const run = new Run(this.probe, limits);
    if (property.kind === "invariant" || property.kind === "nonnegative") {
      const check = (result: ProbeResult): number | undefined => pointCheck(property, index, target, result);
      const found = this.pointSearch(run, check);
      if (!found) return run.outcome();
      run.shrinking = true;
      const shrunk = shrinkInput(this.ir, found, (c) => run.violates(c, check), 400);
      const witness: Witness = {
        input: shrunk,
        ...(target !== undefined
          ? { target, value: numberOf(this.probe.run(shrunk), `__value${target}`) }
          : {}),
      };
      return run.outcome(witness);
    }
    const variable = this.leaves.find((l) => l.name === property.variable?.join("."));
    if (!variable || target === undefined) return run.outcome();
    const line = new LineCheck(this, run, property, target, variable);
    const found = this.lineSearch(run, line, variable);
    if (!found) return run.outcome();
    run.shrinking = true;
    const base = shrinkInput(this.ir, found.input, (c) => line.check(c) !== undefined, 60, variable.name);
    const witness = line.check(base) ?? found;
    return run.outcome(property.kind === "continuous" ? witness : line.simplify(witness));
  }

  /** Single inputs: structured first, then pivots, then random and guided by the score. */
  private pointSearch(
    run: Run,
    check: (r: ProbeResult) => number | undefined,
  ): Record<string, unknown> | undefined {
    const pool: { input: Record<string, unknown>; score: number }[] = [];
    const tryInput = (input: Record<string, unknown>): boolean => {
      const score = run.score(input, check);
      if (score === undefined) return false;
      if (score < 0) return true;
      pool.push({ input, score });
      pool.sort((a, b) => a.score - b.score);
      pool.length = Math.min(pool.length, POOL_SIZE);
      return false;
    };
    for (const input of this.structured()) {
      if (run.done) return undefined;
      if (tryInput(input)) return input;
    }
    for (const leaf of this.leaves) {
      for (const input of this.pivotInputs(run, this.space.simple, leaf)) if (tryInput(input)) return input;
    }
    while (!run.done) {
      const r = this.space.random();
      const input =
        r < 0.5 && pool.length > 0
          ? this.space.mutate(this.space.pick(pool).input)
          : this.space.randomInput();
      if (tryInput(input)) return input;
      if (r > 0.95 && pool.length > 0) {
        for (const pivotInput of this.pivotInputs(run, pool[0]!.input, this.space.pick(this.leaves)))
          if (tryInput(pivotInput)) return pivotInput;
      }
    }
    return undefined;
  }

  /** The values worth trying for a number in `domain`. */
  candidates(domain: Interval): number[] {
    return this.space.candidates(domain);
  }

  /** The simple input, then each leaf alone at its values worth trying. */
  *structured(skip?: string): Generator<Record<string, unknown>> {
    yield this.space.simple;
    for (const leaf of this.leaves) {
      if (leaf.name === skip) continue;
      const values: unknown[] =
        leaf.type.kind === "number"
          ? this.space.candidates(leaf.domain)
          : leaf.type.kind === "enum"
            ? (this.ir.schema.enums[leaf.type.name] ?? [])
            : leaf.type.kind === "bool"
              ? [true, false]
              : [this.space.value(leaf.type), this.space.value(leaf.type)];
      for (const value of values) yield setPath(this.space.simple, leaf.path, value);
    }
  }

  /** Inputs that put each pivot depending on `leaf` just below and at each of its targets. */
  private pivotInputs(run: Run, base: Record<string, unknown>, leaf: LeafField): Record<string, unknown>[] {
    if (leaf.type.kind !== "number") return [];
    const inputs: Record<string, unknown>[] = [];
    for (const v of this.crossingValues(run, base, leaf)) inputs.push(setPath(base, leaf.path, v));
    return inputs;
  }

  /** Values of `leaf` (with the rest of `base` fixed) at which a pivot crosses one of its targets. */
  crossingValues(
    run: Run,
    base: Record<string, unknown>,
    leaf: LeafField,
    evaluated = new Map<number, ProbeResult>(),
  ): number[] {
    const relevant = this.pivots.filter((p) => p.fields.has(leaf.name));
    if (relevant.length === 0 || run.done) return [];
    const samples = sampleGrid(leaf.domain);
    const probe = (v: number): ProbeResult => run.evaluate(setPath(base, leaf.path, v));
    const values = new Set<number>();
    for (const pivot of relevant) {
      for (const target of pivot.targets) {
        if (run.done) break;
        for (const [a, b] of crossings(pivot.name, target, samples, evaluated, probe)) values.add(a).add(b);
      }
    }
    return [...values].sort((x, y) => x - y);
  }

  /** Lines through structured, then random and mutated, inputs. */
  private lineSearch(run: Run, line: LineCheck, variable: LeafField): Witness | undefined {
    let best: { input: Record<string, unknown>; score: number } | undefined;
    const tryLine = (input: Record<string, unknown>): Witness | undefined => {
      const result = line.check(input);
      if (result) return result;
      if (line.lastScore !== undefined && (!best || line.lastScore < best.score))
        best = { input, score: line.lastScore };
      return undefined;
    };
    let structured = 0;
    for (const input of this.structured(variable.name)) {
      if (run.done) return undefined;
      // The structured lines are many: sample them, keeping the simple one first.
      if (structured++ > 0 && this.space.random() > 0.25) continue;
      const found = tryLine(input);
      if (found) return found;
    }
    while (!run.done) {
      const input =
        best && this.space.random() < 0.5
          ? this.space.mutate(best.input, variable.name)
          : this.space.randomInput();
      const found = tryLine(input);
      if (found) return found;
    }
    return undefined;
  }
}

/** Checks a property of one target along a line through an input. */
class LineCheck {
  /** How close the last line came to a violation (smaller is closer). */
  lastScore: number | undefined;
  private readonly output: string;

  constructor(
    private readonly searcher: Searcher,
    private readonly run: Run,
    private readonly property: Property,
    private readonly target: number,
    private readonly variable: LeafField,
  ) {
    this.output = property.kind === "continuous" ? `__raw${target}` : `__value${target}`;
  }

  /** Evaluates the line through `base`; a witness when the property breaks on it. */
  check(base: Record<string, unknown>): Witness | undefined {
    this.lastScore = undefined;
    const evaluated = new Map<number, ProbeResult>();
    const at = (v: number): number | undefined => {
      if (!evaluated.has(v)) evaluated.set(v, this.run.evaluate(setPath(base, this.variable.path, v)));
      return numberOf(evaluated.get(v), this.output);
    };
    const boundaries = this.searcher.crossingValues(this.run, base, this.variable, evaluated);
    const points = [...new Set([...this.searcher.candidates(this.variable.domain), ...boundaries])].sort(
      (a, b) => a - b,
    );
    const series: { v: number; f: number }[] = [];
    for (const v of points) {
      if (this.run.done) break;
      const f = at(v);
      if (f !== undefined) series.push({ v, f });
    }
    const pair =
      this.property.kind === "continuous"
        ? this.jump(series, new Set(boundaries))
        : this.drop(series, this.property.kind === "nonincreasing");
    if (!pair) return undefined;
    return {
      input: setPath(base, this.variable.path, pair[0].v),
      other: setPath(base, this.variable.path, pair[1].v),
      target: this.target,
      value: pair[0].f,
      otherValue: pair[1].f,
    };
  }

  /** The same fall with rounder values of the variable, when it still falls between them. */
  simplify(witness: Witness): Witness {
    const read = (input: Record<string, unknown>): number => readNumber(input, this.variable.path)!;
    const value = (v: number): number | undefined =>
      numberOf(this.run.evaluate(setPath(witness.input, this.variable.path, v)), this.output);
    const increasing = this.property.kind === "nondecreasing";
    const falls = (a: number, b: number): boolean => {
      const [fa, fb] = [value(a), value(b)];
      if (fa === undefined || fb === undefined) return false;
      return (increasing ? fa - fb : fb - fa) > 1e-9 * Math.max(1, Math.abs(fa), Math.abs(fb));
    };
    let [a, b] = [read(witness.input), read(witness.other!)];
    for (const v of roundNumbers(b, this.variable.domain, b))
      if (v > a && falls(a, v)) {
        b = v;
        break;
      }
    for (const v of roundNumbers(a, this.variable.domain, a))
      if (v < b && falls(v, b)) {
        a = v;
        break;
      }
    return {
      ...witness,
      input: setPath(witness.input, this.variable.path, a),
      other: setPath(witness.input, this.variable.path, b),
      value: value(a),
      otherValue: value(b),
    };
  }

  /** The worst fall (or rise, for `nonincreasing`) from an earlier point to a later one. */
  private drop(
    series: readonly { v: number; f: number }[],
    increasing: boolean,
  ): [{ v: number; f: number }, { v: number; f: number }] | undefined {
    let extreme = series[0];
    let worst: [{ v: number; f: number }, { v: number; f: number }] | undefined;
    let worstGap = Infinity;
    for (const point of series.slice(1)) {
      const gap = increasing ? extreme!.f - point.f : point.f - extreme!.f;
      const scale = Math.max(1, Math.abs(extreme!.f), Math.abs(point.f));
      if (gap / scale < worstGap) worstGap = gap / scale;
      if (gap < -1e-9 * scale && (!worst || gap / scale <= worstGap)) worst = [extreme!, point];
      if (increasing ? point.f < extreme!.f : point.f > extreme!.f) extreme = point;
    }
    this.lastScore = Number.isFinite(worstGap) ? worstGap : undefined;
    return worst;
  }

  /** A jump between two adjacent doubles where a pivot crosses a boundary. */
  private jump(
    series: readonly { v: number; f: number }[],
    boundaries: ReadonlySet<number>,
  ): [{ v: number; f: number }, { v: number; f: number }] | undefined {
    let biggest = 0;
    let pair: [{ v: number; f: number }, { v: number; f: number }] | undefined;
    for (let i = 1; i < series.length; i++) {
      const [a, b] = [series[i - 1]!, series[i]!];
      if (!boundaries.has(a.v) || !boundaries.has(b.v) || nextUp(a.v) !== b.v) continue;
      const size = Math.abs(b.f - a.f) / Math.max(1, Math.abs(a.f), Math.abs(b.f));
      if (size > 1e-9 && size > biggest) {
        biggest = size;
        pair = [a, b];
      }
    }
    this.lastScore = -biggest;
    return pair;
  }
}

/** One search's evaluations, against its limits. */
class Run {
  inputs = 0;
  /** Set once a violation is found: shrinking it may go past the input cap (not past the time). */
  shrinking = false;

  constructor(
    private readonly probe: Probe,
    private readonly limits: SearchLimits,
  ) {}

  get done(): boolean {
    return (
      (!this.shrinking && this.inputs >= this.limits.maxInputs) || this.limits.now() >= this.limits.deadline
    );
  }

  /**
   * Evaluates a valid input (an invalid one is skipped without counting); an input that breaks a
   * precondition is refused by the rulebook, so it gives no result either.
   */
  evaluate(input: Record<string, unknown>): ProbeResult {
    if (this.done || !this.probe.valid(input)) return undefined;
    this.inputs += 1;
    const result = this.probe.run(input);
    if (result && Object.keys(result).some((name) => name.startsWith("__pre") && result[name] === false))
      return undefined;
    return result;
  }

  /** The input's score (negative: a violation; undefined: not evaluated or not evaluable). */
  score(input: Record<string, unknown>, check: (r: ProbeResult) => number | undefined): number | undefined {
    if (this.done) return undefined;
    return check(this.evaluate(input));
  }

  violates(input: Record<string, unknown>, check: (r: ProbeResult) => number | undefined): boolean {
    const score = check(this.evaluate(input));
    return score !== undefined && score < 0;
  }

  outcome(witness?: Witness): SearchOutcome {
    const stoppedBy = witness ? "violation" : this.inputs >= this.limits.maxInputs ? "inputs" : "time";
    return { inputs: this.inputs, ...(witness ? { witness } : {}), stoppedBy };
  }
}

/**
 * The score of one evaluation for an invariant or `nonnegative`: negative when violated, else how
 * far from violation (relative), so that the search can head for the property's edge.
 */
function pointCheck(
  property: Property,
  index: number,
  target: number | undefined,
  result: ProbeResult,
): number | undefined {
  if (!result) return undefined;
  if (property.kind === "invariant") {
    if (result[`__prop${index}`] === false) return -1;
    const gap = numberOf(result, `__gap${index}`);
    return gap === undefined ? 1 : Math.max(0, gap) / (1 + Math.abs(gap));
  }
  const value = numberOf(result, `__value${target}`);
  if (value === undefined) return undefined;
  return value < 0 ? -1 : value / (1 + Math.abs(value));
}

/** For `l >= r` (or `>`, `<=`, `<`): the expression that is negative when it fails. */
function gapOf(condition: IrExpr): IrExpr | undefined {
  if (condition.k !== "binary") return undefined;
  if (condition.op === ">=" || condition.op === ">")
    return { k: "binary", op: "-", l: condition.l, r: condition.r };
  if (condition.op === "<=" || condition.op === "<")
    return { k: "binary", op: "-", l: condition.r, r: condition.l };
  return undefined;
}
