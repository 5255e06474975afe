/**
 * `import`: a rulebook imported under a namespace computes exactly what it computes alone (random
 * rulebooks, every evaluator), imports by name, what the IR records of each import, the limits, and
 * what a host that cannot read the imported file (a browser) reports.
 */
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook, compileSource, memoryHost } from "../../src/service/language-service.js";
import { formatSource } from "../../src/syntax/format.js";
import { parseRulebook } from "../../src/syntax/parse.js";
import { hashJson } from "../../src/runtime/hash.js";
import { InputGenerator } from "../support/random-inputs.js";
import { protoSafeIr, randomRulebook, restoreProto, seededChooser } from "../support/random-rulebooks.js";

const HEADER = "version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT";

function compiled(files: Record<string, string>, file: string): IrRulebook {
  const result = compileSource(files[file]!, file, memoryHost(files));
  const errors = result.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.message}`);
  expect(errors, files[file]).toEqual([]);
  if (!result.ok) throw new Error("unreachable");
  return result.ir;
}

type Outcome = { ok: true; outputs: Record<string, unknown> } | { ok: false; code: string };

function attempt(run: () => Record<string, unknown>): Outcome {
  try {
    return { ok: true, outputs: run() };
  } catch (error) {
    if (error instanceof RuntimeError) return { ok: false, code: error.code };
    throw error;
  }
}

describe("a rulebook imported under a namespace", () => {
  it("computes what it computes alone, in every evaluator (random rulebooks)", () => {
    let evaluated = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const source = randomRulebook(seededChooser(seed * 7919));
      const header = parseRulebook(source, "r.margin").ast.header!;
      const field = (key: string) => header.fields.find((f) => f.key === key)?.value;
      const wrapper = [
        `rulebook "Wrapper" version 1.0.0 effective 2026-12-01T00:00:00Z currency ${field("currency")}`,
        `import "./r.margin" as r version ${field("version")}`,
      ].join("\n");
      const files = { "/b/r.margin": source, "/b/w.margin": wrapper };
      const alone = compiled(files, "/b/r.margin");
      const ir = compiled(files, "/b/w.margin");
      // The artifact, names qualified, passes the loader's schema.
      const book = loadArtifact(
        serializeArtifact(buildArtifact(ir, { source: wrapper, compiler: { version: "t" } })),
      );
      const code = compileEvaluator(ir);
      const generator = new InputGenerator(protoSafeIr(alone), seed);
      for (let i = 0; i < 15; i++) {
        const input = restoreProto(generator.next());
        const reference = attempt(() => evaluate(alone, input).outputs);
        const imported = attempt(() => evaluate(ir, input).outputs);
        for (const other of [
          attempt(() => code.evaluate(input)),
          attempt(() => book.evaluate(input, { explain: true }).outputs),
        ])
          expect(other, source).toEqual(imported);
        if (!reference.ok || !imported.ok) {
          expect(imported.ok ? "ok" : imported.code, source).toBe(reference.ok ? "ok" : reference.code);
          continue;
        }
        const expected = Object.fromEntries(Object.entries(reference.outputs).map(([k, v]) => [`r.${k}`, v]));
        expect(Object.keys(imported.outputs)).toEqual(Object.keys(expected));
        for (const [k, v] of Object.entries(expected))
          expect(Object.is(imported.outputs[k], v), k).toBe(true);
        evaluated++;
      }
    }
    expect(evaluated).toBeGreaterThan(60);
  });
});

const BOOK = `rulebook "Book" ${HEADER.replace("1.0.0", "2.1.0")}
enum Side { long, short }
input position { size: Quantity > 0, mark: Price > 0, side: Side }
param max_leverage: Number = 20
tiers brackets by notional: USDT, marginal {
  columns imr: Rate, mmr: Rate
  [0, 50_000)   1%  0.5%
  [50_000, inf) 2%  1%
}
fn capped(rate: Rate): Rate = max(rate, 1 / max_leverage)
let notional: USDT = position.size * position.mark
rule base { set im_rate = capped(brackets(notional).imr) }
output initial_margin: USDT = notional * im_rate round up to 0.01
`;

describe("imports by name and what the IR records", () => {
  const importer = `rulebook "Importer" ${HEADER}
import brackets, capped, max_leverage from "./book.margin" version 2.1.0
import "./book.margin" as book version 2.1.0
input account { notional: USDT > 0 }
output mm: USDT = brackets.margin(account.notional, mmr)
output rate: Rate = capped(brackets(account.notional).imr)
output theirs: USDT = book.initial_margin
`;
  const files = { "/p/book.margin": BOOK, "/p/importer.margin": importer };

  it("evaluates a table and a function imported by name, beside the same book under a namespace", () => {
    const ir = compiled(files, "/p/importer.margin");
    const input = { account: { notional: 60_000 }, position: { size: 1, mark: 60_000, side: "long" } };
    expect(evaluate(ir, input).outputs).toEqual({
      "book.initial_margin": 3000,
      mm: 250 + 100,
      rate: 0.05,
      theirs: 3000,
    });
    expect(compileEvaluator(ir).evaluate(input)).toEqual(evaluate(ir, input).outputs);
  });

  it("records each import with the hash of the imported rulebook's own IR", () => {
    const ir = compiled(files, "/p/importer.margin");
    const alone = compiled(files, "/p/book.margin");
    const hash = buildArtifact(alone, { source: BOOK, compiler: { version: "t" } }).irHash;
    expect(ir.meta.imports).toEqual([
      {
        path: "./book.margin",
        names: ["brackets", "capped", "max_leverage"],
        version: "2.1.0",
        irHash: hash,
      },
      { path: "./book.margin", as: "book", version: "2.1.0", irHash: hash },
    ]);
    expect(hashJson(JSON.parse(JSON.stringify(alone)))).toBe(hash);
  });

  it("formats import lines canonically, and formatting twice changes nothing", () => {
    const once = formatSource(importer.replace("import brackets,", "import   brackets ,")).text;
    expect(once).toContain('import brackets, capped, max_leverage from "./book.margin" version 2.1.0\n');
    expect(formatSource(once).text).toBe(once);
  });
});

describe("imports that cannot be followed", () => {
  it("a host without the file (the browser) reports it, and nothing else", () => {
    const source = `rulebook "Alone" ${HEADER}\nimport "./elsewhere.margin" as x version 1.0.0\noutput o: USDT = x.total * 2\n`;
    const result = checkRulebook(source, "/a/alone.margin", memoryHost({}));
    expect(result.diagnostics.map((d) => d.code)).toEqual(["MB2031"]);
  });

  it("a cycle through imports and extends is reported with its chain", () => {
    const files = {
      "/c/a.margin": `rulebook "A" ${HEADER}\nimport "./b.margin" as b version 1.0.0\ninput p { x: USDT }\noutput o: USDT = p.x\n`,
      "/c/b.margin": `rulebook "B" ${HEADER} extends "./a.margin"\n`,
    };
    const result = checkRulebook(files["/c/a.margin"], "/c/a.margin", memoryHost(files));
    const cycle = result.diagnostics.find((d) => d.code === "MB2030");
    expect(cycle?.message).toBe(
      "rulebook `a.margin` imports itself through a.margin -> ./b.margin -> a.margin",
    );
  });
});
