/**
 * The input checks fused into the columnar loop (src/runtime/column-checks.ts): on random
 * rulebooks (test/support/random-rulebooks.ts, list inputs included, a third of them with names
 * and texts significant in JavaScript) and the bundled ones, random
 * valid inputs as columns of every kind (`Float64Array`, `Int32Array`, plain arrays) with invalid
 * values written into random cells (NaN, infinities, values outside the domain, wrong types,
 * unknown enum members, fractions in integer fields, bad timestamps, long texts), `evaluateColumns`
 * gives each row what the per-record path gives the row's input object: the same outputs bit for
 * bit, or the same error (code MB6001 with the validator's messages, naming the field and the row;
 * or the same runtime error). Trusted columns (`validate: false`) of valid inputs give the same
 * outputs as validated ones. The chunk check never certifies a chunk holding an invalid row.
 */
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { columnKind } from "../../src/runtime/column-checks.js";
import { COLUMNAR_EXTRAS, columnarSource } from "../../src/runtime/codegen-columns.js";
import { factoryParameters } from "../../src/runtime/codegen.js";
import { optimizeIr } from "../../src/optimize/index.js";
import {
  columnLayout,
  rowInput,
  toColumns,
  type ColumnField,
  type ColumnLayout,
} from "../../src/runtime/column-layout.js";
import { loadArtifact, type LoadedRulebook } from "../../src/runtime/index.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { uniform } from "../support/columns.js";
import { InputGenerator, prng } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import { compileArtifact } from "../support/rulebooks.js";

type Column = unknown[] | Float64Array | Int32Array;
type Outcome =
  | { ok: true; outputs: Record<string, unknown> }
  | { ok: false; code: string; message: string; paths?: string[] };

function build(source: string): LoadedRulebook {
  const checked = checkRulebook(source, "random.margin");
  const errors = checked.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
  expect(errors, source).toEqual([]);
  const ir = lowerRulebook(checked.checked, { source: () => source });
  return loadArtifact(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "test" } })));
}

