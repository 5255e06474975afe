/**
 * Hostile names and texts in the SQL target: quotes, backslashes, comment markers, statement
 * separators, line separators and NUL in every place a rulebook puts text (names of inputs, fields,
 * outputs, enum members, texts, scenario names). The generated query must run as one statement and
 * give back exactly the runtime's texts: nothing a rulebook says can break out of a literal or a
 * quoted name.
 */
import { sqlAgrees } from "../support/sql-agreement.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { rulebookFromIr } from "../../src/runtime/index.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { compileToSql, dialects, valuesRelation } from "../../src/sql/index.js";
import { InputGenerator } from "../support/random-inputs.js";
import { HOSTILE_TEXTS, randomRulebook, seededChooser } from "../support/random-rulebooks.js";

type Duck = typeof import("@duckdb/node-api");
let con: Awaited<ReturnType<Awaited<ReturnType<Duck["DuckDBInstance"]["create"]>>["connect"]>>;

beforeAll(async () => {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  con = await (await DuckDBInstance.create(":memory:")).connect();
  await con.run("CREATE TABLE canary (x INTEGER); INSERT INTO canary VALUES (1)");
});
afterAll(() => con?.closeSync());

describe("quoting", () => {
  it("quotes identifiers and strings in both dialects", () => {
    expect(dialects.duckdb.ident('a"b')).toBe('"a""b"');
    expect(dialects.duckdb.text("it's")).toBe("'it''s'");
    expect(dialects.clickhouse.ident("a`b\\")).toBe("`a\\`b\\\\`");
    expect(dialects.clickhouse.text("it's \\")).toBe("'it\\'s \\\\'");
  });

  it("round-trips every hostile text through DuckDB as a literal and as a column name", async () => {
    const d = dialects.duckdb;
    // Lone surrogates are no text DuckDB can hold (they are not UTF-8); NUL cannot be in a name.
    for (const text of HOSTILE_TEXTS.filter(
      (t) => !/[\ud800-\udfff]/.test(t.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")),
    )) {
      const name = text === "" || text.includes("\u0000") ? "plain" : text;
      const result = await con.runAndReadAll(`SELECT ${d.text(text)} AS ${d.ident(name)}`);
      expect(result.getRowsJS()).toEqual([[text]]);
      expect(result.columnNames()).toEqual([name]);
    }
    expect((await con.runAndReadAll("SELECT count(*) AS n FROM canary")).getRowObjectsJS()).toEqual([
      { n: 1n },
    ]);
  });
});

describe("hostile rulebooks", () => {
  it("compile to SQL that runs and gives the runtime's outputs", async () => {
    let compared = 0;
    for (let n = 0; n < 16; n++) {
      const source = randomRulebook(seededChooser(7000 + n), { hostile: true });
      const checked = checkRulebook(source, "hostile.margin");
      if (checked.diagnostics.some((x) => x.severity === "error")) continue;
      const ir = lowerRulebook(checked.checked, { source: () => source });
      const generator = new InputGenerator(ir, n);
      const inputs = Array.from({ length: 10 }, () => generator.next());
      const compiled = compileToSql(ir, {
        dialect: "duckdb",
        from: valuesRelation(ir, dialects.duckdb, inputs),
        keep: ["__mb_row"],
      });
      if (!compiled.ok) {
        expect(compiled.diagnostics.every((x) => /^MB51\d\d$/.test(x.code))).toBe(true);
        continue;
      }
      const rows = (await con.runAndReadAll(`${compiled.sql} ORDER BY __mb_row`)).getRowObjectsJS();
      const book = rulebookFromIr(ir);
      rows.forEach((row, i) => {
        const [outcome] = book.evaluateBatch([inputs[i]]);
        if (!outcome!.ok) expect(row[compiled.errorColumn], source).toBe(outcome!.error.code);
        else
          for (const name of compiled.outputs)
            expect(
              sqlAgrees(ir, name, outcome!.outputs[name], row[name]),
              `${name}: ${String(row[name])} vs ${String(outcome!.outputs[name])}\n${source}`,
            ).toBe(true);
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
    expect((await con.runAndReadAll("SELECT count(*) AS n FROM canary")).getRowObjectsJS()).toEqual([
      { n: 1n },
    ]);
  }, 60_000);
});

describe("text SQL cannot hold", () => {
  const book = (text: string): string =>
    `rulebook "t" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input position { size: Number }
output label: Text = if position.size > 0 then "${text}" else "none"
`;
  const compile = (text: string) => {
    const source = book(text);
    const checked = checkRulebook(source, "t.margin");
    expect(checked.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    const ir = lowerRulebook(checked.checked, { source: () => source });
    const inputs = [{ position: { size: 1 } }];
    return compileToSql(ir, { dialect: "duckdb", from: valuesRelation(ir, dialects.duckdb, inputs) });
  };

  it("refuses a text with a lone surrogate (MB5101, naming it) rather than altering it", () => {
    for (const text of ["\ud800 lone", "low \udc00", "a\ud83d"]) {
      const compiled = compile(text);
      expect(compiled.ok).toBe(false);
      if (compiled.ok) continue;
      expect(compiled.diagnostics.map((x) => x.code)).toEqual(["MB5101"]);
      expect(compiled.diagnostics[0]!.message).toContain("lone UTF-16 surrogate");
    }
  });

  it("keeps a well-formed pair (an emoji) and gives it back from DuckDB", async () => {
    const compiled = compile("margin \ud83d\udcb0");
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    const rows = (await con.runAndReadAll(compiled.sql)).getRowObjectsJS();
    expect(rows[0]!["label"]).toBe("margin \ud83d\udcb0");
  });
});
