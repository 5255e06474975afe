/**
 * Code generation that cannot be injected. Names, strings, comments, numbers, enum members and
 * metadata from a rulebook (or from a hand-crafted IR or artifact) never change the structure of the
 * generated JavaScript, and the generated code reads no global:
 *
 * - numbers and strings become literals that read back exactly (property tests of `jsNumber`,
 *   `jsString`);
 * - the generated code of a hostile rulebook (test/support/random-rulebooks.ts: `HOSTILE_RULEBOOK`,
 *   and random rulebooks with hostile names and texts) parses to the same tree as the code of the same
 *   IR with every name and text replaced by a placeholder; every string literal in it is a string of
 *   the IR; its only comments are the generator's own; every identifier it reads is a parameter of
 *   its factory or a name it declares;
 * - evaluated in a `node:vm` realm whose every global (and `Object.prototype` member) throws when
 *   touched, it gives the interpreter's results; evaluated in this realm with `process`, `Function`,
 *   `eval`, ... trapped and a throwing getter on `Object.prototype` and `Array.prototype` for every
 *   name of the rulebook, every evaluator gives the results it gives otherwise;
 * - a hand-crafted IR with values of the wrong type is refused by the generator, and a hand-crafted
 *   artifact is refused (ArtifactError, one test per attack) before any code is generated.
 */
import { fuzzRuns } from "../support/fuzz-runs.js";
import vm from "node:vm";
import fc from "fast-check";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { jsNumber, jsString } from "../../src/runtime/codegen-expr.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { hashJson } from "../../src/runtime/hash.js";
import { ArtifactError, loadArtifact, MAX_ARTIFACT_CHARS, rulebookFromIr } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { PROTOTYPE_NAMES } from "../../src/semantics/operations.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";
import {
  HOSTILE_RULEBOOK,
  HOSTILE_TEXTS,
  protoSafeIr,
  randomRulebook,
  restoreProto,
  seededChooser,
} from "../support/random-rulebooks.js";
import { lowerSource } from "../support/outcomes.js";

const lower = (source: string): IrRulebook => lowerSource(source, "hostile.margin");

const runs = fuzzRuns(60, 300);
const seed = Number(process.env["FUZZ_SEED"] ?? 20261130);
const settings = { numRuns: runs, seed, endOnFailure: true };
const timeout = 60_000 + runs * 300;

const hostileIr = lower(HOSTILE_RULEBOOK);

/** Valid inputs of an IR (own properties even for fields named `__proto__`). */
function inputsOf(ir: IrRulebook, count: number, inputSeed = 5): unknown[] {
  const generator = new InputGenerator(protoSafeIr(ir), inputSeed);
  return Array.from({ length: count }, () => restoreProto(generator.next()));
}

type Outcome = { ok: true; outputs: Record<string, unknown> } | { ok: false; code: string; message: string };

