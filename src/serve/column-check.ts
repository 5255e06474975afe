/**
 * A fast check of a columnar batch, one column at a time, for the service's bulk path.
 *
 * Validating a columnar batch row by row with the input schema (ajv) costs more than evaluating
 * it. When every field of a rulebook's input is a number (with its domain), an enum or a boolean,
 * the schema says no more than this: each value of the type, numbers finite and in their domain,
 * enum values members. So the service checks each column once, in a tight loop, and evaluates
 * without re-validating when every row passes. When any row fails, or the input has fields this
 * check does not cover (texts, timestamps, optional fields left out), the batch takes the normal
 * path, row by row through the schema, so the errors are exactly those `marginbook eval` reports.
 */
import type { IrDomain, IrRulebook, IrType } from "../ir/ir.js";
import { columnFields } from "../runtime/columns.js";

type ColumnTest = (value: unknown) => boolean;

/** Returns the check of a rulebook's columns (true: every row is valid), or undefined when it cannot be checked this way. */
export function columnPrecheck(
  ir: IrRulebook,
): ((columns: Readonly<Record<string, readonly unknown[]>>, rows: number) => boolean) | undefined {
  // Decimal arithmetic: numbers may be decimal text, bounded exactly; the schema's path checks them.
  if (ir.meta.arithmetic) return undefined;
  const { fields, lists } = columnFields(ir);
  if (lists.length > 0) return undefined;
  const tests = new Map<string, ColumnTest>();
  for (const field of fields) {
    const test = testOf(field.type, domainOf(ir, field.path), ir);
    if (!test) return undefined;
    tests.set(field.path, test);
  }
  return (columns, rows) => {
    const given = Object.keys(columns);
    if (given.length !== tests.size) return false; // a missing or unknown column: the normal path says which
    for (const path of given) {
      const test = tests.get(path);
      const column = columns[path];
      if (!test || !column || column.length < rows) return false;
      for (let i = 0; i < rows; i++) if (!test(column[i])) return false;
    }
    return true;
  };
}

function testOf(type: IrType, domain: IrDomain | undefined, ir: IrRulebook): ColumnTest | undefined {
  switch (type.kind) {
    case "number": {
      // A missing side is unbounded: -Infinity / Infinity, which every finite number passes.
      const low = domain?.min ?? -Infinity;
      const high = domain?.max ?? Infinity;
      const lowInclusive = domain?.minInclusive === true;
      const highInclusive = domain?.maxInclusive === true;
      return (v) =>
        typeof v === "number" &&
        Number.isFinite(v) &&
        (lowInclusive ? v >= low : v > low) &&
        (highInclusive ? v <= high : v < high);
    }
    case "bool":
      return (v) => typeof v === "boolean";
    case "enum": {
      const members = new Set(ir.schema.enums[type.name] ?? []);
      return (v) => typeof v === "string" && members.has(v);
    }
    default:
      return undefined;
  }
}

/** The domain of the numeric field at `path` (`position.size`), or undefined. */
function domainOf(ir: IrRulebook, path: string): IrDomain | undefined {
  const [inputName, ...rest] = path.split(".");
  let type = ir.schema.inputs.find((i) => i.name === inputName)?.type;
  let domain: IrDomain | undefined;
  for (const part of rest) {
    if (type?.kind !== "record") return undefined;
    const field = ir.schema.records[type.name]?.fields.find((f) => f.name === part);
    type = field?.type;
    domain = field?.domain;
  }
  return domain;
}

/**
 * The same check for one input given as an object (`{ position: {...}, market: {...} }`): true
 * when the schema would accept it (every record a plain object with exactly its fields, every value
 * of its type and in its domain). Undefined when the rulebook's input has fields this check does
 * not cover, or optional fields (whose defaults the validator fills in); then every input takes
 * the schema's path. An input the check refuses takes it too, so its errors are the schema's.
 */
export function inputPrecheck(ir: IrRulebook): ((input: unknown) => boolean) | undefined {
  if (ir.meta.arithmetic) return undefined;
  const recordTest = (name: string, seen: readonly string[]): ColumnTest | undefined => {
    const record = ir.schema.records[name];
    if (!record || seen.includes(name)) return undefined;
    const tests: [string, ColumnTest][] = [];
    for (const field of record.fields) {
      if (field.optional) return undefined;
      const test =
        field.type.kind === "record"
          ? recordTest(field.type.name, [...seen, name])
          : testOf(field.type, field.domain, ir);
      if (!test) return undefined;
      tests.push([field.name, test]);
    }
    return objectTest(tests);
  };
  const tests: [string, ColumnTest][] = [];
  for (const input of ir.schema.inputs) {
    const test =
      input.type.kind === "record" ? recordTest(input.type.name, []) : testOf(input.type, undefined, ir);
    if (!test) return undefined;
    tests.push([input.name, test]);
  }
  return objectTest(tests);
}

/** A plain object with exactly these own keys, each value passing its test. */
function objectTest(tests: readonly [string, ColumnTest][]): ColumnTest {
  const count = tests.length;
  return (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.keys(v).length !== count)
      return false;
    for (const [name, test] of tests)
      if (!Object.hasOwn(v, name) || !test((v as Record<string, unknown>)[name])) return false;
    return true;
  };
}
