/**
 * Input validation: the JSON Schema derived from a rulebook's inputs, one clear message per problem
 * with its path, hostile inputs that must never crash it, and the hashing artifacts rely on.
 */
import { createHash } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { artifactJsonSchema } from "../../src/runtime/artifact-schema.js";
import { canonicalJson, sha256Hex, sha256HexPortable } from "../../src/runtime/hash.js";
import {
  createInputValidator,
  inputJsonSchema,
  validateBatch,
  validateInput,
} from "../../src/runtime/input-schema.js";
import { InputGenerator, prng } from "../support/random-inputs.js";
import { bundledRulebooks, compileIr } from "../support/rulebooks.js";

const binance = compileIr("rules/binance-btcusdt-perp.margin");
const span = compileIr("rules/span-sp500.margin");
const deribit = compileIr("rules/deribit-options-pm.margin");
const valid = {
  position: { size: 109.488, mark: 31967.27, side: "long" },
  market: { vol_30d: 0.5, adv: 2e9 },
};

/** The messages for an input that differs from `valid` in the given fields. */
function messages(
  change: (input: { position: Record<string, unknown>; market: Record<string, unknown> }) => void,
  ir = binance,
): string[] {
  const input = JSON.parse(JSON.stringify(valid)) as {
    position: Record<string, unknown>;
    market: Record<string, unknown>;
  };
  change(input);
  return validateInput(ir, input).errors.map((e) => e.message);
}

describe("the input schema", () => {
  it("derives records, required fields, enums and domains", () => {
    const schema = inputJsonSchema(binance);
    expect(schema["required"]).toEqual(["position", "market"]);
    expect(schema["additionalProperties"]).toBe(false);
    const defs = schema["$defs"] as Record<string, Record<string, unknown>>;
    expect(defs["enum.Side"]).toMatchObject({ type: "string", enum: ["long", "short"] });
    expect(defs["record.position"]).toMatchObject({
      type: "object",
      required: ["size", "mark", "side"],
      additionalProperties: false,
      properties: { size: { type: "number", exclusiveMinimum: 0 }, side: { $ref: "#/$defs/enum.Side" } },
    });
    expect((defs["record.market"]!["properties"] as Record<string, unknown>)["vol_30d"]).toMatchObject({
      minimum: 0,
      maximum: 5,
    });
  });

  it("is standard JSON Schema 2020-12 that another validator reads the same way", () => {
    const other = new Ajv2020({ strict: false, allErrors: true });
    const validate = other.compile(inputJsonSchema(binance));
    expect(validate(valid)).toBe(true);
    expect(validate({ ...valid, position: { ...valid.position, size: 0 } })).toBe(false);
    expect(new Ajv2020({ strict: false }).validateSchema(artifactJsonSchema)).toBe(true);
  });

  it("turns timestamps into ISO 8601 strings and lists into arrays", () => {
    const defs = inputJsonSchema(deribit)["$defs"] as Record<string, Record<string, Record<string, unknown>>>;
    expect(defs["record.market"]!["properties"]!["now"]).toMatchObject({
      type: "string",
      format: "date-time",
    });
    expect(defs["record.Account"]!["properties"]!["positions"]).toMatchObject({
      type: "array",
      items: { $ref: "#/$defs/record.OptionPosition" },
    });
  });

  it("accepts random valid inputs of every bundled rulebook", () => {
    for (const file of bundledRulebooks()) {
      const ir = compileIr(file);
      const generator = new InputGenerator(ir, 3);
      for (let i = 0; i < 300; i++) {
        const input = generator.next();
        expect(validateInput(ir, input).errors, `${file}: ${JSON.stringify(input)}`).toEqual([]);
      }
    }
  });
});