function attempt(run: () => Record<string, unknown>): Outcome {
  try {
    return { ok: true, outputs: { ...run() } };
  } catch (error) {
    if (error instanceof RuntimeError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/** Outcomes with outputs compared bit for bit (`-0` and `0` differ), in order. */
function comparable(outcome: Outcome): unknown {
  if (!outcome.ok) return outcome;
  return Object.entries(outcome.outputs).map(([k, v]) => [
    k,
    typeof v === "number" && Object.is(v, -0) ? "-0" : v,
  ]);
}

// ---- the generated code, captured with its factory's parameters ----

interface Factory {
  names: string[];
  values: unknown[];
  source: string;
}

/**
 * Compiles an IR while `Function` is wrapped, to capture the factory's parameter names, the values
 * bound to them and the generated body. (The code generator calls `new Function(...names, body)`
 * once, then the factory once.)
 */
function captureFactory(ir: IrRulebook): Factory {
  const RealFunction = globalThis.Function;
  const captured: Factory[] = [];
  globalThis.Function = new Proxy(RealFunction, {
    construct(target, args: string[], newTarget) {
      const made = Reflect.construct(target, args, newTarget) as (...values: unknown[]) => unknown;
      const record: Factory = { names: args.slice(0, -1), values: [], source: args[args.length - 1]! };
      captured.push(record);
      return new Proxy(made, {
        apply(fn, self, values: unknown[]) {
          record.values = values;
          return Reflect.apply(fn, self, values);
        },
      });
    },
  });
  try {
    compileEvaluator(ir);
  } finally {
    globalThis.Function = RealFunction;
  }
  expect(captured).toHaveLength(1);
  return captured[0]!;
}

/** The parsed shape of generated code: node kinds (string literals without their text), strings, comments, free identifiers. */
interface Shape {
  kinds: string[];
  strings: string[];
  comments: string[];
  free: Set<string>;
  parseErrors: number;
}

function shapeOf({ names, source }: Factory): Shape {
  const text = `function factory(${names.join(", ")}) {\n${source}\n}`;
  const file = ts.createSourceFile("generated.js", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const kinds: string[] = [];
  const strings: string[] = [];
  const declared = new Set<string>();
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node)) {
      strings.push(node.text);
      kinds.push("String");
    } else if (ts.isIdentifier(node)) {
      kinds.push(`Identifier ${node.text}`);
      const parent = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node);
      const declares =
        (ts.isVariableDeclaration(parent) ||
          ts.isBindingElement(parent) ||
          ts.isFunctionDeclaration(parent) ||
          ts.isFunctionExpression(parent) ||
          ts.isParameter(parent)) &&
        parent.name === node;
      if (declares) declared.add(node.text);
      else if (!isName) used.add(node.text);
    } else {
      kinds.push(ts.isNumericLiteral(node) ? `Number ${node.text}` : ts.SyntaxKind[node.kind]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const comments: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia)
      comments.push(scanner.getTokenText());
  }
  const parseErrors = (file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length;
  return { kinds, strings, comments, free: new Set([...used].filter((n) => !declared.has(n))), parseErrors };
}

/** Strings the code generator gives meaning to (scenario and group record fields, prototype names): kept as they are. */
const KEPT = new Set([...PROTOTYPE_NAMES, "__proto__", "index", "weight", "name", "key", "items"]);
/** IR properties whose strings are structure (tags and operators), not user text. */
const STRUCTURAL = new Set([
  "k",
  "kind",
  "op",
  "fn",
  "verb",
  "direction",
  "mode",
  "column",
  "irVersion",
  "d",
  "rounding",
]);

/**
 * The IR with every name and text (and the keys of `records` and `enums`) replaced by a placeholder,
 * consistently, so that equal strings stay equal. Numbers and structure are left alone.
 */
function sanitize(ir: IrRulebook): IrRulebook {
  const placeholders = new Map<string, string>();
  const swap = (text: string): string => {
    if (KEPT.has(text)) return text;
    if (!placeholders.has(text)) placeholders.set(text, `n${placeholders.size}`);
    return placeholders.get(text)!;
  };
  const walk = (value: unknown, key: string, parent: string): unknown => {
    if (typeof value === "string") return STRUCTURAL.has(key) ? value : swap(value);
    if (Array.isArray(value)) return value.map((v) => walk(v, key, parent));
    if (value === null || typeof value !== "object") return value;
    const renameKeys = key === "records" || key === "enums";
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [renameKeys ? swap(k) : k, walk(v, k, key)]),
    );
  };
  return walk(ir, "", "") as IrRulebook;
}

/** Every string of an IR (values and keys). */
function stringsOf(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsOf(v, out));
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) (out.add(k), stringsOf(v, out));
  return out;
}

