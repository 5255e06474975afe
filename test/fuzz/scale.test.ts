/**
 * A performance-shaped fuzzer (issue 13): generators that size rulebooks, artifacts and inputs
 * toward each documented limit (depth, width, length, count, repetition of names), run through
 * `check`, compile, `loadArtifact`, `validate` and `evaluate`, with a time bound per case and a
 * memory bound per run. A case may end in diagnostics or coded errors, never in an exception.
 *
 * `npm test` runs small sizes (seconds). `FUZZ_SCALE=long npx vitest run test/fuzz/scale.test.ts`
 * runs each generator at doubling sizes up to the limits and prints the time of `check` against
 * the size of the source, with the growth from one size to the next.
 */
import { loadavg } from "node:os";
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { checkRulebook } from "../../src/service/language-service.js";

const LONG = process.env["FUZZ_SCALE"] === "long";
/** Per case: generous, since the machine is shared; a quadratic generator misses it by far at the long sizes. */
const CASE_MS = LONG ? 60_000 : 20_000;
/** Per run. */
const HEAP_BYTES = 3 * 1024 ** 3;
const SIZES = LONG ? [1_000, 2_000, 4_000, 8_000, 16_000] : [8, 16];

const HEADER = 'rulebook "scale" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD\n';
const INPUT =
  "enum Side { long, short }\nrecord Pos { size: Quantity > 0, mark: Price > 0, side: Side }\ninput book { positions: List<Pos>, a: Number }\n";
const rep = (n: number, f: (i: number) => string, sep = "\n"): string =>
  Array.from({ length: n }, (_, i) => f(i)).join(sep);

/** Each generator makes a rulebook of about `n` units of its kind. */
const GENERATORS: Record<string, (n: number) => string> = {
  "parameter chain (count, repetition)": (n) =>
    `${HEADER}${INPUT}param p0 = 1\n${rep(n, (i) => `param p${i + 1} = p${i} + p${i} - p${i}`)}\noutput o: Number = p${n} * book.a\n`,
  "else-if chains (depth)": (n) =>
    `${HEADER}${INPUT}${rep(n, (i) => `output o${i}: Number = ${rep(40, (k) => `if book.a > ${k} then ${k} else`, " ")} book.a`)}\n`,
  "nested brackets (depth)": (n) =>
    `${HEADER}${INPUT}${rep(n, (i) => `output o${i}: Number = ${"(".repeat(60)}book.a${" + 1)".repeat(60)}`)}\n`,
  "too deep brackets (depth)": (n) =>
    `${HEADER}${INPUT}${rep(n, (i) => `output o${i}: Number = ${"(- ".repeat(70)}book.a${")".repeat(70)}`)}\n`,
  "long sums (width)": (n) =>
    `${HEADER}${INPUT}${rep(n, (i) => `output o${i}: Number = book.a${" + book.a".repeat(200)}`)}\n`,
  "record fields (width)": (n) =>
    `${HEADER}${INPUT}record R { ${rep(n, (i) => `f${i}: Number`, ", ")} }\ninput r: R\noutput o: Number = r.f0 + book.a\n`,
  "enum members (width)": (n) =>
    `${HEADER}${INPUT}enum E { ${rep(n, (i) => `m${i}`, ", ")} }\ninput e: E\noutput o: Bool = e == m0\noutput a: Number = book.a\n`,
  "tier rows (count)": (n) =>
    `${HEADER}${INPUT}tiers t by a: Number, flat {\n  columns r: Rate\n${rep(n, (i) => `  [${i}, ${i + 1}) ${(i % 90) + 1}%`)}\n  [${n}, inf) 95%\n}\noutput o: Number = t(book.a).r\n`,
  "call arguments (width)": (n) =>
    `${HEADER}${INPUT}${rep(Math.ceil(n / 60), (i) => `output o${i}: Number = max(${rep(Math.min(n, 60), () => "book.a", ", ")})`)}\n`,
  "long strings (length)": (n) =>
    `${HEADER.replace("\n", ` description "${"d".repeat(n * 2)}"\n`)}${INPUT}param s: Text = "${"s".repeat(n * 20)}"\noutput t: Text = s\noutput o: Number = book.a\n`,
  "doc comments (length)": (n) =>
    `${HEADER}${INPUT}${rep(n, () => "/// a line of documentation")}\nparam x = 1\noutput o: Number = x * book.a\n`,
  "misspelt names (repetition)": (n) =>
    `${HEADER}${INPUT}${rep(n, (i) => `let value_${String(i).padStart(6, "0")}: Number = book.a`)}\n${rep(n, (i) => `output out_${i}: Number = valeu_${String(i).padStart(6, "0")}`)}\n`,
  "duplicate names (repetition)": (n) =>
    `${HEADER}${INPUT}${rep(n, () => "let same: Number = book.a")}\noutput o: Number = same\n`,
  "unknown fields (repetition)": (n) =>
    `${HEADER}${INPUT}${rep(n, (i) => `output o${i}: Number = book.positoins_${i % 50}`)}\n`,
  "let chain (count)": (n) =>
    `${HEADER}${INPUT}let l0: Number = book.a\n${rep(n, (i) => `let l${i + 1}: Number = l${i} + l${i}`)}\noutput o: Number = min(l${n}, 1)\n`,
  "list aggregates (width)": (n) =>
    `${HEADER}${INPUT}${rep(Math.ceil(n / 10), (i) => `output o${i}: Number = sum(p.size * p.mark for p in book.positions where p.side == long) + ${i}`)}\n`,
};

