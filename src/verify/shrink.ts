/**
 * Shrinking a counterexample: while it still breaks the property, reset fields to their simple
 * values (or leave optional ones out), drop list elements, and replace numbers by rounder ones
 * (fewer significant digits, whole numbers, powers of ten). The result has few fields away from
 * the simple input, and numbers a reviewer can check by hand.
 */
import type { IrField, IrRulebook, IrType } from "../ir/ir.js";
import type { Interval } from "./interval.js";
import { domainInterval, getPath, setPath, simpleNumber, simpleValue } from "./schema.js";

/** Whether a candidate input still breaks the property (evaluating it counts against the budget). */
export type StillBroken = (input: Record<string, unknown>) => boolean;

/** A leaf of an actual input value: a path, its value, and what the schema says of it. */
interface InputLeaf {
  path: string[];
  value: unknown;
  type: IrType;
  field?: IrField;
}

/** Shrinks `input` with `stillBroken`, trying at most `maxTries` candidates. */
export function shrinkInput(
  ir: IrRulebook,
  input: Record<string, unknown>,
  stillBroken: StillBroken,
  maxTries: number,
  fixed?: string,
): Record<string, unknown> {
  let current = input;
  let tries = 0;
  const attempt = (candidate: Record<string, unknown>): boolean => {
    if (tries >= maxTries) return false;
    tries += 1;
    if (!stillBroken(candidate)) return false;
    current = candidate;
    return true;
  };
  for (let round = 0; round < 8 && tries < maxTries; round++) {
    let progress = false;
    for (const leaf of inputLeaves(ir, current)) {
      if (leaf.path.join(".") === fixed || tries >= maxTries) continue;
      for (const candidate of simplerValues(ir, leaf)) {
        if (attempt(setPath(current, leaf.path, candidate))) {
          progress = true;
          break;
        }
      }
    }
    if (!progress) break;
  }
  return current;
}

/** The leaves of an input (through records and list elements), with their schema types. */
function inputLeaves(ir: IrRulebook, input: Record<string, unknown>): InputLeaf[] {
  const leaves: InputLeaf[] = [];
  const visit = (
    path: string[],
    value: unknown,
    type: IrType,
    field: IrField | undefined,
    depth: number,
  ): void => {
    if (depth > 16) return;
    if (type.kind === "record" && typeof value === "object" && value !== null) {
      for (const f of ir.schema.records[type.name]?.fields ?? []) {
        const child = (value as Record<string, unknown>)[f.name];
        if (child !== undefined) visit([...path, f.name], child, f.type, f, depth + 1);
      }
      return;
    }
    leaves.push({ path, value, type, ...(field ? { field } : {}) });
    if (type.kind === "list" && Array.isArray(value))
      value.forEach((item, i) => visit([...path, String(i)], item, type.element, undefined, depth + 1));
  };
  for (const top of ir.schema.inputs) visit([top.name], getPath(input, [top.name]), top.type, undefined, 0);
  return leaves;
}

/** Simpler values for a leaf, simplest first, each strictly simpler than the current one. */
function simplerValues(ir: IrRulebook, leaf: InputLeaf): unknown[] {
  const { value, type, field } = leaf;
  const results: unknown[] = [];
  if (field?.optional) results.push(undefined);
  if (type.kind === "list" && Array.isArray(value)) {
    if (value.length > 0) results.push([]);
    value.forEach((_, i) => results.push(value.filter((__, j) => j !== i)));
    return results;
  }
  if (type.kind === "number" && typeof value === "number") {
    const domain = domainInterval(field?.domain);
    return [...results, ...roundNumbers(value, domain, simpleNumber(domain))];
  }
  const simple = simpleValue(ir, type);
  if (JSON.stringify(simple) !== JSON.stringify(value)) results.push(simple);
  return results;
}

/** How complicated a number looks: significant digits, plus one for not being 0 or 1. */
export function complexity(value: number): number {
  if (value === 0) return 0;
  // The shortest decimal that reads back as the same double: 0.1 has one digit, 999999.9999999999 sixteen.
  const digits = Math.abs(value).toExponential().replace(/e.*$/, "").replace(/[.-]/g, "").length;
  return digits + (Math.abs(value) === 1 ? 0 : 1) + (value < 0 ? 1 : 0);
}

/** Rounder numbers near `value` inside `domain`, simplest first, all simpler than `value`. */
export function roundNumbers(value: number, domain: Interval, simple: number): number[] {
  const own = complexity(value);
  const candidates = new Set<number>([simple, 0, 1, Math.round(value), Math.floor(value), Math.ceil(value)]);
  for (let digits = 1; digits <= 12; digits++) {
    const rounded = Number(value.toPrecision(digits));
    candidates.add(rounded);
    const scale = Math.pow(10, Math.floor(Math.log10(Math.abs(value) || 1)) - digits + 1);
    candidates.add(Math.floor(value / scale) * scale);
    candidates.add(Math.ceil(value / scale) * scale);
  }
  if (value > 0) candidates.add(Math.pow(10, Math.round(Math.log10(value))));
  return [...new Set([...candidates].map((v) => Number(v.toPrecision(15)) + 0))]
    .filter(
      (v) => Number.isFinite(v) && v >= domain.lo && v <= domain.hi && v !== value && complexity(v) < own,
    )
    .sort((a, b) => complexity(a) - complexity(b) || Math.abs(a - value) - Math.abs(b - value));
}