const GENERATOR_COMMENTS =
  /^\/\/ (step \d+|instance \d+|Generated by marginbook from the rulebook's IR( \(decimal arithmetic\))?\. Do not edit\.)$/;

/** Checks that nothing in an IR changed the structure of its generated code. */
function expectInjectionProof(ir: IrRulebook): Factory {
  const factory = captureFactory(ir);
  const shape = shapeOf(factory);
  const clean = shapeOf(captureFactory(sanitize(ir)));
  expect(shape.parseErrors).toBe(0);
  expect(shape.kinds).toEqual(clean.kinds);
  for (const comment of shape.comments) expect(comment).toMatch(GENERATOR_COMMENTS);
  expect(shape.comments).toHaveLength(clean.comments.length);
  expect([...shape.free].filter((name) => !factory.names.includes(name))).toEqual([]);
  // Every literal is a string of the IR, intact, or one of the generator's own words.
  const allowed = new Set([...stringsOf(ir), ...clean.strings.filter((s) => !/^n\d+$/.test(s))]);
  expect(shape.strings.filter((s) => !allowed.has(s))).toEqual([]);
  return factory;
}

// ---- evaluation in a realm whose globals throw ----

const POISON = `(() => {
  const touched = (name) => { throw new Error("the generated code touched the global " + String(name)); };
  const trap = (object, key) => {
    try { Object.defineProperty(object, key, { get: () => touched(key), set: () => touched(key), configurable: false }); } catch {}
  };
  const proto = Object.getPrototypeOf(globalThis);
  const objectProto = Object.prototype;
  for (const key of Reflect.ownKeys(objectProto)) trap(objectProto, key);
  for (const key of Reflect.ownKeys(globalThis)) if (key !== "undefined" && key !== "NaN" && key !== "Infinity") trap(globalThis, key);
  if (proto !== objectProto) for (const key of Reflect.ownKeys(proto)) trap(proto, key);
})();`;

/** The evaluator of `factory`, instantiated in a fresh realm whose every global throws when read. */
function poisonedEvaluator(factory: Factory): (input: unknown) => Record<string, unknown> {
  const context = vm.createContext({});
  vm.runInContext(POISON, context);
  const make = vm.runInContext(
    `(function (${factory.names.join(", ")}) {\n${factory.source}\n})`,
    context,
  ) as (...values: unknown[]) => (input: unknown) => Record<string, unknown>;
  return make(...factory.values);
}

/** Globals that no evaluation may touch, trapped in this realm for the length of a call. */
const FORBIDDEN_GLOBALS = [
  "process",
  "Function",
  "eval",
  "require",
  "module",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
  "fetch",
  "Buffer",
  "WebAssembly",
  "Proxy",
  "Reflect",
  "Atomics",
  "SharedArrayBuffer",
  "globalThis",
];

/**
 * Not trapped: IR property names (read by the interpreter from the compiler's data, not from the
 * rulebook's), and the names of the language's protocols (`for ... of` looks `return` up on an
 * array iterator when it stops early, whatever the code): polluting those breaks any JavaScript.
 */
const IR_PROPERTIES = new Set([
  "return",
  "next",
  "done",
  "value",
  "throw",
  "then",
  "rule",
  "file",
  "message",
  "condition",
  "rounding",
  "default",
  "timestamp",
  "filter",
  "key",
  "fallback",
  "site",
  "doc",
  "owner",
  "description",
  "extends",
  "properties",
  "domain",
  "min",
  "max",
  "minInclusive",
  "maxInclusive",
  "unit",
  "variable",
  "text",
  "targets",
  "upper",
  "lower",
  "explain",
  "validate",
]);

/**
 * Runs `body` with the forbidden globals trapped and, on `Object.prototype`, `Array.prototype` and
 * `Function.prototype`, each of `names` (those not already there) either a getter that throws
 * (`reads: "throw"`: nothing may even read it) or an enumerable polluted value (`reads: "pollute"`:
 * whatever reads it must not use it). Returns what `body` returned, or the error it threw;
 * everything is restored before returning.
 */
function poisoned<T>(
  names: readonly string[],
  reads: "throw" | "pollute",
  body: () => T,
): { value?: T; error?: unknown } {
  const restore: (() => void)[] = [];
  const trap = (object: object, key: string, pollute: boolean): void => {
    const previous = Object.getOwnPropertyDescriptor(object, key);
    Object.defineProperty(
      object,
      key,
      pollute
        ? { value: 123456.789, enumerable: true, writable: true, configurable: true }
        : {
            get: () => {
              throw new Error(`touched ${key}`);
            },
            set: () => {
              throw new Error(`set ${key}`);
            },
            configurable: true,
          },
    );
    restore.push(() =>
      previous
        ? Object.defineProperty(object, key, previous)
        : delete (object as Record<string, unknown>)[key],
    );
  };
  const prototypes = [Object.prototype, Array.prototype, Function.prototype];
  try {
    for (const name of names)
      for (const proto of prototypes)
        if (!(name in proto) && !IR_PROPERTIES.has(name)) trap(proto, name, reads === "pollute");
    for (const name of FORBIDDEN_GLOBALS)
      if (Object.getOwnPropertyDescriptor(globalThis, name)?.configurable) trap(globalThis, name, false);
    try {
      return { value: body() };
    } catch (error) {
      return { error };
    }
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}

/** The names a rulebook introduces (inputs, records, fields, enums and members, slots, tables, columns, scenario sets, axes), and classic pollution targets. */
function namesOf(ir: IrRulebook): string[] {
  const names = [
    ...ir.schema.inputs.map((i) => i.name),
    ...Object.keys(ir.schema.records),
    ...Object.keys(ir.schema.enums),
    ...Object.values(ir.schema.records).flatMap((r) => r.fields.map((f) => f.name)),
    ...Object.values(ir.schema.enums).flat(),
    ...ir.slots.map((s) => s.name),
    ...ir.locals,
    ...ir.tables.flatMap((t) => [t.name, t.key, ...t.columns.map((c) => c.name)]),
    ...ir.scenarioSets.flatMap((s) => [s.name, ...s.axes]),
    "polluted",
    "then",
    "toJSON",
    "__pwned",
  ];
  return [...new Set(names)];
}

// ---- tests ----

describe("numbers and strings become exact literals", () => {
  it(`jsNumber: every double reads back as itself, -0 and the infinities without a global (${runs} runs)`, () => {
    const literal = /^(?:\d[\d.e+-]*|\(-\d[\d.e+-]*\)|\(0\/0\)|\(1\/0\)|\(-1\/0\)|\(-0\))$/;
    const special = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      1e308,
      -1e308,
      5e-324,
      -5e-324,
      1e21,
      1e-7,
      2 ** 53 + 2,
      0.1 + 0.2,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    ];
    const check = (x: number): void => {
      const code = jsNumber(x);
      expect(code).toMatch(literal);
      expect(Object.is(new Function(`"use strict"; return ${code};`)(), x)).toBe(true);
    };
    special.forEach(check);
    fc.assert(fc.property(fc.double(), check), settings);
  });

  it(`jsString: every string, lone surrogates and U+2028 included, is one literal that reads back (${runs} runs)`, () => {
    const check = (s: string): void => {
      const code = jsString(s);
      expect(new Function(`"use strict"; return ${code};`)()).toBe(s);
      const shape = shapeOf({ names: [], values: [], source: `return ${code};` });
      expect(shape.strings).toEqual([s]);
      expect(shape.comments).toEqual([]);
    };
    HOSTILE_TEXTS.forEach(check);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), check), settings);
  });

  it("the language's hostile number forms: 1e309, -0, 0x, unicode digits", () => {
    const head =
      'rulebook "n" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\ninput p { q: Number }\n';
    const codes = (body: string): string[] =>
      checkRulebook(head + body, "n.margin")
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => d.code);
    expect(codes("output o: Number = p.q + 0x10\n")).toContain("MB1003");
    expect(codes("output o: Number = p.q + ١٢٣\n")).toContain("MB1001");
    expect(codes("output o: Number = p.q + 𝟙\n")).toContain("MB1001");
    // 1e309 overflows binary64: a checker error (MB3033), never an Infinity constant.
    expect(codes("output o: Number = p.q * 1e309\n")).toEqual(["MB3033"]);
    // -0 and the extremes check; their code is a literal, and the evaluators agree on them.
    for (const body of ["output o: Number = p.q * -0\n", "output o: Number = p.q * 5e-324 + 1e308\n"]) {
      const ir = lower(head + body);
      const factory = expectInjectionProof(ir);
      for (const q of [1, -1, 0, 1e300]) {
        const expected = attempt(() => evaluate(ir, { p: { q } }).outputs);
        expect(comparable(attempt(() => poisonedEvaluator(factory)({ p: { q } })))).toEqual(
          comparable(expected),
        );
      }
    }
  });
});

