/**
 * The diagnostic renderers and the line map: exact text output, stable JSON, and SARIF that a
 * SARIF 2.1.0 schema accepts (test/fixtures/sarif-2.1.0-subset.schema.json, see its description).
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { messages } from "../../src/semantics/catalog.js";
import { Reporter, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { LineMap } from "../../src/diagnostics/line-map.js";
import {
  renderJson,
  renderSarif,
  renderText,
  toArtifactUri,
  toSarifLog,
} from "../../src/diagnostics/render.js";
import { checkRulebook } from "../../src/service/language-service.js";

const file = "rules/demo.margin";
const source = [
  'rulebook "demo" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT',
  "param rate: Rate = 1%",
  "\tlet total: USDT = notional + rate",
  "let x = 1",
  "",
].join("\n");
const sources = new Map([[file, source]]);

/** The span of the first occurrence of `text` (after `from`) in the demo source. */
function spanOf(text: string, from = 0) {
  const start = source.indexOf(text, from);
  if (start < 0) throw new Error(`"${text}" not in source`);
  return { start, end: start + text.length };
}

function unitMismatch(): Diagnostic {
  const reporter = new Reporter(file);
  return reporter.report(
    messages.incompatibleUnits,
    spanOf("notional + rate"),
    { verb: "add", left: "USDT", right: "Rate" },
    {
      related: [{ message: "`rate` is declared here", span: spanOf("rate") }],
      help: "multiply the rate by an amount of money first",
    },
  );
}

describe("LineMap", () => {
  it("converts offsets to 1-based lines and columns and back", () => {
    const map = new LineMap("ab\ncd\n\nef");
    expect(map.lineCount).toBe(4);
    expect(map.position(0)).toEqual({ line: 1, column: 1, offset: 0 });
    expect(map.position(4)).toEqual({ line: 2, column: 2, offset: 4 });
    expect(map.position(6)).toEqual({ line: 3, column: 1, offset: 6 });
    expect(map.position(9)).toEqual({ line: 4, column: 3, offset: 9 });
    for (let offset = 0; offset <= 9; offset++) {
      const p = map.position(offset);
      expect(map.offset(p.line, p.column)).toBe(offset);
    }
  });

  it("keeps `\\r` out of line text and clamps out-of-range input", () => {
    const map = new LineMap("one\r\ntwo");
    expect(map.lineText(1)).toBe("one");
    expect(map.lineEnd(1)).toBe(3);
    expect(map.lineText(2)).toBe("two");
    expect(map.position(5)).toEqual({ line: 2, column: 1, offset: 5 });
    expect(map.position(99)).toEqual({ line: 2, column: 4, offset: 8 });
    expect(map.position(-3)).toEqual({ line: 1, column: 1, offset: 0 });
    expect(map.position(Number.NaN)).toEqual({ line: 2, column: 4, offset: 8 });
    expect(map.offset(1, 50)).toBe(3);
    expect(map.offset(7, 1)).toBe(5);
  });
});

