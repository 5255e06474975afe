/**
 * Random valid inputs for a rulebook, generated from its IR input schema: for differential tests,
 * and for impact analysis (`marginbook diff --impact generate:N`) when no reference set exists.
 *
 * Numbers stay inside their declared domains and favour the values where evaluators disagree when
 * they are wrong: tier bounds (exactly, and a hair either side), every constant in the rulebook,
 * domain bounds, 0 and 1 (so that `size * mark` lands exactly on a boundary when size is 1), and
 * magnitudes spread over many orders. Optional fields are sometimes left out.
 */
import {
  forEachExpr,
  type IrDomain,
  type IrExpr,
  type IrField,
  type IrRulebook,
  type IrType,
} from "../ir/ir.js";
import { evaluate } from "../runtime/interpreter.js";
import type { TierChoice } from "../runtime/trace.js";

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

/** Mixes a seed and an index into one 32-bit seed (a murmur3-style finaliser), for {@link InputGenerator.at}. */
function mixSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * How generated numbers are spread. `edge` (for differential tests) favours tier bounds, constants,
 * nudges a hair either side of them and magnitudes over twelve orders; `typical` (for impact
 * analysis) draws plausible amounts: log-uniform from 0.1 to 100,000, or near a constant of the
 * rulebook, or uniform within a bounded domain, rounded to six significant digits. Then, so that a
 * change to any tier shows in the impact, each `typical` input is moved into a tier chosen
 * uniformly among the rows of the first tier table it reaches: an input field its key reads (a
 * `Quantity` first: the size, when the key is `size * mark`) is scaled so that the key lands
 * log-uniformly inside that row (a last, unbounded row counts as up to four times its floor).
 * Without that, products of plausible amounts crowd the first tiers (77% of a Binance set at the
 * first bracket's leverage).
 */
export type InputProfile = "edge" | "typical";

/**
 * A generator of random valid inputs for one rulebook. `next()` draws a sequence from one seed;
 * `at(i)` gives the i-th input of a set on its own (the same input whatever the order, the chunking
 * or the thread that asks), which is what impact analysis over many workers needs.
 */
export class InputGenerator {
  private random: () => number;
  private readonly interesting: number[];
  /** The interesting numbers of a plausible size, for the `typical` profile. */
  private readonly near: number[];

  constructor(
    private readonly ir: IrRulebook,
    private readonly seed: number,
    private readonly profile: InputProfile = "edge",
  ) {
    this.random = prng(seed);
    this.interesting = interestingNumbers(ir);
    const near = this.interesting.filter((v) => v >= 1e-3 && v <= 1e5);
    this.near = near.length > 0 ? near : [1];
  }

  /** The next input of the sequence: an object with every top-level input. */
  next(): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const { name, type } of this.ir.schema.inputs) input[name] = this.value(type);
    return this.profile === "typical" && this.ir.tables.length > 0 ? this.spreadOverTiers(input) : input;
  }

  /**
   * Moves a `typical` input into a tier chosen uniformly (see {@link InputProfile}), by scaling one
   * numeric input field its first tier key reads. An input that fails, reaches no table or reads no
   * scalable field is kept as drawn.
   */
  private spreadOverTiers(input: Record<string, unknown>): Record<string, unknown> {
    let choice: TierChoice | undefined;
    try {
      choice = firstTierChoice(evaluate(this.ir, input, { explain: true }).explanation);
    } catch {
      return input;
    }
    const table = choice && this.ir.tables.find((t) => t.name === choice!.table);
    if (!choice || !table || !(choice.key > 0)) return input;
    const row = this.pick(table.rows);
    const low = Math.max(row.lower, row.upper !== null ? row.upper / 100 : 0, 1e-6);
    const high = row.upper ?? low * 4;
    if (!(high > low)) return input;
    const target = low * Math.pow(high / low, this.random());
    // A quantity (the position's size) first: sizes vary across accounts, prices are the market's.
    const paths = [...keyInputs(this.ir, this.ir.tables.indexOf(table))].sort(
      (a, b) => quantityFirst(this.ir, a) - quantityFirst(this.ir, b),
    );
    for (const path of paths) {
      const field = fieldAt(this.ir, path);
      const holder = recordAt(input, path);
      const name = path[path.length - 1]!;
      const value = holder?.[name];
      if (!field || field.type.kind !== "number" || typeof value !== "number" || !(value > 0)) continue;
      const scaled = clampToDomain(sixDigits(value * (target / choice.key)), field.domain);
      holder![name] = field.type.integer ? wholeInDomain(scaled, field.domain) : scaled;
      return input;
    }
    return input;
  }

  /** The input number `index` (0-based) of the set this generator's seed defines; leaves `next()` alone. */
  at(index: number): Record<string, unknown> {
    const sequence = this.random;
    this.random = prng(mixSeed(this.seed, index));
    try {
      return this.next();
    } finally {
      this.random = sequence;
    }
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private value(type: IrType, field?: IrField): unknown {
    switch (type.kind) {
      case "number":
        return type.integer
          ? wholeInDomain(this.number(field?.domain), field?.domain)
          : this.number(field?.domain);
      case "bool":
        return this.random() < 0.5;
      case "text":
        return this.pick(["", "a", "portfolio", 'ünïcode "quoted"']);
      case "timestamp":
        return new Date(
          Date.UTC(2020, 0, 1) + Math.floor(this.random() * 20 * 365) * 86_400_000,
        ).toISOString();
      case "enum":
        return this.pick(this.ir.schema.enums[type.name] ?? []);
      case "list": {
        // Lists of numbers are often indexed by scenario (16-20 entries); lists of records are short.
        const length = this.pick(
          type.element.kind === "number"
            ? [0, 2, 16, 17, 17, 17, 18, 20]
            : this.profile === "typical"
              ? [1, 1, 2, 2, 3, 4, 6, 8]
              : [0, 1, 1, 2, 3, 5, 8],
        );
        return Array.from({ length }, () => this.value(type.element));
      }
      case "record": {
        const record = this.ir.schema.records[type.name];
        const result: Record<string, unknown> = {};
        for (const f of record?.fields ?? [])
          if (!(f.optional && this.random() < 0.3)) result[f.name] = this.value(f.type, f);
        return result;
      }
      default:
        return null;
    }
  }

  private number(domain: IrDomain | undefined): number {
    if (this.profile === "typical") return this.typicalNumber(domain);
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

  private typicalNumber(domain: IrDomain | undefined): number {
    const r = this.random();
    let value: number;
    if (domain?.min !== undefined && domain.max !== undefined && r < 0.7) {
      value = domain.min + this.random() * (domain.max - domain.min);
    } else if (r < 0.25) {
      value = this.pick(this.near) * Math.pow(2, this.random() * 2 - 1);
    } else {
      value = Math.pow(10, -1 + this.random() * 6);
    }
    const negativeAllowed = domain?.min === undefined || domain.min < 0;
    if (negativeAllowed && this.random() < 0.2) value = -value;
    return clampToDomain(sixDigits(value), domain);
  }
}

/** The first tier a trace shows (the first table an input reaches), if any. */
function firstTierChoice(value: unknown): TierChoice | undefined {
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstTierChoice(item);
      if (found) return found;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const tiers = record["tiers"];
  if (Array.isArray(tiers) && tiers.length > 0) return tiers[0] as TierChoice;
  for (const child of Object.values(record)) {
    const found = firstTierChoice(child);
    if (found) return found;
  }
  return undefined;
}

const keyInputCache = new WeakMap<IrRulebook, Map<number, string[][]>>();

/** The input paths that the keys of table `table` read (from the sites of its lookups), in IR order. */
function keyInputs(ir: IrRulebook, table: number): string[][] {
  let byTable = keyInputCache.get(ir);
  if (!byTable) {
    byTable = new Map();
    const visit = (e: IrExpr): void => {
      if ((e.k === "tier" || e.k === "margin" || e.k === "liquidation") && ir.sites[e.site]) {
        const list = byTable!.get(e.table) ?? [];
        for (const path of ir.sites[e.site]!.inputs)
          if (!list.some((p) => p.join(".") === path)) list.push(path.split("."));
        byTable!.set(e.table, list);
      }
    };
    for (const step of ir.steps) {
      const exprs =
        step.kind === "rule"
          ? [step.condition, ...step.actions.flatMap((a) => [a.condition, a.value])]
          : [step.kind === "assert" ? step.condition : step.value];
      for (const expr of exprs) if (expr) forEachExpr(expr, visit);
    }
    keyInputCache.set(ir, byTable);
  }
  return byTable.get(table) ?? [];
}

/** 0 for an input field in `Quantity`, 1 for any other: the sort key that puts sizes first. */
function quantityFirst(ir: IrRulebook, path: readonly string[]): number {
  const type = fieldAt(ir, path)?.type;
  return type?.kind === "number" && type.unit === "Quantity" ? 0 : 1;
}

/** The declared field at an input path (`position.size`), when every step is a record field. */
function fieldAt(ir: IrRulebook, path: readonly string[]): IrField | undefined {
  let type: IrType | undefined = ir.schema.inputs.find((i) => i.name === path[0])?.type;
  let field: IrField | undefined;
  for (const name of path.slice(1)) {
    if (type?.kind !== "record") return undefined;
    field = ir.schema.records[type.name]?.fields.find((f) => f.name === name);
    type = field?.type;
  }
  return field;
}

/** The record of an input that holds the last field of `path`, if the input has it. */
function recordAt(
  input: Record<string, unknown>,
  path: readonly string[],
): Record<string, unknown> | undefined {
  let value: unknown = input;
  for (const name of path.slice(0, -1)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `value` rounded to six significant digits (what `Number(value.toPrecision(6))` gives, faster). */
function sixDigits(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const exponent = Math.floor(Math.log10(Math.abs(value))) - 5;
  // Powers of ten are exact as doubles up to 1e22: divide or multiply by an exact one.
  if (exponent < 0) {
    const scale = Math.pow(10, -exponent);
    return Math.round(value * scale) / scale;
  }
  const step = Math.pow(10, exponent);
  return Math.round(value / step) * step;
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

/** An `Integer` field's value: `value` rounded to a whole number inside the domain (when it has one). */
function wholeInDomain(value: number, domain: IrDomain | undefined): number {
  let v = Math.round(value);
  const { min, max } = domain ?? {};
  if (min !== undefined && (v < min || (v === min && !domain!.minInclusive)))
    v = Number.isInteger(min) && !domain!.minInclusive ? min + 1 : Math.ceil(min);
  if (max !== undefined && (v > max || (v === max && !domain!.maxInclusive)))
    v = Number.isInteger(max) && !domain!.maxInclusive ? max - 1 : Math.floor(max);
  return Object.is(v, -0) ? 0 : v;
}

function nextUp(x: number): number {
  return x === 0 ? 1e-9 : x + Math.abs(x) * 1e-12;
}

function nextDown(x: number): number {
  return x === 0 ? -1e-9 : x - Math.abs(x) * 1e-12;
}
