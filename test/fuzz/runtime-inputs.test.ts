/**
 * Runtime input hardening: whatever an engine is handed as an input (random JSON of every shape,
 * wrong types, NaN and Infinity, huge numbers, huge lists, deep nesting, `__proto__`, `constructor`
 * and `prototype` keys as own properties), validation answers with coded problems (MB6001, each
 * with a JSON pointer), `evaluate` throws only `InputValidationError` or `RuntimeError`, outputs are
 * never NaN or Infinity, nothing crashes, the input is left as it was, and no prototype changes.
 *
 * Property tests run on bundled rulebooks and on test/support/random-rulebooks.ts's
 * `HOSTILE_RULEBOOK` (whose inputs and fields are named `__proto__`, `constructor`, ...); example
 * tests cover each hostile case of issue 7 by name. CI runs a fixed seed and a bounded number of
 * runs; `npm run fuzz` runs many more (`FUZZ_RUNS=<n> FUZZ_SEED=<seed>`).
 */
import { fuzzRuns } from "../support/fuzz-runs.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import {
  InputValidationError,
  RuntimeError,
  rulebookFromIr,
  type LoadedRulebook,
} from "../../src/runtime/index.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";
import { HOSTILE_RULEBOOK, protoSafeIr, restoreProto } from "../support/random-rulebooks.js";
import { compileIr } from "../support/rulebooks.js";

const runs = fuzzRuns(60, 300);
const seed = Number(process.env["FUZZ_SEED"] ?? 20261130);
const settings = { numRuns: runs, seed, endOnFailure: true };
const timeout = 60_000 + runs * 100;

function hostileIr(): IrRulebook {
  const checked = checkRulebook(HOSTILE_RULEBOOK, "hostile.margin");
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return lowerRulebook(checked.checked, { source: () => HOSTILE_RULEBOOK });
}

const books: { name: string; book: LoadedRulebook; valid: () => Record<string, unknown> }[] = [
  ["binance", compileIr("rules/binance-btcusdt-perp.margin")],
  ["span (lists)", compileIr("rules/span-sp500.margin")],
  ["deribit (timestamps)", compileIr("rules/deribit-options-pm.margin")],
  ["hostile names", hostileIr()],
].map(([name, ir]) => {
  const generator = new InputGenerator(protoSafeIr(ir as IrRulebook), 17);
  return {
    name: name as string,
    book: rulebookFromIr(ir as IrRulebook),
    valid: () => restoreProto(generator.next()) as Record<string, unknown>,
  };
});

// ---- what must hold after any input ----

type PrototypeState = [string | symbol, unknown, unknown, unknown][];

/** Every own property of a prototype, by identity of its value or accessors. */
function stateOf(object: object): PrototypeState {
  return Reflect.ownKeys(object).map((key) => {
    const d = Object.getOwnPropertyDescriptor(object, key)!;
    return [key, d.value, d.get, d.set];
  });
}

const pristine = {
  object: stateOf(Object.prototype),
  array: stateOf(Array.prototype),
  fn: stateOf(Function.prototype),
};

/** No prototype was polluted, changed or replaced. */
function expectNoPollution(): void {
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(stateOf(Object.prototype)).toEqual(pristine.object);
  expect(stateOf(Array.prototype)).toEqual(pristine.array);
  expect(stateOf(Function.prototype)).toEqual(pristine.fn);
}

const KINDS = new Set([
  "missing",
  "unknown",
  "type",
  "not-finite",
  "enum",
  "range",
  "timestamp",
  "too-large",
  "unreadable",
  "too-many",
]);

/** A JSON text of a value, or undefined when it has none (to check that nothing changed the input). */
function textOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Validates and evaluates one input in every way an engine can, and checks the answers: coded
 * problems with JSON pointers, only `InputValidationError` and `RuntimeError` thrown, finite
 * outputs, batch outcomes as values, the input unchanged, no prototype touched.
 */