describe("hostile names, texts and metadata do not change the generated code", () => {
  it("the hostile rulebook: same tree as its sanitised IR, literals intact, no free identifier, generator comments only", () => {
    const factory = expectInjectionProof(hostileIr);
    expect(factory.source).toContain(JSON.stringify('"); process.exit(1); ("'));
  });

  it(
    `random rulebooks with hostile names and texts (${Math.ceil(runs / 3)} rulebooks)`,
    () => {
      fc.assert(
        fc.property(
          fc.nat(),
          (n) => void expectInjectionProof(lower(randomRulebook(seededChooser(n), { hostile: true }))),
        ),
        { ...settings, numRuns: Math.ceil(runs / 3) },
      );
    },
    timeout,
  );

  it(
    "a hand-crafted IR with a hostile text in every text and name position (the generator does not rely on the schema)",
    { timeout: 60_000 },
    () => {
      for (const text of HOSTILE_TEXTS) {
        const prefix = (s: string): string => (KEPT.has(s) ? s : `${text}${s}`);
        const every = (value: unknown, key = ""): unknown => {
          if (typeof value === "string") return STRUCTURAL.has(key) ? value : prefix(value);
          if (Array.isArray(value)) return value.map((v) => every(v, key));
          if (value === null || typeof value !== "object") return value;
          return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [
              key === "records" || key === "enums" ? prefix(k) : k,
              every(v, k),
            ]),
          );
        };
        /** The same change to an input: every key and every text. */
        const everyKey = (value: unknown): unknown => {
          if (typeof value === "string") return prefix(value);
          if (Array.isArray(value)) return value.map(everyKey);
          if (value === null || typeof value !== "object") return value;
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [prefix(k), everyKey(v)]));
        };
        const evil = every(hostileIr) as IrRulebook;
        expectInjectionProof(evil);
        const inVm = poisonedEvaluator(captureFactory(evil));
        for (const input of inputsOf(hostileIr, 30)) {
          const changed = everyKey(input);
          const outcome = attempt(() => inVm(changed));
          expect(comparable(outcome)).toEqual(comparable(attempt(() => evaluate(evil, changed).outputs)));
          const outputs = evil.steps.flatMap((step) =>
            step.kind === "output" ? [evil.slots[step.slot]!.name] : [],
          );
          if (outcome.ok) expect(Object.keys(outcome.outputs)).toEqual(outputs);
          expect(outputs).toContain(`${text}s0`);
        }
      }
      expect((globalThis as Record<string, unknown>)["__pwned"]).toBeUndefined();
    },
  );

  it("a hand-crafted IR with values of the wrong type is refused by the generator, not spliced into code", () => {
    const evil =
      (change: (ir: Record<string, any>) => void): (() => unknown) =>
      () => {
        const ir = JSON.parse(JSON.stringify(hostileIr)) as Record<string, any>;
        change(ir);
        return compileEvaluator(ir as IrRulebook);
      };
    const marker = "(globalThis.__pwned = 1)";
    const findExpr = (ir: Record<string, any>, k: string): Record<string, any> => {
      let found: Record<string, any> | undefined;
      const walk = (v: unknown): void => {
        if (found || v === null || typeof v !== "object") return;
        if ((v as Record<string, unknown>)["k"] === k) found = v as Record<string, any>;
        else Object.values(v).forEach(walk);
      };
      walk(ir["steps"]);
      return found!;
    };
    const attacks: [string, (ir: Record<string, any>) => void][] = [
      ["an operator", (ir) => (findExpr(ir, "binary")["op"] = `+ ${marker} +`)],
      ["an operator named after Object.prototype", (ir) => (findExpr(ir, "binary")["op"] = "constructor")],
      ["a built-in", (ir) => (findExpr(ir, "call")["fn"] = marker)],
      ["an expression kind", (ir) => (ir["steps"][0]["value"] = { k: marker })],
      ["a slot", (ir) => (ir["steps"][0]["slot"] = `0; ${marker}`)],
      [
        "a negative slot (`s-1` would read a global `s`)",
        (ir) => (ir["steps"][0]["value"] = { k: "slot", slot: -1 }),
      ],
      ["a negative local", (ir) => (findExpr(ir, "agg")["local"] = -1)],
      ["a negative table", (ir) => (findExpr(ir, "tier")["table"] = -1)],
      ["a site", (ir) => (findExpr(ir, "tier")["site"] = `0, ${marker}`)],
      ["a local", (ir) => (findExpr(ir, "agg")["local"] = `0] = ${marker}; l[0`)],
      ["a table", (ir) => (findExpr(ir, "tier")["table"] = `0; ${marker}`)],
      ["a tier bound", (ir) => (ir["tables"][0]["rows"][1]["lower"] = marker)],
      ["a tier cell", (ir) => (ir["tables"][0]["rows"][0]["cells"][0] = marker)],
      [
        "a rounding step",
        (ir) => (ir["steps"].find((s: Record<string, any>) => s["rounding"])["rounding"]["step"] = marker),
      ],
      [
        "a constant that is an object",
        (ir) => (ir["steps"][0]["value"] = { k: "const", v: { toString: () => marker } }),
      ],
      ["a name that is not a string", (ir) => (findExpr(ir, "input")["path"] = [{ toString: () => marker }])],
      [
        "an assertion message that is not a string",
        (ir) => (ir["steps"].find((s: Record<string, any>) => s["kind"] === "assert")["message"] = ["x"]),
      ],
    ];
    for (const [what, attack] of attacks) expect(evil(attack), what).toThrow(/invalid IR/);
    expect((globalThis as Record<string, unknown>)["__pwned"]).toBeUndefined();
  });
});

