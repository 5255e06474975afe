/**
 * Fuzzing the front end with fast-check: random token streams and mutations of every rulebook we
 * have. The parser, checker and formatter never throw, every diagnostic span lies inside the file,
 * and formatting a valid rulebook keeps it valid and idempotent.
 *
 * CI runs a fixed seed and a bounded number of runs; `npm run fuzz` runs many more
 * (`FUZZ_RUNS=<n> FUZZ_SEED=<seed>` to choose).
 */
import { fuzzRuns } from "../support/fuzz-runs.js";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keywordWords } from "../../grammar/tokens.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { formatSource } from "../../src/syntax/format.js";
import { LIMITS } from "../../src/syntax/limits.js";

const root = resolve(import.meta.dirname, "../..");
const runs = fuzzRuns(60, 300);
const seed = Number(process.env["FUZZ_SEED"] ?? 20261130);
const settings = { numRuns: runs, seed, endOnFailure: true };
/** Generous: the fuzz tests are bounded by their number of runs, not by the clock. */
const timeout = 30_000 + runs * 100;

function corpus(): { name: string; source: string }[] {
  const files: { name: string; source: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".margin"))
        files.push({ name: path.slice(root.length + 1), source: readFileSync(path, "utf8") });
    }
  };
  walk(join(root, "rules"));
  walk(join(root, "test"));
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

const files = corpus();

/** Runs the whole front end; fails the property on any exception or out-of-file span. */
function frontEndHolds(source: string): void {
  const result = checkRulebook(source, "fuzz.margin");
  for (const d of result.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(Math.max(source.length, 1));
    expect(d.code).toMatch(/^MB\d{4}$/);
  }
  const formatted = formatSource(source);
  if (!result.diagnostics.some((d) => d.code.startsWith("MB1"))) {
    // A file without syntax errors formats to a file with the same diagnostics codes, idempotently.
    const again = checkRulebook(formatted.text, "fuzz.margin");
    expect(again.diagnostics.map((d) => d.code).sort()).toEqual(result.diagnostics.map((d) => d.code).sort());
    expect(formatSource(formatted.text).text).toBe(formatted.text);
  }
}

const TOKEN_VOCABULARY = [
  ...keywordWords,
  "position",
  "size",
  "mark",
  "notional",
  "im_rate",
  "brackets",
  "x",
  "USDT",
  "BTC",
  "Quantity",
  "Price",
  "Rate",
  "List",
  "0",
  "1",
  "50_000",
  "0.80%",
  "50bps",
  "1e309",
  "-0",
  "30d",
  "2026-12-01T00:00:00Z",
  "2.4.0",
  '"text"',
  '"',
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  ".",
  "=",
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "^",
  "%",
  "//",
  "///",
  "\n",
  "@",
  "#",
  "€",
  "\u0000",
  "\u202e",
  "𝟙",
];

/** The tokens of a source, roughly: enough to delete, duplicate and swap them. */
function roughTokens(source: string): string[] {
  return source.match(/\s+|"[^"\n]*"?|\/\/[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d[\d_.]*%?|[^\sA-Za-z0-9_]/g) ?? [];
}