function holds(
  book: LoadedRulebook,
  input: unknown,
): { valid: boolean; outcome: "outputs" | "invalid" | "runtime-error" } {
  const before = textOf(input);
  const validation = book.validate(input);
  expect(typeof validation.valid).toBe("boolean");
  expect(validation.valid).toBe(validation.errors.length === 0);
  for (const error of validation.errors) {
    expect(error.code).toBe("MB6001");
    expect(error.path === "" || error.path.startsWith("/")).toBe(true);
    expect(typeof error.message).toBe("string");
    expect(error.message.length).toBeGreaterThan(0);
    expect(KINDS.has(error.kind)).toBe(true);
  }
  expect(validation.errors.length).toBeLessThanOrEqual(101);
  let outcome: "outputs" | "invalid" | "runtime-error";
  try {
    const { outputs } = book.evaluate(input);
    expect(validation.valid).toBe(true);
    for (const value of Object.values(outputs)) {
      if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
      else expect(["string", "boolean"]).toContain(typeof value);
    }
    outcome = "outputs";
  } catch (error) {
    if (error instanceof InputValidationError) {
      expect(validation.valid).toBe(false);
      expect(error.code).toBe("MB6001");
      expect(error.errors).toEqual(validation.errors);
      outcome = "invalid";
    } else if (error instanceof RuntimeError) {
      expect(validation.valid).toBe(true);
      expect(error.code).toMatch(/^MB60(0[2-9]|1[01])$/);
      outcome = "runtime-error";
    } else {
      throw error;
    }
  }
  const [batch] = book.evaluateBatch([input]);
  expect(batch!.ok).toBe(outcome === "outputs");
  if (!batch!.ok) expect(batch!.error.code).toMatch(/^MB60\d\d$/);
  const twice = book.validateBatch([input, input]);
  expect(twice.errors.length).toBe(2 * validation.errors.length);
  expect(textOf(input)).toBe(before);
  expectNoPollution();
  return { valid: validation.valid, outcome };
}

// ---- hostile values ----

/** Keys an attacker tries, next to the ones the rulebook really uses. */
const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "polluted",
  "then",
  "toJSON",
  "length",
  "0",
  "",
];

/** Names of the inputs and fields of a rulebook, so that random objects look almost right. */
function namesOf(book: LoadedRulebook): string[] {
  const names = new Set<string>(book.ir.schema.inputs.map((i) => i.name));
  for (const record of Object.values(book.ir.schema.records))
    for (const field of record.fields) names.add(field.name);
  return [...names];
}

/** A JSON tree whose objects are entry lists, so that any key (`__proto__` included) survives. */
type Tree = null | boolean | number | string | Tree[] | { entries: [string, Tree][] };

function treeArbitrary(keys: readonly string[]): fc.Arbitrary<Tree> {
  const leaf: fc.Arbitrary<Tree> = fc.oneof(
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1,
      0.5,
      1e308,
      -1e308,
      5e-324,
      Number.MAX_SAFE_INTEGER + 2,
      1e21,
      "",
      "long",
      "short",
      "call",
      "2026-01-01T00:00:00Z",
      "2026-13-45T99:99:99Z",
      "__proto__",
      "constructor",
    ),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: "binary", maxLength: 12 }),
  );
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("tree"), { maxLength: 4 }),
      fc.record({
        entries: fc.array(
          fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })), tie("tree")),
          { maxLength: 5 },
        ),
      }),
    ),
  }));
  return tree;
}

/** The JSON text of a tree; `JSON.parse` of it makes every key, `__proto__` too, an own property. */
function treeText(tree: Tree): string {
  if (tree === null || typeof tree !== "object") return JSON.stringify(tree);
  if (Array.isArray(tree)) return `[${tree.map(treeText).join(",")}]`;
  return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${treeText(v)}`).join(",")}}`;
}

