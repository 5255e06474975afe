/**
 * The input space the search explores: the values worth trying for each field (domain edges,
 * round numbers, the constants the rulebook mentions, tier bounds), random values and random
 * inputs, and mutations of an input. Everything is drawn from a seeded generator, so a search
 * (and its counterexample) is reproducible.
 */
import { forEachExpr, type IrField, type IrRulebook, type IrType } from "../ir/ir.js";
import { isBounded, nextDown, nextUp, type Interval } from "./interval.js";
import { domainInterval, leafFields, setPath, simpleInput, simpleNumber, type LeafField } from "./schema.js";

/** A seedable pseudo-random generator (mulberry32): numbers in [0, 1). */
export function randomGenerator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUND_NUMBERS = [
  0, 0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 100, 1_000, 10_000, 100_000, 1e6, 1e7, 1e8, 1e9, 1e10, 1e12,
];

/** The numbers the rulebook itself mentions: tier bounds and cells, and every numeric constant. */
export function mentionedNumbers(ir: IrRulebook): number[] {
  const found = new Set<number>();
  for (const table of ir.tables)
    for (const row of table.rows) [row.lower, row.upper ?? 0, ...row.cells].forEach((v) => found.add(v));
  const visit = (e: { k: string; v?: unknown }): void => {
    if (e.k === "const" && typeof e.v === "number") found.add(e.v);
  };
  for (const step of ir.steps) {
    const exprs =
      step.kind === "rule"
        ? [step.condition, ...step.actions.flatMap((a) => [a.condition, a.value])]
        : [step.kind === "assert" ? step.condition : step.value];
    for (const expr of exprs) if (expr) forEachExpr(expr, visit);
  }
  return [...found].filter(Number.isFinite).sort((a, b) => a - b);
}

/** Generates values and inputs for one rulebook. */
export class InputSpace {
  readonly leaves: LeafField[];
  readonly simple: Record<string, unknown>;
  private readonly mentioned: number[];

  constructor(
    readonly ir: IrRulebook,
    readonly random: () => number,
  ) {
    this.leaves = leafFields(ir);
    this.simple = simpleInput(ir);
    this.mentioned = mentionedNumbers(ir);
  }

  /** The numeric leaves (fields reached through records only). */
  numericLeaves(): LeafField[] {
    return this.leaves.filter((f) => f.type.kind === "number");
  }

  /**
   * The values worth trying for a number in `domain`: its edges (and the doubles just inside
   * them), round numbers, the rulebook's constants; all inside the domain, sorted, distinct.
   */
  candidates(domain: Interval): number[] {
    const values = new Set<number>();
    const add = (v: number): void => {
      if (Number.isFinite(v) && v >= domain.lo && v <= domain.hi) values.add(v + 0);
    };
    for (const edge of [domain.lo, domain.hi]) {
      add(edge);
      add(nextUp(edge));
      add(nextDown(edge));
    }
    for (const v of [...ROUND_NUMBERS, ...this.mentioned]) {
      add(v);
      add(-v);
    }
    if (isBounded(domain)) add((domain.lo + domain.hi) / 2);
    return [...values].sort((a, b) => a - b);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** A random number in `domain`, often round, often a mentioned constant, spread over magnitudes. */
  number(domain: Interval): number {
    const r = this.random();
    let value: number;
    if (r < 0.3) value = this.pick(this.candidates(domain));
    else if (r < 0.45 && isBounded(domain)) value = domain.lo + this.random() * (domain.hi - domain.lo);
    else if (r < 0.6) value = Math.round(this.random() * 1000) / this.pick([1, 1, 10, 100]);
    else {
      const magnitude = Math.pow(10, -3 + this.random() * 13);
      const negative = domain.lo < 0 && this.random() < 0.25;
      value = Number((magnitude * (negative ? -1 : 1)).toPrecision(this.pick([1, 2, 3, 6, 12])));
    }
    return this.clamp(value, domain);
  }

  /** Brings a value into `domain`: reflected at a finite minimum, clamped otherwise. */
  clamp(value: number, domain: Interval): number {
    let v = value;
    if (v < domain.lo && Number.isFinite(domain.lo)) v = domain.lo + (domain.lo - v);
    if (v > domain.hi)
      v = isBounded(domain) ? domain.lo + this.random() * (domain.hi - domain.lo) : domain.hi;
    if (v < domain.lo) v = domain.lo;
    return v + 0;
  }

  /** A random value of a type (lists of 0 to 4 elements; optional fields sometimes left out). */
  value(type: IrType, field?: IrField, depth = 0): unknown {
    switch (type.kind) {
      case "number":
        return this.number(domainInterval(field?.domain));
      case "bool":
        return this.random() < 0.5;
      case "text":
        return this.pick(["a", "b", "SP", "portfolio"]);
      case "timestamp":
        return new Date(Date.UTC(2024, 0, 1) + Math.floor(this.random() * 6 * 365) * 86_400_000)
          .toISOString()
          .replace(".000Z", "Z");
      case "enum":
        return this.pick(this.ir.schema.enums[type.name] ?? [""]);
      case "list": {
        const length =
          type.element.kind === "number"
            ? this.pick([0, 1, 2, 16, 16, 20])
            : this.pick([0, 1, 1, 2, 2, 3, 4]);
        return Array.from({ length }, () => this.value(type.element, undefined, depth + 1));
      }
      case "record": {
        const result: Record<string, unknown> = {};
        if (depth > 16) return result;
        for (const f of this.ir.schema.records[type.name]?.fields ?? []) {
          if (f.optional && this.random() < 0.3) continue;
          result[f.name] = this.value(f.type, f, depth + 1);
        }
        return result;
      }
      default:
        return null;
    }
  }

  /** A random input: every top-level input drawn afresh. */
  randomInput(): Record<string, unknown> {
    return Object.fromEntries(this.ir.schema.inputs.map((input) => [input.name, this.value(input.type)]));
  }

  /** The simple input with one leaf changed. */
  withLeaf(input: Record<string, unknown>, leaf: LeafField, value: unknown): Record<string, unknown> {
    return setPath(input, leaf.path, value);
  }

  /** A copy of `input` with one leaf changed at random (a new value, or a nudge of the old). */
  mutate(input: Record<string, unknown>, fixed?: string): Record<string, unknown> {
    const leaves = this.leaves.filter((l) => l.name !== fixed);
    if (leaves.length === 0) return input;
    const leaf = this.pick(leaves);
    if (leaf.type.kind === "number" && this.random() < 0.5) {
      const current = readNumber(input, leaf.path) ?? simpleNumber(leaf.domain);
      const factor = this.pick([0.5, 0.9, 0.99, 0.999999, 1.000001, 1.01, 1.1, 2, 10]);
      return setPath(input, leaf.path, this.clamp(current * factor, leaf.domain));
    }
    if (leaf.optional && this.random() < 0.2) return setPath(input, leaf.path, undefined);
    return setPath(
      input,
      leaf.path,
      leaf.type.kind === "number" ? this.number(leaf.domain) : this.value(leaf.type),
    );
  }
}

/** A number at a path of an input, or undefined. */
export function readNumber(input: unknown, path: readonly string[]): number | undefined {
  let value: unknown = input;
  for (const name of path)
    value =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  return typeof value === "number" ? value : undefined;
}
