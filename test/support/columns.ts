/** Inputs shaped for columns, shared by the columnar tests. */
import { expect } from "vitest";
import { columnLayout, toColumns, type ColumnLayout } from "../../src/runtime/column-layout.js";
import type { LoadedRulebook } from "../../src/runtime/index.js";

/** Inputs whose optional fields are given in all of them or in none (what columns can carry). */
export function uniform(layout: ColumnLayout, inputs: unknown[]): unknown[] {
  const copies = inputs.map((i) => structuredClone(i));
  for (const field of layout.fields) {
    if (!field.optional) continue;
    const holders = holdersOf(copies, field.path.split("."));
    const last = field.path.split(".").pop()!;
    const given = holders.filter((h) => Object.hasOwn(h, last)).length;
    if (given > 0 && given < holders.length) for (const h of holders) delete h[last];
  }
  return copies;
}

/** The objects that hold the last part of `path` (through lists, item by item). */
function holdersOf(values: unknown[], path: string[]): Record<string, unknown>[] {
  let current = values;
  for (const part of path.slice(0, -1)) {
    const next: unknown[] = [];
    for (const value of current) {
      const inner =
        value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
      if (Array.isArray(inner)) next.push(...inner);
      else if (inner !== undefined) next.push(inner);
    }
    current = next;
  }
  return current.filter((v): v is Record<string, unknown> => v !== null && typeof v === "object");
}

/**
 * `evaluateColumns` agrees with `evaluateBatch` on `inputs`, row by row: the same outputs bit for
 * bit, the same failures (code and message) at the same rows.
 */
export function expectAgreement(
  book: LoadedRulebook,
  inputs: unknown[],
  options?: { validate?: boolean },
): void {
  const columns = toColumns(columnLayout(book.ir), inputs);
  const result = book.evaluateColumns(columns as Record<string, number[]>, inputs.length, options);
  const batch = book.evaluateBatch(inputs);
  const failures = new Map(result.errors.map((e) => [e.index, e]));
  batch.forEach((outcome, row) => {
    const failure = failures.get(row);
    if (!outcome.ok) {
      expect({ row, code: failure?.code, message: failure?.message }).toEqual({
        row,
        code: outcome.error.code,
        message: `row ${row}: ${outcome.error.message.replace(/^invalid input: /, "")}`.replace(
          /^(row \d+: )(\d+) problems:\n {2}/,
          (_, p) => p,
        ),
      });
      return;
    }
    expect(failure, `row ${row}`).toBeUndefined();
    for (const output of book.outputs) {
      const column = result.outputs[output.name]!;
      const expected = outcome.outputs[output.name];
      // A list output's column holds the row's list: equal element by element (numbers bit for bit).
      if (Array.isArray(expected)) expect(column[row], `${output.name} row ${row}`).toStrictEqual(expected);
      else expect(Object.is(column[row], expected), `${output.name} row ${row}`).toBe(true);
    }
  });
  expect(result.errors.map((e) => e.index)).toEqual([...failures.keys()].sort((a, b) => a - b));
}