describe("generated decimal code (arithmetic decimal) is injection-proof too", () => {
  const decimal = (source: string): IrRulebook => {
    const checked = checkRulebook(source, "hostile.margin");
    return lowerRulebook(checked.checked, {
      source: () => source,
      arithmetic: { mode: "decimal", scale: 18, rounding: "half_even" },
    });
  };

  it(
    `the hostile rulebook and random hostile rulebooks: same tree as sanitised, no free identifier, the interpreter's results in the poisoned realm (${Math.ceil(runs / 6)} rulebooks)`,
    () => {
      const check = (ir: IrRulebook, inputs: number): void => {
        expect(ir.meta.arithmetic?.mode).toBe("decimal");
        const inVm = poisonedEvaluator(expectInjectionProof(ir));
        for (const input of inputsOf(ir, inputs))
          expect(attempt(() => inVm(input))).toEqual(attempt(() => evaluate(ir, input).outputs));
      };
      check(decimal(HOSTILE_RULEBOOK), 50);
      fc.assert(
        fc.property(fc.nat(), (n) => check(decimal(randomRulebook(seededChooser(n), { hostile: true })), 10)),
        { ...settings, numRuns: Math.ceil(runs / 6) },
      );
    },
    timeout,
  );
});

describe("generated code touches no global", () => {
  it(
    "in a realm where every global and every Object.prototype member throws, it gives the interpreter's results",
    { timeout: 60_000 },
    () => {
      for (const ir of [hostileIr, lower(randomRulebook(seededChooser(seed), { hostile: true }))]) {
        const inVm = poisonedEvaluator(captureFactory(ir));
        for (const input of inputsOf(ir, 200)) {
          expect(comparable(attempt(() => inVm(input)))).toEqual(
            comparable(attempt(() => evaluate(ir, input).outputs)),
          );
        }
      }
    },
  );

  it(
    `random rulebooks in the poisoned realm (${Math.ceil(runs / 3)} rulebooks, 20 inputs each)`,
    () => {
      fc.assert(
        fc.property(fc.nat(), fc.boolean(), (n, hostile) => {
          const ir = lower(randomRulebook(seededChooser(n), { hostile }));
          const inVm = poisonedEvaluator(captureFactory(ir));
          for (const input of inputsOf(ir, 20, n))
            expect(comparable(attempt(() => inVm(input)))).toEqual(
              comparable(attempt(() => evaluate(ir, input).outputs)),
            );
        }),
        { ...settings, numRuns: Math.ceil(runs / 3) },
      );
    },
    timeout,
  );

  it("with process, Function, eval, ... trapped and Object.prototype poisoned for every name, every evaluator gives the same results", () => {
    for (const ir of [hostileIr, lower(randomRulebook(seededChooser(seed + 1), { hostile: true }))]) {
      const book = rulebookFromIr(ir);
      const compiled = compileEvaluator(ir);
      const names = namesOf(ir);
      for (const input of inputsOf(ir, 100)) {
        // The evaluators never read a name through a prototype: a getter there would throw.
        const evaluators = (): unknown[] => [
          comparable(attempt(() => evaluate(ir, input).outputs)),
          comparable(attempt(() => evaluate(ir, input, { explain: true }).outputs)),
          comparable(attempt(() => compiled.evaluate(input))),
          comparable(attempt(() => book.evaluate(input, { validate: false }).outputs)),
        ];
        // Validation (ajv) may read a missing optional field through the prototype, but decides
        // on own properties only: a polluted value changes nothing.
        const validated = (): unknown[] => [
          comparable(attempt(() => book.evaluate(input).outputs)),
          book
            .evaluateBatch([input])
            .map((o) => (o.ok ? comparable({ ok: true, outputs: o.outputs }) : o.error.code)),
          book.validate(input),
        ];
        for (const [reads, body] of [
          ["throw", evaluators],
          ["pollute", evaluators],
          ["pollute", validated],
        ] as const) {
          const clean = body();
          const trapped = poisoned(names, reads, body);
          expect(trapped.error).toBeUndefined();
          expect(trapped.value).toEqual(clean);
        }
      }
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  }, 60_000);
});

// ---- artifacts ----

const artifact = buildArtifact(hostileIr, { source: HOSTILE_RULEBOOK, compiler: { version: "fuzz" } });
const hostileInput = JSON.parse(
  '{"__proto__": {"constructor": 2, "valueOf": 30000}, "process": {"items": [{"__proto__": 5, "toString": "valueOf", "when_": "2026-01-01T00:00:00Z"}]}}',
) as unknown;

/** A copy of the artifact, changed, with its IR hash recomputed (so the hash is not what refuses it). */
function tampered(change: (a: Record<string, any>) => void): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(artifact)) as Record<string, any>;
  change(copy);
  copy["irHash"] = hashJson(copy["ir"]);
  return copy;
}