describe("random inputs of every shape give coded errors, never a crash or a polluted prototype", () => {
  for (const { name, book, valid } of books) {
    it(
      `any JSON value (${name}, ${runs} runs)`,
      () => {
        fc.assert(
          fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => void holds(book, value)),
          settings,
        );
      },
      timeout,
    );

    it(
      `any JavaScript value: boxed values, maps, sets, sparse arrays, typed arrays, null prototypes (${name}, ${runs} runs)`,
      () => {
        const anything = fc.anything({
          maxDepth: 4,
          key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS, ...namesOf(book)), fc.string({ maxLength: 4 })),
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withBigInt: true,
          withDate: true,
          withUnicodeString: true,
        });
        fc.assert(
          fc.property(anything, (value) => void holds(book, value)),
          settings,
        );
      },
      timeout,
    );

    it(
      `JSON texts with the rulebook's own names and __proto__ / constructor keys (${name}, ${runs} runs)`,
      () => {
        fc.assert(
          fc.property(
            treeArbitrary([...HOSTILE_KEYS, ...namesOf(book)]),
            (tree) => void holds(book, JSON.parse(treeText(tree))),
          ),
          settings,
        );
      },
      timeout,
    );

    it(
      `valid inputs with one part replaced by a hostile value (${name}, ${runs} runs)`,
      () => {
        const outcomes = new Set<string>();
        fc.assert(
          fc.property(
            fc.nat(),
            fc.nat(),
            fc.constantFrom(...hostileValues()),
            (pathChoice, keyChoice, hostile) => {
              const input = valid();
              mutate(input, pathChoice, keyChoice, hostile);
              outcomes.add(holds(book, input).outcome);
            },
          ),
          settings,
        );
        expect(outcomes.has("invalid")).toBe(true);
      },
      timeout,
    );
  }

  it(
    "valid inputs evaluate: outputs or a coded runtime error, never NaN or Infinity",
    { timeout: 60_000 },
    () => {
      for (const { book, valid } of books) {
        const seen = new Set<string>();
        for (let i = 0; i < 200; i++) seen.add(holds(book, valid()).outcome);
        expect(seen.has("outputs")).toBe(true);
        expect(seen.has("invalid")).toBe(false);
      }
    },
  );
});

/** Values that are wrong, extreme or hostile somewhere in an input. */
function hostileValues(): { label: string; make: () => unknown }[] {
  const deep = (n: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < n; i++) value = i % 2 === 0 ? { a: value } : [value];
    return value;
  };
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return [
    { label: "NaN", make: () => NaN },
    { label: "Infinity", make: () => Infinity },
    { label: "-Infinity", make: () => -Infinity },
    { label: "-0", make: () => -0 },
    { label: "1e308", make: () => 1e308 },
    { label: "-1e308", make: () => -1e308 },
    { label: "5e-324", make: () => 5e-324 },
    { label: "2^53 + 2", make: () => 2 ** 53 + 2 },
    { label: "a numeric string", make: () => "109.488" },
    { label: "a long string", make: () => "x".repeat(100_000) },
    { label: "null", make: () => null },
    { label: "undefined", make: () => undefined },
    { label: "true", make: () => true },
    { label: "an empty object", make: () => ({}) },
    { label: "an empty list", make: () => [] },
    { label: "a huge list", make: () => new Array(200_000).fill(1) },
    { label: "a list of objects", make: () => Array.from({ length: 1000 }, () => ({ x: 1 })) },
    { label: "deep nesting", make: () => deep(2000) },
    {
      label: "a cycle",
      make: () => {
        const o: Record<string, unknown> = {};
        o["self"] = o;
        return o;
      },
    },
    { label: "a __proto__ key", make: () => JSON.parse('{"__proto__": {"polluted": 1}}') as unknown },
    {
      label: "a constructor key",
      make: () => JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}') as unknown,
    },
    { label: "a null-prototype object", make: () => Object.create(null) as unknown },
    {
      label: "an object inheriting the fields",
      make: () => Object.create({ size: 1, mark: 1, side: "long" }) as unknown,
    },
    { label: "a boxed number", make: () => new Number(5) },
    { label: "a bigint", make: () => 10n },
    { label: "a symbol", make: () => Symbol("x") },
    { label: "a function", make: () => () => 1 },
    { label: "a date", make: () => new Date(0) },
    { label: "a map", make: () => new Map([["size", 1]]) },
    { label: "a typed array", make: () => new Float64Array([NaN, Infinity]) },
    { label: "a sparse list", make: () => [, 1] as unknown },
    {
      label: "a getter that throws",
      make: () => ({
        get size(): number {
          throw new Error("boom");
        },
      }),
    },
    { label: "a revoked proxy", make: () => proxy },
    { label: "a timestamp out of range", make: () => "9999-12-31T23:59:60Z" },
    { label: "an invalid date", make: () => "2026-02-30T00:00:00Z" },
  ];
}

