/**
 * What verification reads from a rulebook's input schema: the leaf fields reachable through
 * records (not through lists), with their types and domains as intervals, and simple, valid
 * values for every type, from which the search builds its inputs.
 */
import type { IrDomain, IrField, IrRulebook, IrType } from "../ir/ir.js";
import { EVERYTHING, nextDown, nextUp, type Interval } from "./interval.js";

/** A field reached from a top-level input through records only: `position.size`. */
export interface LeafField {
  path: string[];
  /** `position.size`. */
  name: string;
  type: IrType;
  /** The values a number may take (exclusive bounds moved to the nearest double inside). */
  domain: Interval;
  /** The declared domain, as written. */
  declared?: IrDomain;
  optional: boolean;
  default?: number | boolean | string;
}

/** Every leaf field of the inputs, in declaration order. */
export function leafFields(ir: IrRulebook): LeafField[] {
  const leaves: LeafField[] = [];
  const visit = (path: string[], type: IrType, field: IrField | undefined, depth: number): void => {
    if (type.kind === "record" && depth < 16) {
      for (const f of ir.schema.records[type.name]?.fields ?? [])
        visit([...path, f.name], f.type, f, depth + 1);
      return;
    }
    leaves.push({
      path,
      name: path.join("."),
      type,
      domain: type.kind === "number" ? domainInterval(field?.domain) : EVERYTHING,
      ...(field?.domain ? { declared: field.domain } : {}),
      optional: field?.optional ?? false,
      ...(field?.default !== undefined ? { default: field.default } : {}),
    });
  };
  for (const input of ir.schema.inputs) visit([input.name], input.type, undefined, 0);
  return leaves;
}

/** A declared domain as an interval of doubles: `> 0` starts at the smallest positive double. */
export function domainInterval(domain: IrDomain | undefined): Interval {
  if (!domain) return EVERYTHING;
  const lo = domain.min === undefined ? -Infinity : domain.minInclusive ? domain.min : nextUp(domain.min);
  const hi = domain.max === undefined ? Infinity : domain.maxInclusive ? domain.max : nextDown(domain.max);
  return { lo, hi };
}

/** The domains of the numeric leaf fields, by `position.size`. */
export function fieldDomains(ir: IrRulebook): Map<string, Interval> {
  return new Map(
    leafFields(ir)
      .filter((f) => f.type.kind === "number")
      .map((f) => [f.name, f.domain]),
  );
}

/**
 * A simple value inside a domain: 1 when allowed (so that `size * mark` lands on a round number),
 * else the nearest round value to it that the domain allows.
 */
export function simpleNumber(domain: Interval): number {
  const candidates = [1, 0, 10, 100, 0.5, 0.1, 1000, -1];
  for (const c of candidates) if (c >= domain.lo && c <= domain.hi) return c;
  if (domain.lo > 1)
    return Number.isFinite(domain.lo) && Number.isInteger(domain.lo) ? domain.lo : Math.ceil(domain.lo);
  return Number.isFinite(domain.hi) ? domain.hi : 0;
}

/** A simple valid value of a type (records filled in, lists empty). */
export function simpleValue(ir: IrRulebook, type: IrType, depth = 0): unknown {
  switch (type.kind) {
    case "number":
      return 1;
    case "bool":
      return false;
    case "text":
      return "a";
    case "timestamp":
      return "2026-01-01T00:00:00Z";
    case "enum":
      return ir.schema.enums[type.name]?.[0] ?? "";
    case "list":
      return [];
    case "record": {
      const record: Record<string, unknown> = {};
      if (depth > 16) return record;
      for (const f of ir.schema.records[type.name]?.fields ?? []) {
        if (f.optional) continue;
        record[f.name] =
          f.type.kind === "number"
            ? simpleNumber(domainInterval(f.domain))
            : simpleValue(ir, f.type, depth + 1);
      }
      return record;
    }
    default:
      return null;
  }
}

/** The simplest valid input: every required field at a simple value, optional fields left out. */
export function simpleInput(ir: IrRulebook): Record<string, unknown> {
  return Object.fromEntries(ir.schema.inputs.map((input) => [input.name, simpleValue(ir, input.type)]));
}

/** Reads a path of an input object (undefined when a step is missing). */
export function getPath(input: unknown, path: readonly string[]): unknown {
  let value: unknown = input;
  for (const name of path) {
    if (typeof value !== "object" || value === null || !Object.prototype.hasOwnProperty.call(value, name))
      return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/** A deep copy of `input` with `path` set to `value` (`undefined` removes the field). */
export function setPath(input: unknown, path: readonly string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(input) as Record<string, unknown>;
  let node = copy;
  path.forEach((name, i) => {
    if (i === path.length - 1) {
      if (value === undefined) delete node[name];
      else node[name] = value;
      return;
    }
    if (typeof node[name] !== "object" || node[name] === null) node[name] = {};
    node = node[name] as Record<string, unknown>;
  });
  return copy;
}
