/**
 * YAML problems in marginbook's words, with their line and column: a second document and a key
 * written twice no longer point users at the `yaml` package's API or end in a dangling colon.
 */
import { describe, expect, it } from "vitest";
import { parseTestFile } from "../../src/service/test-runner.js";

describe("YAML problems of a test file", () => {
  it("name a second document and a repeated key plainly, at their position", () => {
    expect(parseTestFile("rulebook: x.margin\ncases: []\n---\nx: 1\n").problems).toEqual([
      {
        line: 3,
        column: 1,
        message: "more than one YAML document (a `---` line starts another one): give one document",
      },
    ]);
    const repeated = parseTestFile("rulebook: x.margin\nrulebook: y.margin\ncases: []\n").problems;
    expect(repeated.map((p) => [p.line, p.message])).toEqual([
      [2, "a key is written twice in one mapping: write it once"],
    ]);
    for (const p of parseTestFile("cases: [\n").problems) expect(p.message).not.toMatch(/:$|YAML\.parse/);
  });
});