/**
 * Replaces one value of `input` (a leaf or a whole record, chosen by `pathChoice`) by a hostile one,
 * or adds a hostile key next to it (`keyChoice` odd), or deletes it (`keyChoice % 7 === 0`).
 */
function mutate(
  input: Record<string, unknown>,
  pathChoice: number,
  keyChoice: number,
  hostile: { make: () => unknown },
): void {
  const places: { holder: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== "object") return;
    for (const key of Object.keys(value)) {
      places.push({
        holder: value as Record<string, unknown>,
        key: Array.isArray(value) ? Number(key) : key,
      });
      walk((value as Record<string, unknown>)[key]);
    }
  };
  walk(input);
  if (places.length === 0) return;
  const { holder, key } = places[pathChoice % places.length]!;
  if (keyChoice % 7 === 0) {
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key as string];
  } else if (keyChoice % 2 === 1 && !Array.isArray(holder)) {
    const name = HOSTILE_KEYS[keyChoice % HOSTILE_KEYS.length]!;
    Object.defineProperty(holder, name, {
      value: hostile.make(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    Object.defineProperty(holder, key, {
      value: hostile.make(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

describe("each hostile input of issue 7, by name", () => {
  const binance = books[0]!.book;
  const span = books[1]!.book;
  const hostile = books[3]!.book;
  const valid = {
    position: { size: 109.488, mark: 31967.27, side: "long" },
    market: { vol_30d: 0.5, adv: 2e9 },
  };
  const errorsOf = (book: LoadedRulebook, input: unknown): string[] => {
    holds(book, input);
    return book.validate(input).errors.map((e) => `${e.path} ${e.kind}`);
  };

  it("wrong types, at the top and in every field", () => {
    for (const top of [null, 42, "input", true, [], [valid]])
      expect(errorsOf(binance, top)).toEqual([" type"]);
    expect(
      errorsOf(binance, { ...valid, position: { ...valid.position, size: "1", side: 1, mark: {} } }),
    ).toEqual(["/position/size type", "/position/mark type", "/position/side type"]);
  });

  it("NaN, Infinity and -Infinity are not finite numbers", () => {
    for (const bad of [NaN, Infinity, -Infinity])
      expect(errorsOf(binance, { ...valid, market: { ...valid.market, adv: bad } })).toEqual([
        "/market/adv not-finite",
      ]);
  });

  it("huge numbers are valid and end in outputs or a coded runtime error (MB6011 for an overflow: the let `notional`)", () => {
    const huge = { ...valid, position: { ...valid.position, size: 1e308, mark: 1e308 } };
    expect(holds(binance, huge)).toEqual({ valid: true, outcome: "runtime-error" });
    expect(() => binance.evaluate(huge)).toThrow(expect.objectContaining({ code: "MB6011" }));
    expect(
      holds(binance, { ...valid, position: { ...valid.position, size: 5e-324, mark: 5e-324 } }).valid,
    ).toBe(true);
    expect(holds(binance, { ...valid, position: { ...valid.position, size: 2 ** 53 + 2 } }).valid).toBe(true);
  });

  it(
    "huge lists are refused by their length, in one message, before their items are read",
    { timeout: 60_000 },
    () => {
      const many = { account: { positions: new Array(2_000_000).fill({ contract: 1 }) } };
      const started = performance.now();
      expect(span.validate(many).errors.map((e) => e.kind)).toEqual(["too-large"]);
      expect(span.validateBatch([many, many]).errors.map((e) => `${e.index} ${e.kind}`)).toEqual([
        "0 too-large",
        "1 too-large",
      ]);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(errorsOf(span, many)).toEqual(["/account/positions too-large"]);
      const items = JSON.parse(
        `{"__proto__": {"constructor": 1, "valueOf": 1}, "process": {"items": [${new Array(100_001).fill('{"__proto__": 1, "when_": "2026-01-01T00:00:00Z"}').join(",")}]}}`,
      ) as unknown;
      expect(errorsOf(hostile, items)).toEqual(["/process/items too-large"]);
    },
  );

  it("deep nesting, where a record, a number or a list belongs", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { position: deep };
    expect(errorsOf(binance, deep).sort()).toEqual([
      "/market missing",
      "/position/mark missing",
      "/position/position unknown",
      "/position/side missing",
      "/position/size missing",
    ]);
    expect(errorsOf(binance, { ...valid, position: { ...valid.position, size: deep } })).toEqual([
      "/position/size type",
    ]);
    let lists: unknown = [];
    for (let i = 0; i < 100_000; i++) lists = [lists];
    expect(
      errorsOf(span, {
        account: { positions: [{ contract: "x", underlying: "SP", quantity: 1, risk: lists }] },
      }),
    ).toEqual(["/account/positions/0/risk/0 type"]);
  });

  it("__proto__ keys are unknown fields where the rulebook has none, and real fields where it has one", () => {
    const attack = JSON.parse(
      '{"__proto__": {"polluted": 1}, "position": {"size": 1, "mark": 2, "side": "long", "__proto__": {"polluted": 1}}, "market": {"vol_30d": 0.5, "adv": 1}}',
    ) as unknown;
    expect(errorsOf(binance, attack)).toEqual(["/__proto__ unknown", "/position/__proto__ unknown"]);
    const own = JSON.parse(
      '{"__proto__": {"constructor": 2, "valueOf": 3}, "process": {"items": [{"__proto__": 5, "when_": "2026-01-01T00:00:00Z"}]}}',
    ) as unknown;
    expect(holds(hostile, own)).toEqual({ valid: true, outcome: "outputs" });
    expect(hostile.evaluate(own).outputs["evaluate"]).toBe(5 * 7 + 5);
    const wrong = JSON.parse(
      '{"__proto__": {"constructor": 2, "valueOf": 3}, "process": {"items": [{"__proto__": {"polluted": 1}, "when_": "2026-01-01T00:00:00Z"}]}}',
    ) as unknown;
    expect(errorsOf(hostile, wrong)).toEqual(["/process/items/0/__proto__ type"]);
  });

  it("constructor and prototype keys are unknown fields, or real ones, never a way to the prototype", () => {
    const attack = JSON.parse(
      '{"constructor": {"prototype": {"polluted": 1}}, "position": {"size": 1, "mark": 2, "side": "long", "prototype": {}}, "market": {"vol_30d": 0.5, "adv": 1}}',
    ) as unknown;
    expect(errorsOf(binance, attack)).toEqual(["/constructor unknown", "/position/prototype unknown"]);
    const own = JSON.parse(
      '{"__proto__": {"constructor": {"prototype": {"polluted": 1}}, "valueOf": 3}, "process": {"items": []}}',
    ) as unknown;
    expect(errorsOf(hostile, own)).toEqual(["/__proto__/constructor type"]);
  });

  it("a missing optional field gets its default even when Object.prototype is polluted", () => {
    const input = JSON.parse(
      '{"__proto__": {"constructor": 2, "valueOf": 3}, "process": {"items": [{"__proto__": 5, "when_": "2026-01-01T00:00:00Z"}]}}',
    ) as Record<string, unknown>;
    const clean = hostile.evaluate(input).outputs;
    const polluted = Object.prototype as Record<string, unknown>;
    try {
      Object.assign(polluted, {
        prototype: 9,
        l0: false,
        s0: 1000,
        eval: "polluted",
        when_: "1970-01-01T00:00:00Z",
        toString_: 1,
      });
      polluted["hasOwnProperty_"] = true;
      expect(hostile.evaluate(input).outputs).toEqual(clean);
      expect(hostile.evaluate(input, { explain: true }).outputs).toEqual(clean);
    } finally {
      for (const key of ["prototype", "l0", "s0", "eval", "when_", "toString_", "hasOwnProperty_"])
        delete polluted[key];
    }
    expectNoPollution();
  });

  it("columns: an output named __proto__ is an own column, a record of optional fields needs no column, no prototype changes", () => {
    const source =
      'rulebook "c" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\ninput p { constructor: Number, __proto__: Number = 2 }\ninput q { a: Number = 5 }\noutput __proto__: Number = p.constructor * p.__proto__ * q.a\noutput toString: Bool = p.constructor > 0\n';
    const checked = checkRulebook(source, "columns.margin");
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const book = rulebookFromIr(lowerRulebook(checked.checked));
    const result = book.evaluateColumns({ "p.constructor": [1, 2, NaN], "p.__proto__": [3, 4, 5] }, 3);
    expect(Object.keys(result.outputs)).toEqual(["__proto__", "toString"]);
    expect(Object.getPrototypeOf(result.outputs)).toBe(Object.prototype);
    // No column fills `q`: it is an empty record whose default applies, not a missing input.
    expect([
      ...(Object.getOwnPropertyDescriptor(result.outputs, "__proto__")!.value as Float64Array),
    ]).toEqual([15, 40, NaN]);
    expect(result.errors.map((e) => [e.index, e.code])).toEqual([[2, "MB6001"]]);
    expect(book.evaluateColumns({ "p.constructor": [1] }, 1).outputs["toString"]).toEqual([true]);
    expectNoPollution();
  });

  it("columns: NaN and Infinity in a column, hostile column names, and absurd lengths", () => {
    const columns = {
      "position.size": Float64Array.from([1, NaN, Infinity, -Infinity, 1e308]),
      "position.mark": [1, 1, 1, 1, 1e308],
      "position.side": ["long", "long", "long", "long", "long"],
      "market.vol_30d": [0.5, 0.5, 0.5, 0.5, 0.5],
      "market.adv": [1, 1, 1, 1, 1],
    };
    const result = binance.evaluateColumns(columns, 5);
    expect(result.errors.map((e) => [e.index, e.code])).toEqual([
      [1, "MB6001"],
      [2, "MB6001"],
      [3, "MB6001"],
      [4, "MB6011"],
    ]);
    for (const bad of ["__proto__", "constructor", "position.__proto__", "toString"]) {
      const hostileColumns = JSON.parse(
        JSON.stringify({ ...columns, "position.size": [...columns["position.size"]] }).replace(
          '"market.adv"',
          JSON.stringify(bad),
        ),
      ) as Record<string, number[]>;
      expect(() => binance.evaluateColumns(hostileColumns, 5)).toThrow(/unknown column|missing column/);
    }
    for (const length of [-1, 1.5, NaN, Infinity, 2 ** 53])
      expect(() => binance.evaluateColumns(columns, length)).toThrow(/non-negative integer/);
    expectNoPollution();
  });
});