describe("front-end fuzzing", () => {
  it(
    `random token streams never crash the front end (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...TOKEN_VOCABULARY), { maxLength: 120 }), (tokens) =>
          frontEndHolds(tokens.join(" ")),
        ),
        settings,
      );
    },
    timeout,
  );

  it(
    `mutated real rulebooks never crash the front end (${runs} runs)`,
    () => {
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
        fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
        fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
        fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
        fc.record({
          kind: fc.constant("insert" as const),
          at: fc.nat(),
          text: fc.string({ unit: "binary", maxLength: 8 }),
        }),
      );
      fc.assert(
        fc.property(
          fc.nat({ max: files.length - 1 }),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          (fileIndex, mutations) => {
            let tokens = roughTokens(files[fileIndex]!.source);
            for (const m of mutations) {
              if (tokens.length === 0) break;
              const at = m.at % tokens.length;
              if (m.kind === "delete") tokens.splice(at, 1);
              if (m.kind === "duplicate") tokens.splice(at, 0, tokens[at]!);
              if (m.kind === "swap") {
                const other = m.with % tokens.length;
                [tokens[at], tokens[other]] = [tokens[other]!, tokens[at]!];
              }
              if (m.kind === "truncate") tokens = tokens.slice(0, at);
              if (m.kind === "insert") tokens.splice(at, 0, m.text);
            }
            frontEndHolds(tokens.join(""));
          },
        ),
        settings,
      );
    },
    timeout,
  );

  it(
    `random unicode and bytes never crash the front end (${runs} runs)`,
    () => {
      fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), frontEndHolds), settings);
    },
    timeout,
  );

  it("every rulebook of the corpus passes the front-end properties unmutated", () => {
    for (const file of files) frontEndHolds(file.source);
  });
});

describe("resource limits", () => {
  const header =
    'rulebook "x" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT\ninput p { q: Number }\n';
  const codes = (source: string): string[] =>
    checkRulebook(source, "limits.margin").diagnostics.map((d) => d.code);

  it("deep brackets are one diagnostic, not a stack overflow", () => {
    const n = 100_000;
    expect(codes(`${header}output o: Number = ${"(".repeat(n)}p.q${")".repeat(n)}\n`)).toEqual(["MB1011"]);
  });

  it("long prefix-operator runs and long operator chains are one diagnostic each", () => {
    expect(codes(`${header}output o: Number = ${"- ".repeat(50_000)}p.q\n`)).toEqual(["MB1011"]);
    expect(codes(`${header}output o: Number = p.q${" + 1".repeat(50_000)}\n`)).toEqual(["MB1011"]);
  });

  it("over-long names, too many tier rows and huge files get their codes", () => {
    expect(codes(`${header}output ${"a".repeat(LIMITS.identifierLength + 1)}: Number = p.q\n`)).toContain(
      "MB1012",
    );
    const rows = Array.from({ length: LIMITS.tierRows + 1 }, (_, i) => `  [${i}, ${i + 1}) 1%`).join("\n");
    expect(
      codes(
        `${header}tiers t by n: Number, flat {\n  columns r: Rate\n${rows}\n}\noutput o: Rate = t(p.q).r\n`,
      ),
    ).toContain("MB4042");
    expect(codes(" ".repeat(LIMITS.sourceLength + 1))).toEqual(["MB1010"]);
  });

  it("a file of random garbage stops after a bounded number of syntax errors", () => {
    const garbage = "x @ ".repeat(50_000);
    const result = codes(garbage);
    expect(result.length).toBeLessThanOrEqual(LIMITS.syntaxErrors + 1);
    expect(result).toContain("MB1013");
  });
});

/** Bugs the fuzzers of issue 7 found in the checker, fixed: each test states the right behaviour. */
describe("checker bugs found by fuzzing", () => {
  const header =
    'rulebook "x" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT\ninput p { q: Number }\n';
  const errors = (source: string): string[] =>
    checkRulebook(header + source, "known.margin")
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => d.code);

  it("a number literal that overflows binary64 (1e309) is an error, not an Infinity constant the runtime then refuses", () => {
    expect(errors("output o: Number = p.q * 1e309\n")).not.toEqual([]);
  });

  it("calling an Object.prototype member in a constant (valueOf(1)) is a diagnostic, not a crash", () => {
    for (const fn of ["valueOf", "hasOwnProperty", "isPrototypeOf"]) {
      expect(() => errors(`param x = ${fn}(1)\noutput o: Number = p.q * x\n`)).not.toThrow();
      expect(() => errors(`rule r when ${fn}(1) > 0 { set z = 1 }\noutput o: Number = z\n`)).not.toThrow();
    }
  });

  it("a parameter computed from a parameter computed from another is constant (no MB3022)", () => {
    expect(errors("param a = 1\nparam m = a + a\nparam b = m * 2\noutput o: Number = p.q * b\n")).toEqual([]);
  });
});
