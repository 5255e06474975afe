/**
 * Random valid inputs for a rulebook, generated from its IR input schema, for differential tests.
 *
 * Numbers stay inside their declared domains and favour the values where evaluators disagree when
 * they are wrong: tier bounds (exactly, and a hair either side), every constant in the rulebook,
 * domain bounds, 0 and 1 (so that `size * mark` lands exactly on a boundary when size is 1), and
 * magnitudes spread over many orders. Optional fields are sometimes left out.
 */
import { forEachExpr, type IrDomain, type IrField, type IrRulebook, type IrType } from "../../src/ir/ir.js";

/** A small, seedable PRNG (mulberry32), so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The numbers worth hitting exactly: tier bounds, constants, scenario values. */
export function interestingNumbers(ir: IrRulebook): number[] {
  const found = new Set<number>([0, 1, 2, 0.5, 100, 1e6]);
  for (const table of ir.tables) for (const row of table.rows) [row.lower, row.upper ?? 0, ...row.cells].forEach((v) => found.add(v));
  const visit = (e: { k: string; v?: unknown }): void => {
    if (e.k === "const" && typeof e.v === "number") found.add(e.v);
  };
  for (const step of ir.steps) {
    const exprs = step.kind === "rule" ? [step.condition, ...step.actions.flatMap((a) => [a.condition, a.value])] : [step.kind === "assert" ? step.condition : step.value];
    for (const expr of exprs) if (expr) forEachExpr(expr, visit);
  }
  return [...found].filter(Number.isFinite).sort((a, b) => a - b);
}

export class InputGenerator {
  private readonly random: () => number;
  private readonly interesting: number[];

  constructor(private readonly ir: IrRulebook, seed: number) {
    this.random = prng(seed);
    this.interesting = interestingNumbers(ir);
  }

  /** One input object with every top-level input. */
  next(): Record<string, unknown> {
    return Object.fromEntries(this.ir.schema.inputs.map((input) => [input.name, this.value(input.type)]));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private value(type: IrType, field?: IrField): unknown {
    switch (type.kind) {
      case "number": return this.number(field?.domain);
      case "bool": return this.random() < 0.5;
      case "text": return this.pick(["", "a", "portfolio", "ünïcode \"quoted\""]);
      case "timestamp": return new Date(Date.UTC(2020, 0, 1) + Math.floor(this.random() * 20 * 365) * 86_400_000).toISOString();
      case "enum": return this.pick(this.ir.schema.enums[type.name] ?? []);
      case "list": {
        // Lists of numbers are often indexed by scenario (16-20 entries); lists of records are short.
        const length = this.pick(type.element.kind === "number" ? [0, 2, 16, 17, 17, 17, 18, 20] : [0, 1, 1, 2, 3, 5, 8]);
        return Array.from({ length }, () => this.value(type.element));
      }
      case "record": {
        const record = this.ir.schema.records[type.name];
        const result: Record<string, unknown> = {};
        for (const f of record?.fields ?? []) if (!(f.optional && this.random() < 0.3)) result[f.name] = this.value(f.type, f);
        return result;
      }
      default: return null;
    }
  }

  private number(domain: IrDomain | undefined): number {
    const r = this.random();
    let value: number;
    if (r < 0.4) {
      value = this.pick(this.interesting);
      const nudge = this.random();
      if (nudge < 0.15) value = value + Math.max(Math.abs(value) * 1e-12, 1e-9);
      else if (nudge < 0.3) value = value - Math.max(Math.abs(value) * 1e-12, 1e-9);
      else if (nudge < 0.4) value = value * this.pick([0.5, 2, 10, 0.1, -1]);
    } else if (r < 0.55 && domain?.min !== undefined && domain.max !== undefined) {
      value = domain.min + this.random() * (domain.max - domain.min);
    } else if (r < 0.65) {
      value = Math.round(this.random() * 1000) / this.pick([1, 10, 100, 1000]);
    } else {
      const magnitude = Math.pow(10, -3 + this.random() * 12);
      value = Number((magnitude * (this.random() < 0.9 ? 1 : -1)).toPrecision(this.pick([3, 6, 9, 15])));
    }
    return clampToDomain(value, domain);
  }
}

function clampToDomain(value: number, domain: IrDomain | undefined): number {
  if (!domain) return value;
  const { min, max } = domain;
  let v = value;
  // Reflect values below the minimum (keeps their spread), then clamp, then respect exclusive bounds.
  if (min !== undefined && v < min) v = min + (min - v);
  if (max !== undefined && v > max) v = max;
  if (min !== undefined && v < min) v = min;
  if (min !== undefined && v === min && !domain.minInclusive) v = nextUp(min);
  if (max !== undefined && v === max && !domain.maxInclusive) v = nextDown(max);
  return v;
}

function nextUp(x: number): number {
  return x === 0 ? 1e-9 : x + Math.abs(x) * 1e-12;
}

function nextDown(x: number): number {
  return x === 0 ? -1e-9 : x - Math.abs(x) * 1e-12;
}