describe("one clear message per problem, with its path", () => {
  it("a missing field", () => {
    expect(messages((i) => delete i.position["mark"])).toEqual(['/position: missing field "mark"']);
    expect(
      validateInput(binance, { position: valid.position }).errors.map((e) => [e.path, e.message]),
    ).toEqual([["/market", 'missing input "market"']]);
  });

  it("a wrong type, a string where a number belongs", () => {
    expect(messages((i) => (i.market["vol_30d"] = "high"))).toEqual([
      '/market/vol_30d must be a number, not "high"',
    ]);
    expect(messages((i) => (i.position["size"] = "109.488"))).toEqual([
      '/position/size must be a number, not "109.488"',
    ]);
    expect(messages((i) => (i.position = [] as unknown as Record<string, unknown>))).toEqual([
      "/position must be an object (a position record), not a list (0 items)",
    ]);
  });

  it("a negative size, and values outside other domains", () => {
    expect(messages((i) => (i.position["size"] = -5))).toEqual(["/position/size must be > 0, not -5"]);
    expect(messages((i) => (i.position["size"] = 0))).toEqual(["/position/size must be > 0, not 0"]);
    expect(messages((i) => (i.market["vol_30d"] = 6))).toEqual([
      "/market/vol_30d must be <= 5 (500%), not 6",
    ]);
  });

  it("NaN and Infinity, which JSON cannot carry but JavaScript objects can", () => {
    expect(messages((i) => (i.position["mark"] = NaN))).toEqual([
      "/position/mark must be a finite number, not NaN",
    ]);
    expect(messages((i) => (i.market["adv"] = Infinity))).toEqual([
      "/market/adv must be a finite number, not Infinity",
    ]);
    expect(messages((i) => (i.market["vol_30d"] = -Infinity))).toEqual([
      "/market/vol_30d must be a finite number, not -Infinity",
    ]);
  });

  it("an unknown enum member, an unknown field (with a suggestion), several problems at once", () => {
    expect(messages((i) => (i.position["side"] = "flat"))).toEqual([
      '/position/side must be one of long, short, not "flat"',
    ]);
    expect(messages((i) => (i.market["vol30d"] = 0.5))).toEqual([
      '/market: unknown field "vol30d": did you mean "vol_30d"?',
    ]);
    const all = messages((i) => {
      delete i.position["mark"];
      i.position["size"] = -1;
      i.market["vol_30d"] = "high";
      i.market["adv"] = NaN;
    });
    expect(all).toEqual([
      '/position: missing field "mark"',
      "/position/size must be > 0, not -1",
      '/market/vol_30d must be a number, not "high"',
      "/market/adv must be a finite number, not NaN",
    ]);
  });

  it("timestamps and list items", () => {
    const input = {
      account: {
        positions: [
          { kind: "call", strike: 60000, expiry: "2026-13-45T00:00:00Z", quantity: 1, mark_vol: 0.6 },
          { kind: "call", strike: -1, expiry: "tomorrow", quantity: 1, mark_vol: 0.6 },
        ],
      },
      market: { now: "2026-03-01T08:00:00Z", forward: 60000 },
    };
    expect(validateInput(deribit, input).errors.map((e) => e.message)).toEqual([
      '/account/positions/0/expiry must be an ISO 8601 timestamp such as "2026-01-01T00:00:00Z", not "2026-13-45T00:00:00Z"',
      "/account/positions/1/strike must be > 0, not -1",
      '/account/positions/1/expiry must be an ISO 8601 timestamp such as "2026-01-01T00:00:00Z", not "tomorrow"',
    ]);
  });

  it("the input itself, and batches (each problem with its input's index)", () => {
    expect(validateInput(binance, 42).errors.map((e) => e.message)).toEqual([
      "the input must be an object with the inputs position, market, not 42",
    ]);
    expect(validateInput(binance, null).valid).toBe(false);
    const batch = validateBatch(binance, [
      valid,
      { ...valid, position: { ...valid.position, size: -1 } },
      valid,
    ]);
    expect(batch.valid).toBe(false);
    expect(batch.errors.map((e) => [e.index, e.path])).toEqual([[1, "/position/size"]]);
  });
});

