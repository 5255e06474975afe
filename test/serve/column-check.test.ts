/**
 * The service's fast checks agree with the input schema on every bundled rulebook they apply to:
 * the column check says "every row is valid" exactly when validating each row finds no problem,
 * and the input check accepts an input object exactly when the schema does, for values drawn
 * from boundaries, wrong types, unknown enum members, and objects with fields missing, added,
 * or of the wrong shape.
 */
import { describe, expect, it } from "vitest";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { columnFields } from "../../src/runtime/columns.js";
import { columnPrecheck, inputPrecheck } from "../../src/serve/column-check.js";
import { prng } from "../../src/review/random-inputs.js";
import { bundledRulebooks, compileIr } from "../support/rulebooks.js";

function rowObject(
  paths: readonly string[],
  columns: Record<string, unknown[]>,
  row: number,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const path of paths) {
    const parts = path.split(".");
    let target = input;
    for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[parts[parts.length - 1]!] = columns[path]![row];
  }
  return input;
}

describe("the fast column check", () => {
  const books = bundledRulebooks().map((file) => ({ file, book: rulebookFromIr(compileIr(file)) }));
  const covered = books.filter(({ book }) => columnPrecheck(book.ir) !== undefined);

  it("applies to the rulebooks whose inputs are numbers, enums and booleans", () => {
    expect(covered.map((c) => c.file)).toContain("rules/binance-btcusdt-perp.margin");
    for (const { book } of books.filter((b) => !covered.includes(b))) {
      const { fields, lists } = columnFields(book.ir);
      // Not covered: lists, other field types, or decimal arithmetic (decimal text is checked by the schema).
      expect(
        book.ir.meta.arithmetic !== undefined ||
          lists.length > 0 ||
          fields.some((f) => !["number", "enum", "bool"].includes(f.type.kind)),
      ).toBe(true);
    }
  });

  it("agrees with row-by-row schema validation", () => {
    const next = prng(7);
    expect(covered.length).toBeGreaterThan(1);
    for (const { book } of covered) {
      const check = columnPrecheck(book.ir)!;
      const { fields } = columnFields(book.ir);
      const hostile = [
        0,
        -0,
        1,
        -1,
        0.5,
        2,
        1e-12,
        1e308,
        -1e308,
        100,
        NaN,
        Infinity,
        "1",
        null,
        true,
        false,
        "",
        "nope",
      ];
      const membersOf = fields.map((f) =>
        f.type.kind === "enum" ? (book.ir.schema.enums[f.type.name] ?? []) : [],
      );
      let agreedValid = 0;
      for (let trial = 0; trial < 400; trial++) {
        // Mostly sensible rows, sometimes a hostile value.
        const rows = 1 + Math.floor(next() * 3);
        const columns: Record<string, unknown[]> = {};
        fields.forEach((f, i) => {
          const members = membersOf[i]!;
          columns[f.path] = Array.from({ length: rows }, () => {
            if (f.type.kind === "number" && next() < 0.7) return Math.round(next() * 1000) / 10;
            if (f.type.kind === "enum" && next() < 0.7) return members[Math.floor(next() * members.length)];
            if (f.type.kind === "bool" && next() < 0.7) return next() < 0.5;
            return [...hostile, ...members][Math.floor(next() * (hostile.length + members.length))];
          });
        });
        const valid = Array.from(
          { length: rows },
          (_, r) =>
            book.validate(
              rowObject(
                fields.map((f) => f.path),
                columns,
                r,
              ),
            ).valid,
        ).every(Boolean);
        expect(check(columns, rows)).toBe(valid);
        if (valid) agreedValid++;
      }
      expect(agreedValid).toBeGreaterThan(0);
    }
  });

  it("and the input check agrees with the schema on whole inputs", () => {
    const next = prng(11);
    const checked = books.filter(({ book }) => inputPrecheck(book.ir) !== undefined);
    expect(checked.map((c) => c.file)).toContain("rules/binance-btcusdt-perp.margin");
    for (const { book } of checked) {
      const check = inputPrecheck(book.ir)!;
      const { fields } = columnFields(book.ir);
      const paths = fields.map((f) => f.path);
      const hostile = [0, -0, -1, 1e308, NaN, "1", null, true, "", "nope", [], {}];
      let valid = 0;
      for (let trial = 0; trial < 600; trial++) {
        const columns: Record<string, unknown[]> = {};
        for (const f of fields) {
          const members = f.type.kind === "enum" ? (book.ir.schema.enums[f.type.name] ?? []) : [];
          const good =
            f.type.kind === "number"
              ? Math.round(next() * 1000) / 10 + 0.1
              : f.type.kind === "enum"
                ? members[Math.floor(next() * members.length)]
                : next() < 0.5;
          columns[f.path] = [next() < 0.93 ? good : hostile[Math.floor(next() * hostile.length)]];
        }
        let input: unknown = rowObject(paths, columns, 0);
        const mutation = next();
        const record = input as Record<string, Record<string, unknown>>;
        const first = Object.keys(record)[0]!;
        if (mutation < 0.05) delete record[first]![Object.keys(record[first]!)[0]!];
        else if (mutation < 0.1) record[first]!["extra"] = 1;
        else if (mutation < 0.13) record[first] = [] as unknown as Record<string, unknown>;
        else if (mutation < 0.16)
          input = JSON.parse(JSON.stringify(record).replace(/^\{/, '{"__proto__":{},'));
        else if (mutation < 0.18) input = [record];
        const expected = book.validate(input).valid;
        expect(check(input), JSON.stringify(input)).toBe(expected);
        if (expected) valid++;
      }
      expect(valid).toBeGreaterThan(10); // both answers are exercised
    }
  });
});
