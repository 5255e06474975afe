/**
 * Tier searches in generated code: tables of up to 16 rows are searched by counting the boundaries
 * the key is at or past (`+(k > 100) + +(k >= 250) ...`, no branch), in the per-record and the
 * columnar evaluator alike; larger tables by a chain and bisection of comparisons. Either way the
 * row must be the interpreter's (its search is src/semantics), on every boundary of a table with
 * both kinds of bounds and on the doubles either side of each.
 */
import { describe, expect, it } from "vitest";
import { columnarSource } from "../../src/runtime/codegen-columns.js";
import { generateSource } from "../../src/runtime/codegen.js";
import { columnLayout, toColumns } from "../../src/runtime/column-layout.js";
import { evaluate as interpret } from "../../src/runtime/interpreter.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { lowerSource } from "../support/outcomes.js";

/** A rulebook of one flat table with these rows (`[0, 100]`, `(100, 250)`...). */
function book(rows: readonly string[]): IrRulebook {
  return lowerSource(
    `rulebook "t" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input position { notional: USD >= 0 }
tiers steps by notional: USD, flat {
  columns rate: Rate
${rows.map((row, i) => `  ${row} ${i + 1}%`).join("\n")}
}
output margin: USD = position.notional * steps(position.notional).rate
output tier: Number = steps(position.notional).tier`,
    "steps.margin",
  );
}

/** Contiguous rows whose upper bounds are closed and open in turn (`[0, 100]`, `(100, 250)`, `[250, ...`). */
function mixedRows(boundaries: readonly number[]): string[] {
  const closedAt = (i: number): boolean => i % 2 === 0;
  const rows = boundaries.map((upper, i) => {
    const lower = i === 0 ? "[0" : `${closedAt(i - 1) ? "(" : "["}${boundaries[i - 1]}`;
    return `${lower}, ${upper}${closedAt(i) ? "]" : ")"}`;
  });
  const last = boundaries.length - 1;
  rows.push(`${closedAt(last) ? "(" : "["}${boundaries[last]}, inf)`);
  return rows;
}

/** Every boundary and the doubles next to it, and the ends of the key's range. */
function keysAround(boundaries: readonly number[]): number[] {
  const near = (x: number): number[] => [x, x * (1 - 2 ** -52), x * (1 + 2 ** -52)];
  return [0, 5e-324, ...boundaries.flatMap(near), 1e300];
}

function expectInterpreterRows(ir: IrRulebook, keys: readonly number[]): void {
  const inputs = keys.map((notional) => ({ position: { notional } }));
  const evaluator = rulebookFromIr(ir);
  const columns = toColumns(columnLayout(ir), inputs);
  const columnar = evaluator.evaluateColumns(columns, inputs.length);
  expect(columnar.errors).toEqual([]);
  inputs.forEach((input, row) => {
    const expected = interpret(ir, input).outputs;
    const perRecord = evaluator.evaluate(input, { validate: false }).outputs;
    for (const [name, value] of Object.entries(expected)) {
      expect(Object.is(perRecord[name], value), `${name}, key ${keys[row]}, per record`).toBe(true);
      expect(Object.is(columnar.outputs[name]![row], value), `${name}, key ${keys[row]}, columnar`).toBe(
        true,
      );
    }
  });
}

describe("tier searches in generated code", () => {
  it("count the boundaries in a table of up to 16 rows, per record and in columns", () => {
    const boundaries = [100, 250, 1_000];
    const ir = book(mixedRows(boundaries));
    const counted = "+(k > 100) + +(k >= 250) + +(k > 1000)";
    expect(generateSource(ir)).toContain(counted);
    const columns = toColumns(columnLayout(ir), [{ position: { notional: 1 } }]);
    expect(columnarSource(ir, columnLayout(ir), new Set(Object.keys(columns)))!.source).toContain(counted);
    expectInterpreterRows(ir, keysAround(boundaries));
  });

  it("branch through comparisons in a larger table, and find the same rows", () => {
    const boundaries = Array.from({ length: 23 }, (_, i) => 50 * (i + 1) ** 2);
    const ir = book(mixedRows(boundaries));
    expect(ir.tables[0]!.rows.length).toBe(24);
    expect(generateSource(ir)).not.toContain("+(k ");
    expectInterpreterRows(ir, keysAround(boundaries));
  });
});
