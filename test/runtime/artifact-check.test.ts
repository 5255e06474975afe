/**
 * The artifact validator (`src/runtime/artifact-check.ts`) against ajv, the reference JSON Schema
 * validator, compiled from the same schema with the options the runtime used before (strict numbers,
 * own properties, discriminated unions): the same verdict on the artifacts of every bundled rulebook
 * and of random rulebooks, and on random corruptions of them (a value replaced by one of another
 * type, out of range or carrying code; a property removed or added; a tag changed). Every refusal
 * comes with at least one problem, each with a JSON pointer into the artifact.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { buildArtifact, type CompiledArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { artifactJsonSchema } from "../../src/runtime/artifact-schema.js";
import { schemaValidator } from "../../src/runtime/artifact-check.js";
import { canonicalJson } from "../../src/runtime/hash.js";
import { canonicalJsonOfParsed } from "../../src/runtime/loader.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import { bundledRulebooks, compileArtifact } from "../support/rulebooks.js";

const ajv = new Ajv2020({
  allErrors: true,
  discriminator: true,
  ownProperties: true,
  strict: true,
  strictTypes: false,
  strictNumbers: true,
});
const reference: ValidateFunction = ajv.compile(artifactJsonSchema);
const ours = schemaValidator(artifactJsonSchema);

/** A small deterministic generator (xorshift), so that a failure names its seed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Replacement values: other types, edges of ranges, names carrying code, hostile keys. */
const VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  1e300,
  "",
  "x",
  'x"]; globalThis.__pwned = 1; //',
  "1.5",
  "x".repeat(5000),
  [],
  [1],
  {},
  { k: "const", v: 1 },
  { kind: "number", unit: "USDT" },
  "sha256:" + "0".repeat(64),
];
const KEYS = ["extra", "__proto__", "constructor", "toString", "k", "kind", "v", "unit", "site"];

/** Every (container, key) pair in a JSON value: the places a corruption can hit. */
function places(value: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const result: [Record<string, unknown> | unknown[], string | number][] = [];
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== "object") continue;
    if (Array.isArray(current)) current.forEach((item, i) => (result.push([current, i]), pending.push(item)));
    else
      for (const [key, item] of Object.entries(current)) {
        result.push([current as Record<string, unknown>, key]);
        pending.push(item);
      }
  }
  return result;
}

/** One random corruption of a copy of `artifact`. */
function corrupt(artifact: CompiledArtifact, next: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(artifact)) as unknown;
  const all = places(copy);
  const [container, key] = all[Math.floor(next() * all.length)]!;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const action = next();
  if (Array.isArray(container)) {
    if (action < 0.2) container.splice(key as number, 1);
    else if (action < 0.3) container.push(pick(VALUES));
    else container[key as number] = pick(VALUES);
  } else if (action < 0.25) delete container[key as string];
  else if (action < 0.45)
    Object.defineProperty(container, pick(KEYS), {
      value: pick(VALUES),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else if (action < 0.6 && typeof container[key as string] === "string")
    container[key as string] = pick(["const", "number", "list", "agg", "rule", "sum", "neg", "let", "Rate"]);
  else container[key as string] = pick(VALUES);
  // Through JSON text, as artifacts arrive (a `__proto__` key stays an own property).
  return JSON.parse(JSON.stringify(copy));
}

function expectSameVerdict(value: unknown, what: string): void {
  const expected = reference(value);
  expect(ours.validate(value), `${what}: ${JSON.stringify(reference.errors?.slice(0, 3))}`).toBe(expected);
  const problems = ours.problems(value);
  expect(problems.length === 0, what).toBe(expected);
  for (const p of problems) expect(p.instancePath, what).toMatch(/^(\/[^/]*)*$/);
}

function randomArtifacts(count: number): CompiledArtifact[] {
  const artifacts: CompiledArtifact[] = [];
  for (let seed = 1; artifacts.length < count && seed < count * 4; seed++) {
    const source = randomRulebook(seededChooser(seed));
    const checked = checkRulebook(source, "random.margin");
    if (checked.diagnostics.some((d) => d.severity === "error")) continue;
    const ir = lowerRulebook(checked.checked, { source: () => source });
    artifacts.push(buildArtifact(ir, { source, compiler: { version: "test" } }));
  }
  return artifacts;
}

describe("the artifact validator agrees with ajv", () => {
  const bundled = bundledRulebooks().map((file) => [file, compileArtifact(file)] as const);
  const generated = randomArtifacts(12).map((a, i) => [`random rulebook ${i}`, a] as const);
  const artifacts = [...bundled, ...generated];

  it("accepts the artifact of every bundled rulebook and of random rulebooks", () => {
    expect(artifacts.length).toBeGreaterThan(20);
    for (const [what, artifact] of artifacts) {
      expect(reference(artifact), what).toBe(true);
      expect(ours.validate(artifact), what).toBe(true);
      expect(ours.problems(artifact), what).toEqual([]);
    }
  });

  it("gives ajv's verdict on random corruptions of them", () => {
    const runs = fuzzRuns(40, 400);
    let refused = 0;
    artifacts.forEach(([what, artifact], i) => {
      const next = random(20261207 + i);
      for (let run = 0; run < runs; run++) {
        const value = corrupt(artifact, next);
        expectSameVerdict(value, `${what}, corruption ${run}`);
        if (!reference(value)) refused++;
      }
    });
    // Most corruptions break the schema; some (a text for a text) do not: both kinds are covered.
    expect(refused).toBeGreaterThan(artifacts.length * runs * 0.3);
    expect(refused).toBeLessThan(artifacts.length * runs);
  });

  it("reports each problem at its place, in ajv's words", () => {
    const artifact = JSON.parse(JSON.stringify(compileArtifact("rules/binance-btcusdt-perp.margin"))) as {
      ir: { steps: { kind: string; site?: unknown }[]; tables: { rows: { lower: unknown }[] }[] };
    } & Record<string, unknown>;
    artifact["extra"] = 1;
    artifact.ir.steps[0]!.site = -1;
    artifact.ir.tables[0]!.rows[0]!.lower = "0";
    artifact.ir.steps[1]!.kind = "eval";
    expect(ours.problems(artifact).map((p) => `${p.instancePath || "/"} ${p.message}`)).toEqual([
      "/ must NOT have additional properties",
      "/ir/tables/0/rows/0/lower must be number",
      "/ir/steps/0/site must be >= 0",
      '/ir/steps/1/kind value of tag "kind" must be in oneOf',
    ]);
    expect(reference(artifact)).toBe(false);
  });

  it("the loader's canonical JSON of a parsed IR (native JSON.stringify, sorted keys) is canonicalJson's", () => {
    for (const [what, artifact] of artifacts) {
      const parsed = JSON.parse(JSON.stringify(artifact.ir)) as unknown;
      expect(canonicalJsonOfParsed(parsed), what).toBe(canonicalJson(parsed));
    }
    const hostile = JSON.parse(
      '{"b":[1,-0,1e300,"\\u2028",{"__proto__":{"z":null,"a":false}}],"a":{"constructor":1,"é":2,"Z":3,"":[]}}',
    ) as unknown;
    expect(canonicalJsonOfParsed(hostile)).toBe(canonicalJson(hostile));
    expect(canonicalJsonOfParsed(hostile)).toContain('"__proto__":{"a":false,"z":null}');
  });

  it("refuses a schema keyword it does not implement, rather than ignoring it", () => {
    expect(() => schemaValidator({ type: "string", format: "date-time" })).toThrow(
      /unsupported keyword format/,
    );
  });
});