interface Timing {
  generator: string;
  n: number;
  chars: number;
  checkMs: number;
}

/** Runs one case through every stage; returns the time `check` took. Throws only on a real failure. */
function runCase(source: string): number {
  const start = performance.now();
  const result = checkRulebook(source, "scale.margin");
  const checkMs = performance.now() - start;
  for (const d of result.diagnostics) expect(d.code).toMatch(/^MB\d{4}$/);
  if (result.diagnostics.some((d) => d.severity === "error")) return checkMs;
  const ir = lowerRulebook(result.checked);
  const book = loadArtifact(
    JSON.parse(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "fuzz" } }))),
  );
  if (!ir.schema.inputs.every((i) => i.name === "book")) return checkMs;
  const count = LONG ? 20_000 : 50;
  const valid = {
    book: {
      a: 3,
      positions: Array.from({ length: count }, (_, i) => ({
        size: 1 + i,
        mark: 100,
        side: i % 2 ? "long" : "short",
      })),
    },
  };
  const invalid = {
    book: {
      a: "x",
      positions: Array.from({ length: count }, () => ({ size: -1, mark: "m", side: "up", extra: 1 })),
    },
  };
  expect(book.validate(valid).valid).toBe(true);
  const problems = book.validate(invalid).errors;
  expect(problems.length).toBeLessThanOrEqual(101);
  expect(problems.every((p) => p.code === "MB6001")).toBe(true);
  try {
    const outputs = book.evaluate(valid).outputs;
    for (const value of Object.values(outputs))
      if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
  } catch (error) {
    expect((error as { code?: string }).code).toMatch(/^MB6\d{3}$/);
  }
  return checkMs;
}

describe(`scale fuzzer (${LONG ? "long" : "short"} run)`, () => {
  const timings: Timing[] = [];
  for (const [generator, make] of Object.entries(GENERATORS)) {
    it(
      generator,
      () => {
        for (const n of SIZES) {
          const source = make(n);
          const start = performance.now();
          const checkMs = runCase(source);
          const elapsed = performance.now() - start;
          expect(elapsed, `${generator} at ${n}: ${Math.round(elapsed)} ms`).toBeLessThan(CASE_MS);
          expect(process.memoryUsage().heapUsed).toBeLessThan(HEAP_BYTES);
          timings.push({ generator, n, chars: source.length, checkMs });
        }
      },
      CASE_MS * SIZES.length,
    );
  }

  it("ran every generator at every size (the long run prints check time against size: growth 2 per doubling is linear)", () => {
    expect(timings).toHaveLength(Object.keys(GENERATORS).length * SIZES.length);
    if (!LONG) return;
    const lines = [
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    ];
    for (const generator of Object.keys(GENERATORS)) {
      const rows = timings.filter((t) => t.generator === generator);
      const growth = rows.slice(1).map((r, i) => (r.checkMs / Math.max(rows[i]!.checkMs, 0.01)).toFixed(2));
      lines.push(
        `${generator}: ${rows.map((r) => `${r.chars} chars ${r.checkMs.toFixed(0)} ms`).join(", ")}; growth ${growth.join(" ")}`,
      );
    }
    console.log(lines.join("\n"));
  });
});