/** Loads an artifact that must be refused, counting the functions compiled meanwhile (none may be). */
function refusal(json: unknown): { error: ArtifactError; compiled: number } {
  loadArtifact(artifact); // warms up the artifact validator, compiled once per process
  const RealFunction = globalThis.Function;
  let compiled = 0;
  globalThis.Function = new Proxy(RealFunction, {
    construct: (target, args, newTarget) => (compiled++, Reflect.construct(target, args, newTarget)),
  });
  try {
    loadArtifact(json);
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    return { error, compiled };
  } finally {
    globalThis.Function = RealFunction;
  }
  throw new Error("the artifact was accepted");
}

/** Expects refusal with `code`, before any code was generated, and no side effect. */
function expectRefused(json: unknown, code: string, message?: RegExp): void {
  const { error, compiled } = refusal(json);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  expect(compiled).toBe(0);
  expect((globalThis as Record<string, unknown>)["__pwned"]).toBeUndefined();
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
}

const injected = 'x"]; globalThis.__pwned = 1; //';

describe("hand-crafted malicious artifacts are refused before any code is generated", () => {
  it("the hostile rulebook's own artifact loads, and its texts stay texts", () => {
    const book = loadArtifact(serializeArtifact(artifact));
    expect(book.evaluate(hostileInput).outputs["l0"]).toBe('"); process.exit(1); ("');
    expect(book.meta.name).toBe(hostileIr.meta.name);
  });

  const names: [string, (a: Record<string, any>) => void][] = [
    ["a slot (let, quantity, output) name", (a) => (a["ir"]["slots"][0]["name"] = injected)],
    ["an input name", (a) => (a["ir"]["schema"]["inputs"][0]["name"] = injected)],
    ["a field name", (a) => (a["ir"]["schema"]["records"]["Function"]["fields"][0]["name"] = injected)],
    [
      "a record name (a key of records)",
      (a) => (a["ir"]["schema"]["records"][injected] = a["ir"]["schema"]["records"]["Function"]),
    ],
    ["an enum member", (a) => (a["ir"]["schema"]["enums"]["Object"][0] = injected)],
    ["a table name", (a) => (a["ir"]["tables"][0]["name"] = injected)],
    ["a tier column name", (a) => (a["ir"]["tables"][0]["columns"][0]["name"] = injected)],
    ["a scenario axis", (a) => (a["ir"]["scenarioSets"][0]["axes"][0] = injected)],
    ["a comprehension variable", (a) => (a["ir"]["locals"][0] = injected)],
    [
      "a rule name",
      (a) => (a["ir"]["steps"].find((s: Record<string, any>) => s["kind"] === "rule")["name"] = injected),
    ],
    ["an input path", (a) => (a["ir"]["steps"][0]["value"]["l"]["path"][1] = injected)],
    ["a site's input path", (a) => (a["ir"]["sites"][0]["inputs"] = [injected])],
    ["a unit", (a) => (a["ir"]["slots"][0]["type"]["unit"] = `USDT"); ${injected}`)],
  ];
  for (const [what, change] of names) {
    it(`code in ${what} (MB6104)`, () => expectRefused(tampered(change), "MB6104", /must match/));
  }

  it("__proto__ and constructor keys where the schema has none, as own properties of the JSON (MB6104)", () => {
    for (const [at, key] of [
      ["", "__proto__"],
      ["ir", "__proto__"],
      ["ir.steps.0", "__proto__"],
      ["ir.steps.0.value", "constructor"],
      ["meta", "prototype"],
    ] as const) {
      const copy = JSON.parse(JSON.stringify(artifact)) as Record<string, any>;
      const holder = at === "" ? copy : at.split(".").reduce((o: Record<string, any>, k) => o[k], copy);
      Object.defineProperty(holder, key, {
        value: { polluted: 1, k: "const", v: 1 },
        enumerable: true,
        configurable: true,
        writable: true,
      });
      const text = JSON.stringify(copy);
      expect(text).toContain(`"${key}":`);
      expectRefused(text, "MB6104", /unknown property/);
    }
  });

  it(
    "an operator, a built-in, a tag, a verb or a rounding named after Object.prototype members (MB6104)",
    { timeout: 60_000 },
    () => {
      const findExpr = (a: Record<string, any>, k: string): Record<string, any> =>
        JSON.stringify(a) &&
        (function find(v: unknown): Record<string, any> | undefined {
          if (v === null || typeof v !== "object") return undefined;
          if ((v as Record<string, unknown>)["k"] === k) return v as Record<string, any>;
          for (const child of Object.values(v)) {
            const found = find(child);
            if (found) return found;
          }
          return undefined;
        })(a["ir"]["steps"])!;
      for (const word of ["constructor", "__proto__", "toString", "valueOf"]) {
        expectRefused(
          tampered((a) => (findExpr(a, "binary")["op"] = word)),
          "MB6104",
        );
        expectRefused(
          tampered((a) => (findExpr(a, "call")["fn"] = word)),
          "MB6104",
        );
        expectRefused(
          tampered((a) => (findExpr(a, "binary")["k"] = word)),
          "MB6104",
        );
        expectRefused(
          tampered(
            (a) =>
              (a["ir"]["steps"].find((s: Record<string, any>) => s["kind"] === "rule")["actions"][0]["verb"] =
                word),
          ),
          "MB6104",
        );
        expectRefused(
          tampered(
            (a) =>
              (a["ir"]["steps"].find((s: Record<string, any>) => s["rounding"])["rounding"]["direction"] =
                word),
          ),
          "MB6104",
        );
        expectRefused(
          tampered((a) => (a["ir"]["steps"][0]["kind"] = word)),
          "MB6104",
        );
      }
    },
  );

  it("an expression kind that does not exist, carrying code (MB6104)", () => {
    expectRefused(
      tampered((a) => (a["ir"]["steps"][0]["value"] = { k: "raw", code: "process.exit(1)" })),
      "MB6104",
    );
    expectRefused(
      tampered((a) => (a["evaluator"] = "function () { process.exit(1); }")),
      "MB6104",
      /unknown property "evaluator"/,
    );
  });

  it("a string, a fraction, a negative or a huge number where an index belongs (MB6104)", () => {
    for (const value of ["0; process.exit(1)", 0.5, -1, 1e12, "1", null, true]) {
      expectRefused(
        tampered((a) => (a["ir"]["steps"][0]["slot"] = value)),
        "MB6104",
      );
      expectRefused(
        tampered((a) => (a["ir"]["steps"][0]["site"] = value)),
        "MB6104",
      );
    }
  });

  it("a string where a number belongs (a tier bound or cell, a rounding step) (MB6104)", () => {
    expectRefused(
      tampered((a) => (a["ir"]["tables"][0]["rows"][0]["cells"][0] = "0.01); process.exit(1); (")),
      "MB6104",
    );
    expectRefused(
      tampered((a) => (a["ir"]["tables"][0]["rows"][1]["lower"] = "50000")),
      "MB6104",
    );
    expectRefused(
      tampered(
        (a) =>
          (a["ir"]["steps"].find((s: Record<string, any>) => s["rounding"])["rounding"]["step"] = "0.01"),
      ),
      "MB6104",
    );
  });

  it("1e309 (Infinity once parsed) where a number belongs (MB6104); -0 is read as 0, as the hash reads it", () => {
    const text = JSON.stringify(artifact);
    const infinite = text.replace('"cells":[0.01', '"cells":[1e309');
    expect(infinite).not.toBe(text);
    expectRefused(infinite, "MB6104", /must be number/);
    const negativeZero = text.replace('"lower":0,', '"lower":-0,');
    expect(negativeZero).not.toBe(text);
    const book = loadArtifact(negativeZero);
    expect(Object.is(book.ir.tables[0]!.rows[0]!.lower, 0)).toBe(true);
    expect(book.evaluate(hostileInput).outputs).toEqual(loadArtifact(text).evaluate(hostileInput).outputs);
  });

  it("an index out of range (MB6106)", () => {
    expectRefused(
      tampered((a) => (a["ir"]["steps"][0]["slot"] = 999)),
      "MB6106",
      /slot 999 does not exist/,
    );
    expectRefused(
      tampered((a) => (a["ir"]["locals"] = [])),
      "MB6106",
      /local 0 does not exist/,
    );
    expectRefused(
      tampered((a) => (a["ir"]["sites"] = a["ir"]["sites"].slice(0, 1))),
      "MB6106",
      /site \d+ does not exist/,
    );
  });

  it("tier rows with a gap, an overlap, a descending or empty row, or an unbounded row before the last (MB6106)", () => {
    const rows = (change: (r: Record<string, any>[]) => void): Record<string, any> =>
      tampered((a) => change(a["ir"]["tables"][0]["rows"]));
    expectRefused(
      rows((r) => (r[1]!["lower"] = 60_000)),
      "MB6106",
      /gap or an overlap/,
    );
    expectRefused(
      rows((r) => (r[1]!["lowerInclusive"] = false)),
      "MB6106",
      /gap or an overlap/,
    );
    expectRefused(
      rows((r) => (r[0]!["upperInclusive"] = true)),
      "MB6106",
      /gap or an overlap/,
    );
    expectRefused(
      rows((r) => ((r[0]!["upper"] = -1), (r[1]!["lower"] = -1))),
      "MB6106",
      /is empty/,
    );
    expectRefused(
      rows((r) => ((r[0]!["upper"] = null), (r[1]!["lower"] = null))),
      "MB6104",
    );
    expectRefused(
      rows((r) => (r[0]!["upper"] = null)),
      "MB6106",
      /only the last row may be unbounded/,
    );
  });

  it("a let or an output computed twice, a built-in with the wrong number of arguments, a group without a key (MB6106)", () => {
    expectRefused(
      tampered((a) => a["ir"]["steps"].splice(1, 0, a["ir"]["steps"][0])),
      "MB6106",
      /computed twice/,
    );
    expectRefused(
      tampered(
        (a) => (
          JSON.stringify(a),
          (a["ir"]["steps"].find((s: Record<string, any>) => s["kind"] === "rule")["actions"][0]["value"] = {
            k: "call",
            fn: "sqrt",
            args: [],
          })
        ),
      ),
      "MB6106",
      /`sqrt` with 0 arguments/,
    );
    expectRefused(
      tampered((a) => {
        const walk = (v: any): void => {
          if (v && typeof v === "object") {
            if (v["k"] === "agg" && v["op"] === "group") delete v["key"];
            Object.values(v).forEach(walk);
          }
        };
        walk(a["ir"]["steps"]);
      }),
      "MB6106",
      /group without a key/,
    );
  });

  it("a header that differs from the IR's, a hash that does not match, a wrong format or version (MB6106, MB6105, MB6102, MB6103)", () => {
    expectRefused(
      tampered((a) => (a["meta"]["name"] = "Something else")),
      "MB6106",
      /differs from the IR's header/,
    );
    const changed = JSON.parse(JSON.stringify(artifact)) as Record<string, any>;
    changed["ir"]["tables"][0]["rows"][0]["cells"][0] = 0.5;
    expectRefused(changed, "MB6105");
    expectRefused(
      tampered((a) => (a["format"] = 'marginbook-artifact"; process.exit(1)')),
      "MB6102",
    );
    expectRefused(
      tampered((a) => (a["formatVersion"] = "1")),
      "MB6103",
    );
  });

  it("text that is not JSON, values JSON cannot carry, getters that throw, absurd nesting and size (MB6101, MB6107)", () => {
    expectRefused("{ not json", "MB6101");
    const getter = JSON.parse(JSON.stringify(artifact)) as Record<string, unknown>;
    Object.defineProperty(getter, "meta", {
      get: () => {
        throw new Error("boom");
      },
      enumerable: true,
    });
    expectRefused(getter, "MB6101");
    const deep = `{"format":"marginbook-artifact","formatVersion":1,"ir":{"irVersion":1},"x":${"[".repeat(5_000)}${"]".repeat(5_000)}}`;
    expectRefused(deep, "MB6107", /nests deeper/);
    expectRefused(" ".repeat(MAX_ARTIFACT_CHARS + 1), "MB6107", /characters long/);
  });

  it(
    "every text of the artifact set to hostile text is accepted and stays inert (a texts-only change keeps the code's tree)",
    { timeout: 60_000 },
    () => {
      for (const text of HOSTILE_TEXTS) {
        const copy = tampered((a) => {
          const ir = a["ir"];
          for (const key of ["name", "owner", "description", "file"]) ir["meta"][key] = text;
          for (const key of ["name", "owner", "description"]) a["meta"][key] = text;
          a["compiler"]["name"] = text;
          for (const site of ir["sites"]) ((site["what"] = text), (site["file"] = text));
          for (const row of ir["scenarioSets"][0]["rows"]) row["name"] = text;
          ir["tables"][0]["keyUnit"] = text.slice(0, 256);
          ir["tables"][0]["columns"][0]["unit"] = text.slice(0, 256);
          ir["schema"]["inputs"][0]["doc"] = text;
          ir["steps"].find((s: Record<string, any>) => s["kind"] === "assert")["message"] = text;
        });
        const book = loadArtifact(copy);
        expect(book.evaluate(hostileInput).outputs).toEqual(
          loadArtifact(artifact).evaluate(hostileInput).outputs,
        );
        expect(shapeOf(captureFactory(book.ir)).kinds).toEqual(shapeOf(captureFactory(hostileIr)).kinds);
      }
      expect((globalThis as Record<string, unknown>)["__pwned"]).toBeUndefined();
    },
  );
});