describe("hostile inputs never crash validation", () => {
  it("__proto__ and Object.prototype names are just unknown (or missing) fields", () => {
    const proto = JSON.parse(
      '{"position": {"size": 1, "mark": 2, "side": "long", "__proto__": {"polluted": 1}}, "market": {"vol_30d": 0.5, "adv": 1}}',
    ) as unknown;
    expect(validateInput(binance, proto).errors.map((e) => e.message)).toEqual([
      '/position: unknown field "__proto__" (the fields are size, mark, side)',
    ]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    const inherited = {
      position: Object.create({ size: 1, mark: 2, side: "long" }) as object,
      market: valid.market,
    };
    expect(validateInput(binance, inherited).errors.map((e) => e.message)).toContain(
      '/position: missing field "size"',
    );
  });

  it("huge lists are refused with one message; deep or cyclic values where a number belongs are described, not walked", () => {
    const many = {
      account: {
        positions: Array.from({ length: 100_001 }, () => ({
          contract: "x",
          underlying: "SP",
          quantity: 1,
          risk: [],
        })),
      },
    };
    const errors = validateInput(span, many).errors;
    expect(errors.map((e) => e.message)).toEqual([
      "/account/positions has 100001 items: at most 100000 are accepted",
    ]);
    // Two million bad items: refused by their count alone, without describing each of them.
    const garbage = { account: { positions: new Array(2_000_000).fill("x") } };
    expect(validateInput(span, garbage).errors.map((e) => e.kind)).toEqual(["too-large"]);
    const nested = {
      account: {
        positions: [{ contract: "x", underlying: "SP", quantity: 1, risk: new Array(100_001).fill(0) }],
      },
    };
    expect(validateInput(span, nested).errors.map((e) => e.path)).toEqual(["/account/positions/0/risk"]);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(messages((i) => (i.position["size"] = deep))).toEqual([
      "/position/size must be a number, not a list (1 items)",
    ]);
    expect(messages((i) => (i.market["adv"] = cyclic))).toEqual([
      "/market/adv must be a number, not an object",
    ]);
  });

  it("many problems are capped, with a count of the rest", () => {
    const bad = {
      account: {
        positions: Array.from({ length: 500 }, () => ({
          contract: 1,
          underlying: "SP",
          quantity: "x",
          risk: [],
        })),
      },
    };
    const errors = validateInput(span, bad).errors;
    expect(errors).toHaveLength(101);
    expect(errors[100]!.message).toBe("... and 900 more problems");
    expect(createInputValidator(span, { maxErrors: 3 }).validate(bad).errors).toHaveLength(4);
  });

  it("getters that throw and revoked proxies are reported, not thrown", () => {
    const trap = {
      position: {
        get size(): number {
          throw new Error("boom");
        },
        mark: 1,
        side: "long",
      },
      market: valid.market,
    };
    expect(validateInput(binance, trap).errors.map((e) => e.message)).toEqual([
      "the input could not be read: boom",
    ]);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(validateInput(binance, { position: proxy, market: valid.market }).errors[0]!.kind).toBe(
      "unreadable",
    );
    expect(
      validateInput(binance, {
        position: { size: 10n, mark: 1, side: "long" },
        market: valid.market,
      }).errors.map((e) => e.message),
    ).toEqual(["/position/size must be a number, not 10n"]);
  });
});

describe("hashing", () => {
  it("sha256 matches node:crypto on inputs of every length around the block boundaries", () => {
    const random = prng(5);
    for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 65_537]) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      const expected = createHash("sha256").update(bytes).digest("hex");
      expect(sha256HexPortable(bytes), `length ${length}`).toBe(expected);
      expect(sha256Hex(bytes), `length ${length}`).toBe(expected);
    }
    expect(sha256HexPortable(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("canonical JSON sorts keys, drops undefined like JSON does, and refuses NaN", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined, d: { z: 0.1, y: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":0,"z":0.1}}',
    );
    expect(() => canonicalJson({ x: NaN })).toThrow(TypeError);
  });
});