describe("renderText", () => {
  it("prints the location, the source line with the span underlined, help and notes", () => {
    expect(renderText([unitMismatch()], sources)).toBe(
      [
        "rules/demo.margin:3:20: error MB3001: cannot add USDT and Rate: the units differ",
        " 3 |     let total: USDT = notional + rate",
        "   |                       ^~~~~~~~~~~~~~~",
        "  = help: multiply the rate by an amount of money first",
        "  = note: rules/demo.margin:2:7: `rate` is declared here",
        "",
        "",
      ].join("\n"),
    );
  });

  it("underlines a multi-line span to the end of its first line, and an empty span with one caret", () => {
    const reporter = new Reporter(file);
    reporter.report(
      messages.unknownName,
      { start: source.indexOf("Rate = 1%"), end: source.indexOf("let x") },
      { name: "Rate" },
    );
    reporter.report(
      messages.unexpectedEndOfFile,
      { start: source.length, end: source.length },
      { expected: "a declaration" },
    );
    const text = renderText(reporter.diagnostics, sources);
    expect(text).toContain(" 2 | param rate: Rate = 1%\n   |             ^~~~~~~~~\n");
    expect(text).toContain(
      "rules/demo.margin:5:1: error MB1004: unexpected end of file: expected a declaration\n 5 |\n   | ^\n",
    );
  });

  it("colours only when asked", () => {
    expect(renderText([unitMismatch()], sources)).not.toContain("\x1b[");
    const coloured = renderText([unitMismatch()], sources, { color: true });
    expect(coloured).toContain("\x1b[31m");
    expect(coloured.replace(/\x1b\[\d+m/g, "")).toBe(renderText([unitMismatch()], sources));
  });

  it("still prints the message when the source is unknown", () => {
    expect(renderText([unitMismatch()], new Map())).toBe(
      "rules/demo.margin: error MB3001: cannot add USDT and Rate: the units differ\n" +
        "  = help: multiply the rate by an amount of money first\n" +
        "  = note: rules/demo.margin: `rate` is declared here\n\n",
    );
  });
});

describe("renderJson", () => {
  it("gives every diagnostic the same keys in the same order, with 1-based positions", () => {
    const [json] = JSON.parse(renderJson([unitMismatch()], sources)) as Array<Record<string, unknown>>;
    expect(Object.keys(json!)).toEqual([
      "code",
      "severity",
      "message",
      "file",
      "start",
      "end",
      "related",
      "help",
      "fix",
    ]);
    expect(json).toMatchObject({
      code: "MB3001",
      severity: "error",
      file,
      start: { line: 3, column: 20, offset: spanOf("notional + rate").start },
      end: { line: 3, column: 35 },
      related: [{ message: "`rate` is declared here", file, start: { line: 2, column: 7 } }],
      fix: null,
    });
  });

  it("is an empty array when there is nothing to report", () => {
    expect(JSON.parse(renderJson([], sources))).toEqual([]);
  });
});

describe("renderSarif", () => {
  const schema = JSON.parse(
    readFileSync(new URL("../fixtures/sarif-2.1.0-subset.schema.json", import.meta.url), "utf8"),
  ) as object;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("uri", (value: string) => URL.canParse(value));
  // RFC 3986 characters only: a relative reference must not contain spaces or backslashes.
  ajv.addFormat("uri-reference", /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/);
  const validate = ajv.compile(schema);

  function expectValid(log: unknown): void {
    const valid = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  }

  it("writes a schema-valid log with rules, levels, regions and related locations", () => {
    const fixable = new Reporter(file).report(
      messages.capitalisedValueName,
      spanOf("x = 1"),
      { found: "X" },
      {
        fix: {
          title: "rename to `x`",
          edits: [
            { span: { start: source.indexOf("x = 1"), end: source.indexOf("x = 1") + 1 }, newText: "x" },
          ],
        },
      },
    );
    const text = renderSarif([unitMismatch(), fixable], sources, "0.1.0");
    const log = JSON.parse(text);
    expectValid(log);

    const run = log.runs[0];
    expect(log.version).toBe("2.1.0");
    expect(run.tool.driver.name).toBe("marginbook");
    expect(run.tool.driver.version).toBe("0.1.0");
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toHaveLength(Object.keys(messages).length);
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === "MB4018");
    expect(rule).toMatchObject({
      shortDescription: { text: messages.unusedParameter.template },
      defaultConfiguration: { level: "warning" },
    });

    const [result, withFix] = run.results;
    expect(result).toMatchObject({ ruleId: "MB3001", level: "error" });
    expect(run.tool.driver.rules[result.ruleIndex].id).toBe("MB3001");
    expect(result.message.text).toContain("cannot add USDT and Rate");
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "rules/demo.margin" },
      region: {
        startLine: 3,
        startColumn: 20,
        endLine: 3,
        endColumn: 35,
        charOffset: spanOf("notional + rate").start,
        charLength: 15,
      },
    });
    expect(result.relatedLocations[0]).toMatchObject({
      message: { text: "`rate` is declared here" },
      physicalLocation: { region: { startLine: 2, startColumn: 7 } },
    });
    expect(withFix.fixes[0].artifactChanges[0].replacements[0]).toMatchObject({
      insertedContent: { text: "x" },
      deletedRegion: { startLine: 4, startColumn: 5 },
    });
  });

  it("maps every severity to a SARIF level and stays valid for real checker output", () => {
    const broken =
      'rulebook "b" version 1.0 effective 2026-13-01T00:00:00Z currency USDT\nparam Vol = 80%\nlet x = 1 + # 2\n';
    const diagnostics = checkRulebook(broken, "rules/broken one.margin").diagnostics;
    expect(diagnostics.length).toBeGreaterThan(0);
    const log = toSarifLog(diagnostics, new Map([["rules/broken one.margin", broken]]), "0.1.0");
    expectValid(JSON.parse(JSON.stringify(log)));
    expect(log.runs[0]!.results.every((r) => ["error", "warning", "note"].includes(r.level))).toBe(true);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      "rules/broken%20one.margin",
    );

    const info: Diagnostic = { ...unitMismatch(), severity: "info", related: [] };
    expect(toSarifLog([info], sources, "0.1.0").runs[0]!.results[0]!.level).toBe("note");
  });

  it("is valid with no results, and falls back to character offsets without a source", () => {
    expectValid(JSON.parse(renderSarif([], sources, "0.1.0")));
    const log = toSarifLog([unitMismatch()], new Map(), "0.1.0");
    expectValid(JSON.parse(JSON.stringify(log)));
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.region).toEqual({
      charOffset: spanOf("notional + rate").start,
      charLength: 15,
    });
  });

  it("rejects what SARIF rejects (the schema is not a rubber stamp)", () => {
    const log = toSarifLog([unitMismatch()], sources, "0.1.0") as unknown as {
      runs: Array<{ results: Array<Record<string, unknown>> }>;
    };
    log.runs[0]!.results[0]!["level"] = "fatal";
    expect(validate(JSON.parse(JSON.stringify(log)))).toBe(false);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
  });

  it("turns file paths into relative URIs with forward slashes", () => {
    expect(toArtifactUri("./rules/a.margin")).toBe("rules/a.margin");
    expect(toArtifactUri("rules\\sub dir\\a.margin")).toBe("rules/sub%20dir/a.margin");
    expect(toArtifactUri("C:\\work\\a.margin")).toBe("file:///C:/work/a.margin");
  });
});