/** The columns of `inputs`, each numeric one as a `Float64Array`, an `Int32Array` (whole numbers) or an array. */
function columnsOf(layout: ColumnLayout, inputs: unknown[], random: () => number): Record<string, Column> {
  const columns = toColumns(layout, inputs) as Record<string, Column>;
  for (const field of layout.fields) {
    const column = columns[field.path];
    if (!(column instanceof Float64Array)) continue;
    const whole = Array.from(column).every((v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31);
    const choice = random();
    if (choice < 0.3) columns[field.path] = Array.from(column);
    else if (choice < 0.6 && whole) columns[field.path] = Int32Array.from(column);
  }
  return columns;
}

/** Invalid values for a field (and a few valid-looking ones of the wrong type). */
function badValues(field: ColumnField, members: readonly string[]): unknown[] {
  switch (field.type.kind) {
    case "number": {
      const d = field.domain;
      const values: unknown[] = [NaN, Infinity, -Infinity, "1", null, undefined, true, 10n];
      if (d?.min !== undefined) values.push(d.minInclusive ? d.min - 1 : d.min, -Infinity);
      if (d?.max !== undefined) values.push(d.maxInclusive ? d.max + 1 : d.max);
      if (field.type.integer) values.push(0.5, 1e300 + 0.5 === 1e300 ? 2.5 : 0.25);
      return values;
    }
    case "enum":
      return ["nope", 1, null, `${members[0] ?? "x"} `, (members[0] ?? "x").toUpperCase() + "!"];
    case "bool":
      return [1, 0, "true", null];
    case "text":
      return [5, null, "x".repeat(5000)];
    case "timestamp":
      return ["2026-02-30T00:00:00Z", "yesterday", 0, "2026-01-01T24:00:00Z"];
    default:
      return [null];
  }
}

/** Writes invalid values into `count` random cells; returns the cells written. */
function corrupt(
  book: LoadedRulebook,
  columns: Record<string, Column>,
  count: number,
  random: () => number,
): { path: string; index: number; value: unknown }[] {
  const layout = columnLayout(book.ir);
  const fields = layout.fields.filter((f) => (columns[f.path]?.length ?? 0) > 0);
  const written: { path: string; index: number; value: unknown }[] = [];
  for (let k = 0; k < count && fields.length > 0; k++) {
    const field = fields[Math.floor(random() * fields.length)]!;
    const members = field.type.kind === "enum" ? (book.ir.schema.enums[field.type.name] ?? []) : [];
    const values = badValues(field, members);
    const value = values[Math.floor(random() * values.length)];
    let column = columns[field.path]!;
    const index = Math.floor(random() * column.length);
    const fits =
      (column instanceof Float64Array && typeof value === "number") ||
      (column instanceof Int32Array && typeof value === "number" && (value | 0) === value);
    if (!fits && !Array.isArray(column)) column = columns[field.path] = Array.from(column);
    (column as unknown[])[index] = value;
    written.push({ path: field.path, index, value });
  }
  return written;
}

/** What the per-record path gives one row's input object: validated, then evaluated. */
function perRecord(book: LoadedRulebook, input: unknown, row: number): Outcome {
  const check = book.validate(input);
  if (!check.valid)
    return {
      ok: false,
      code: "MB6001",
      message: `row ${row}: ${check.errors.map((e) => e.message).join("; ")}`,
      paths: check.errors.map((e) => e.path),
    };
  try {
    return { ok: true, outputs: book.evaluate(input, { validate: false }).outputs };
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    return { ok: false, code: error.code, message: `row ${row}: ${error.message}` };
  }
}

/** `evaluateColumns` agrees with the per-record path on every row of `columns`. */
function expectRowsAgree(book: LoadedRulebook, columns: Record<string, Column>, rows: number): number {
  const layout = columnLayout(book.ir);
  const result = book.evaluateColumns(columns as Record<string, number[]>, rows);
  const failures = new Map(result.errors.map((e) => [e.index, e]));
  expect(result.errors.map((e) => e.index)).toEqual([...failures.keys()].sort((a, b) => a - b));
  let invalid = 0;
  for (let row = 0; row < rows; row++) {
    const expected = perRecord(book, rowInput(layout, columns, row), row);
    const failure = failures.get(row);
    if (!expected.ok) {
      if (expected.code === "MB6001") invalid++;
      expect({ row, code: failure?.code, message: failure?.message }).toEqual({
        row,
        code: expected.code,
        message: expected.message,
      });
      if (expected.paths) expect(failure?.errors?.map((e) => e.path)).toEqual(expected.paths);
      continue;
    }
    expect(failure, `row ${row}: ${failure?.message}`).toBeUndefined();
    for (const output of book.outputs) {
      const value = (result.outputs[output.name] as ArrayLike<unknown>)[row];
      const wanted = expected.outputs[output.name];
      if (Array.isArray(wanted) || (wanted !== null && typeof wanted === "object"))
        expect(value, `${output.name} row ${row}`).toStrictEqual(wanted);
      else expect(Object.is(value, wanted), `${output.name} row ${row}: ${String(value)}`).toBe(true);
    }
  }
  return invalid;
}

/** Valid inputs of `book` as columns, then columns with invalid cells: each row as per record. */
function exercise(book: LoadedRulebook, seed: number, rows = 30): { invalid: number; looped: boolean } {
  const random = prng(seed);
  const layout = columnLayout(book.ir);
  const generator = new InputGenerator(book.ir, seed);
  const inputs = uniform(
    layout,
    Array.from({ length: rows }, () => generator.next()),
  );
  const columns = columnsOf(layout, inputs, random);
  const looped = columnarSource(book.ir, layout, new Set(Object.keys(columns))) !== undefined;
  expectRowsAgree(book, columns, rows);
  // Trusted columns of valid inputs: the same outputs, without the checks.
  const validated = book.evaluateColumns(columns as Record<string, number[]>, rows);
  const trusted = book.evaluateColumns(columns as Record<string, number[]>, rows, { validate: false });
  expect(trusted.errors).toEqual(validated.errors);
  for (const name of Object.keys(validated.outputs))
    expect(trusted.outputs[name], name).toStrictEqual(validated.outputs[name]);
  expect(certifies(book, columns, rows)).not.toBe(false);
  corrupt(book, columns, 1 + Math.floor(random() * 6), random);
  const invalid = expectRowsAgree(book, columns, rows);
  // The chunk check (used where inputs have lists) never certifies rows the validator refuses.
  if (invalid > 0) expect(certifies(book, columns, rows)).not.toBe(true);
  return { invalid, looped };
}

/** What the generated chunk check says of all the rows (undefined without a generated loop). */
function certifies(book: LoadedRulebook, columns: Record<string, Column>, rows: number): boolean | undefined {
  const ir = optimizeIr(book.ir);
  const layout = columnLayout(ir);
  const kinds = new Map(Object.entries(columns).map(([path, column]) => [path, columnKind(column)]));
  const generated = columnarSource(ir, layout, new Set(Object.keys(columns)), { kinds });
  if (!generated) return undefined;
  const parameters = [...factoryParameters(ir), ...COLUMNAR_EXTRAS];
  const factory = new Function(...parameters.map(([name]) => name), generated.source) as (
    ...args: unknown[]
  ) => { check(columns: unknown[], start: number, end: number): boolean };
  const loop = factory(...parameters.map(([, value]) => value));
  return loop.check(
    generated.inputs.map((path) => columns[path]),
    0,
    rows,
  );
}

describe("columnar input checks agree with the per-record validator", () => {
  it("on random rulebooks (list inputs included) with invalid values in random cells", () => {
    let invalid = 0;
    let looped = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const source = randomRulebook(seededChooser(seed * 7919), {
        optimizerShapes: seed % 2 === 0,
        hostile: seed % 3 === 0,
      });
      const outcome = exercise(build(source), seed);
      invalid += outcome.invalid;
      if (outcome.looped) looped++;
    }
    // The test exercises what it claims: invalid rows, through the generated loop mostly.
    expect(invalid).toBeGreaterThan(24);
    expect(looped).toBeGreaterThan(12);
  });

  for (const file of [
    "rules/binance-btcusdt-perp.margin",
    "rules/span-sp500.margin",
    "bench/rules/natural-brackets.margin",
    "bench/rules/natural-portfolio.margin",
  ])
    it(`on ${file} with invalid values in random cells`, () => {
      const book = loadArtifact(serializeArtifact(compileArtifact(file)));
      let invalid = 0;
      for (let seed = 1; seed <= 4; seed++) invalid += exercise(book, seed * 101).invalid;
      expect(invalid).toBeGreaterThan(0);
    });

  it("over several calls of the loop: failures at the edges of its chunks", () => {
    const book = loadArtifact(serializeArtifact(compileArtifact("bench/rules/natural-brackets.margin")));
    const rows = 5000;
    const inputs = Array.from({ length: rows }, (_, i) => ({
      position: { size: 1 + (i % 7), mark: 30_000 + i, side: i % 2 ? "long" : "short" },
      market: { vol_30d: (i % 5) / 2, adv: 1e9 },
    }));
    const columns = toColumns(columnLayout(book.ir), inputs) as Record<string, Column>;
    const size = columns["position.size"] as Float64Array;
    const mark = columns["position.mark"] as Float64Array;
    size[0] = -1;
    size[2047] = NaN;
    [size[2048], mark[2048]] = [1e300, 1e300]; // notional overflows: a runtime error
    size[4095] = 0;
    size[rows - 1] = Infinity;
    expect(expectRowsAgree(book, columns, rows)).toBe(4);
    const result = book.evaluateColumns(columns as Record<string, number[]>, rows);
    expect(result.errors.map((e) => [e.index, e.code])).toEqual([
      [0, "MB6001"],
      [2047, "MB6001"],
      [2048, result.errors[2]!.code],
      [4095, "MB6001"],
      [rows - 1, "MB6001"],
    ]);
    expect(result.errors[2]!.code).not.toBe("MB6001");
  });

  it("name the field and the row of a bad value in a typed column", () => {
    const book = loadArtifact(serializeArtifact(compileArtifact("bench/rules/natural-portfolio.margin")));
    const inputs = [0, 1, 2].map(() => ({
      account: { positions: [{ u: "btc", quantity: 1, price: 60_000, vega: 10 }] },
    }));
    const columns = toColumns(columnLayout(book.ir), inputs) as Record<string, Column>;
    expect(columnKind(columns["account.positions.price"])).toBe("f");
    (columns["account.positions.price"] as Float64Array)[1] = Infinity;
    (columns["account.positions.u"] as unknown[])[2] = "ada";
    const result = book.evaluateColumns(columns as Record<string, number[]>, 3);
    expect(result.errors.map((e) => [e.index, e.code, e.message])).toEqual([
      [1, "MB6001", "row 1: /account/positions/0/price must be a finite number, not Infinity"],
      [2, "MB6001", 'row 2: /account/positions/0/u must be one of btc, eth, sol, xrp, doge, not "ada"'],
    ]);
    expect(Array.from(result.outputs["portfolio_margin"] as Float64Array).map(Number.isNaN)).toEqual([
      false,
      true,
      true,
    ]);
  });
});
