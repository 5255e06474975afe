/**
 * The code generator: IR to a JavaScript evaluator, the fast path engines use.
 *
 * The generated code is straight-line: one local variable per slot, constants inlined, tier lookups
 * as comparison chains (bisection above eight rows) cached per key, comprehensions as plain loops.
 * An evaluation allocates nothing but its result object (and the lists `group` builds). It records
 * no explanation: explanations come from the interpreter, which computes the same numbers.
 *
 * The code is built with `new Function` from this module's own text only: user text (names,
 * strings, messages) enters it through `JSON.stringify` string literals, numbers through an exact
 * printer. It reads no globals: the Math functions and helpers it calls are passed in as parameters.
 * Runtime errors are raised through the same catalog and sites as the interpreter's, so code and
 * message are identical.
 */
import type { IrExpr, IrOutputStep, IrRuleStep, IrRulebook, IrStep, IrVerb } from "../ir/ir.js";
import { raiserFor, runtimeErrors } from "../semantics/errors.js";
import { optimizeIr } from "../optimize/index.js";
import { checkFacts } from "../optimize/check-facts.js";
import { generateDecimalSource } from "./codegen-decimal.js";
import { ExpressionCompiler, jsIndex, jsString, roundCall } from "./codegen-expr.js";
import { resultConstruction, type GeneratedOutput } from "./result-construction.js";
import { evaluate as interpret, type OutputValue } from "./interpreter.js";
import {
  black76,
  blackScholes,
  black76Df,
  blackScholesDf,
  formatTimestamp,
  isRepresentableTimestamp,
  normalCdf,
  roundDown,
  roundDynamic,
  roundHalfEven,
  roundUp,
} from "../semantics/numeric.js";
import { checkedPow } from "../semantics/builtins.js";
import { kth, quantile } from "../semantics/order-statistics.js";
import { bankruptcyPriceCall, liquidationPrice } from "../semantics/liquidation.js";
import {
  keyText,
  newGroup,
  groupKeyOf,
  recordValue,
  nonFiniteIn,
  readField,
  EMPTY_RECORD,
  scenarioTables,
  sortByKey,
  withDefault,
} from "../semantics/operations.js";

/** Validates an input before an evaluation: throws for an invalid one, returns otherwise. */
export type InputCheck = (input: unknown) => void;

/** A compiled evaluator: `evaluate` computes the outputs of one input; `source` is the generated code. */
export interface CompiledEvaluator {
  /**
   * Evaluates one input: valid, or checked first by `validate` (which throws for an invalid input).
   * Throws `RuntimeError` exactly where the interpreter does. The check is made inside the
   * generated function, not before calling it: see {@link generateSource}. Pass both arguments
   * (`undefined` for no check): V8 pads a call with fewer arguments than the function has
   * parameters, which cost 8% per position on the natural bracket book.
   */
  evaluate(input: unknown, validate: InputCheck | undefined): Record<string, OutputValue>;
  /** The body of the generated factory function, for inspection and golden tests. */
  readonly source: string;
  /**
   * `compiled`, or `interpreted` where the platform forbids code generation (a CSP without
   * 'unsafe-eval', `node --disallow-code-generation-from-strings`): then `evaluate` runs the
   * reference interpreter, which computes the same numbers.
   */
  readonly mode: "compiled" | "interpreted";
}

let fallbackAnnounced = false;
/** How many evaluators this module has instantiated (see {@link compileEvaluator}). */
let instances = 0;

/** Says once per process that evaluations run through the interpreter, and why. */
function announceFallback(): void {
  if (fallbackAnnounced) return;
  fallbackAnnounced = true;
  (globalThis as { console?: { warn?: (message: string) => void } }).console?.warn?.(
    "marginbook: code generation is not allowed here (a Content Security Policy without 'unsafe-eval', or --disallow-code-generation-from-strings): rulebooks are evaluated with the interpreter (same results, slower)",
  );
}

let allowed: boolean | undefined;

/** Whether this platform lets code be compiled from strings (probed once). */
export function codeGenerationAllowed(): boolean {
  if (allowed === undefined) {
    try {
      allowed = typeof new Function("return 1") === "function";
    } catch {
      allowed = false;
    }
  }
  return allowed;
}

/** Whether the platform refused to compile code from a string. */
export function isCodeGenerationRefused(error: unknown): boolean {
  return (
    error instanceof EvalError ||
    (error instanceof Error && /code generation|unsafe-eval|Content Security Policy/i.test(error.message))
  );
}

/** The parameters of the generated factory, in order, and the values bound to them. */
export function factoryParameters(ir: IrRulebook): [string, unknown][] {
  return [
    ["min", Math.min],
    ["max", Math.max],
    ["abs", Math.abs],
    ["sqrt", Math.sqrt],
    ["exp", Math.exp],
    ["log", Math.log],
    ["isInteger", Number.isInteger],
    ["isFinite", Number.isFinite],
    ["MapCtor", Map],
    ["Float64ArrayCtor", Float64Array],
    ["raise", raiserFor(ir)],
    ["E", runtimeErrors],
    ["SC", scenarioTables(ir)],
    ["roundUp", roundUp],
    ["roundDown", roundDown],
    ["roundHalfEven", roundHalfEven],
    ["roundDynamic", roundDynamic],
    ["normalCdf", normalCdf],
    ["black76", black76],
    ["blackScholes", blackScholes],
    ["black76Df", black76Df],
    ["blackScholesDf", blackScholesDf],
    ["checkedPow", checkedPow],
    ["quantile", quantile],
    ["kth", kth],
    ["liquidationPrice", liquidationPrice],
    ["bankruptcyPriceCall", bankruptcyPriceCall],
    ["keyText", keyText],
    ["withDefault", withDefault],
    ["readField", readField],
    ["EMPTY_RECORD", EMPTY_RECORD],
    ["newGroup", newGroup],
    ["groupKeyOf", groupKeyOf],
    ["recordValue", recordValue],
    ["sortByKey", sortByKey],
    ["nonFiniteIn", nonFiniteIn],
    ["formatTimestamp", formatTimestamp],
    ["isRepresentableTimestamp", isRepresentableTimestamp],
    ["ObjectPrototype", Object.prototype],
  ];
}

/** Options of {@link compileEvaluator}. */
export interface CompileOptions {
  /** Run the optimizer (src/optimize) on the IR first (default true). */
  optimize?: boolean;
  /**
   * Return only these outputs, and compute only what they and the assertions need (dead-output
   * elimination). Default: every output.
   */
  outputs?: readonly string[];
}

/**
 * Generates the JavaScript evaluator of a rulebook and instantiates it: the IR is optimized first
 * (unless `optimize: false`), then compiled. The interpreter fallback runs the IR as given.
 */
export function compileEvaluator(ir: IrRulebook, options: CompileOptions = {}): CompiledEvaluator {
  let source: string;
  // The factory's parameters: one per value (decimal), or the values in one record `P` (binary64).
  let names: string[];
  let values: unknown[];
  if (ir.meta.arithmetic) {
    // Decimal arithmetic has its own generator (codegen-decimal.ts); the optimizer is binary64's.
    const decimal = generateDecimalSource(ir, options.outputs);
    source = decimal.source;
    names = decimal.parameters.map(([name]) => name);
    values = decimal.parameters.map(([, value]) => value);
  } else {
    const optimized = options.optimize === false ? ir : optimizedOrAsGiven(ir, options.outputs);
    source = generateSource(optimized, options.outputs);
    names = [PARAMETERS];
    values = [Object.fromEntries(factoryParameters(ir))];
  }
  let factory: (...args: unknown[]) => CompiledEvaluator["evaluate"];
  try {
    // A distinct text per instance: V8 caches `new Function` by its text, and instances of one text
    // share their feedback and optimized code, which then cannot treat the factory's constants as
    // constants (each instance has its own). Two loads of one rulebook measured 0.8x instead of 0.95x.
    factory = new Function(...names, `${source}\n// instance ${++instances}`) as typeof factory;
  } catch (error) {
    if (!isCodeGenerationRefused(error)) throw error;
    announceFallback();
    const selected = options.outputs === undefined ? undefined : new Set(options.outputs);
    const run = (input: unknown, validate: InputCheck | undefined): Record<string, OutputValue> => {
      if (validate !== undefined) validate(input);
      const outputs = interpret(ir, input).outputs;
      if (selected === undefined) return outputs;
      return Object.fromEntries(Object.entries(outputs).filter(([name]) => selected.has(name)));
    };
    return { evaluate: run, source, mode: "interpreted" };
  }
  const generated = factory(...values);
  // The decimal generator's function takes the input alone: the check goes before it.
  const evaluate: CompiledEvaluator["evaluate"] = ir.meta.arithmetic
    ? (input, validate) => {
        if (validate !== undefined) validate(input);
        return generated(input, undefined);
      }
    : generated;
  return { evaluate, source, mode: "compiled" };
}

/**
 * The optimized IR; or, when the optimizer trips over a malformed IR (a hand-crafted artifact IR
 * with an unknown expression kind), the IR as given, for the generator to refuse ("invalid IR").
 */
function optimizedOrAsGiven(ir: IrRulebook, outputs: readonly string[] | undefined): IrRulebook {
  try {
    return optimizeIr(ir, outputs !== undefined ? { outputs } : {});
  } catch (error) {
    if (error instanceof TypeError) return ir;
    throw error;
  }
}

/**
 * How many runtime checks the columnar loop of a binary64 rulebook leaves out because the
 * range analysis (src/optimize/check-facts.ts) proves they cannot fire, of how many checks the
 * analysis could have proven; the IR is optimized first, as {@link compileEvaluator} does.
 */
export function elidedChecks(ir: IrRulebook): { elided: number; of: number } {
  const optimized = optimizedOrAsGiven(ir, undefined);
  const compiler = new ExpressionCompiler(optimized);
  compiler.facts = checkFacts(optimized);
  generateSteps(optimized, compiler);
  return { elided: compiler.elided, of: compiler.considered };
}

/**
 * The body of the factory function: factory-level constants, then `return function evaluate(input,
 * validate)`. Deterministic: the same IR always gives the same text.
 *
 * `validate`, when given, is called first: the runtime's `evaluate` (src/runtime/rulebook.ts) hands
 * its input check to this function instead of calling it itself, so that the runtime's dispatcher
 * calls nothing V8 would inline but this function (too large to inline for most rulebooks). A
 * dispatcher that validated in its own body had the validator inlined into its optimized code
 * whenever validated evaluations were hot, grew past V8's inlining budget, and was then called,
 * not inlined, by every caller: the trusted path paid a call, its options object and its result
 * wrapper (0.78-0.82x hand-written per position in `bench:natural`, against 0.88-0.92x after).
 */
export function generateSource(ir: IrRulebook, selected?: readonly string[]): string {
  const compiler = new ExpressionCompiler(ir);
  const { body, outputs, declarations } = generateSteps(ir, compiler, selected);
  const result = resultConstruction(outputs);
  return [
    '"use strict";',
    "// Generated by marginbook from the rulebook's IR. Do not edit.",
    parameterBindings(ir),
    ...[...compiler.constants].map(([name, code]) => `const ${name} = ${code};`),
    ...compiler.functions.values(),
    ...result.declaration,
    "return function evaluate(input, validate) {",
    "  if (validate !== void 0) validate(input);",
    ...[...compiler.inputs.values()].map(({ variable, code }) => `  const ${variable} = ${code};`),
    ...(declarations.length ? [`  let ${declarations.join(", ")};`] : []),
    ...body,
    `  return ${result.value};`,
    "};",
    "",
  ].join("\n");
}

/** The name of the binary64 factory's one parameter: the record of {@link factoryParameters}. */
const PARAMETERS = "P";

/**
 * The factory's parameters bound to constants: `const { min, max, ... } = P;` (all of them: which
 * ones the code uses must not depend on the rulebook's texts). A constant of the factory is a
 * constant to V8 in the evaluator it returns (a parameter, which could be reassigned, is not), so
 * a call of `max` or `roundUp` needs no check of its target: about 4% per position on the natural
 * bracket book (paired rounds in one process).
 */
function parameterBindings(ir: IrRulebook): string {
  return `const { ${factoryParameters(ir)
    .map(([name]) => name)
    .join(", ")} } = ${PARAMETERS};`;
}

/**
 * The statements of one evaluation (every step, in order), the outputs they compute, and the
 * variables to declare before them. Shared by the per-record evaluator and the columnar one. With
 * `selected`, only those outputs are returned (the optimizer then drops what nothing returned reads).
 */
export function generateSteps(
  ir: IrRulebook,
  compiler: ExpressionCompiler,
  selected?: readonly string[],
  tailFrom?: number,
): { body: string[]; outputs: GeneratedOutput[]; declarations: string[]; tail?: string[] } {
  const outputs: GeneratedOutput[] = [];
  const returned = selected === undefined ? undefined : new Set(selected);
  const tail: string[] = [];
  let tailed = tailFrom !== undefined;
  const lines = compiler.block(() => {
    ir.steps.forEach((step, i) => {
      compiler.emit(`// step ${i + 1}`);
      if (tailFrom !== undefined && i >= tailFrom)
        tailed &&= emitTailStep(compiler, ir, step, outputs, tail, i);
      else emitStep(compiler, ir, step, outputs, returned, i);
    });
    return "";
  }, false).code;
  // The lookups of constant keys in each hoisted grouping go right after it (a marker line holds the place).
  const lookupsOf = (slot: number): string[] =>
    [...(compiler.constantLookups.get(slot) ?? new Map<string, string>())].map(
      ([key, variable]) => `${variable} = ${compiler.groupMaps.get(slot)!}.get(${key});`,
    );
  const body = lines.flatMap((line) => {
    const at = line.indexOf(LOOKUPS_MARK);
    if (at < 0) return [line];
    return lookupsOf(Number(line.slice(at + LOOKUPS_MARK.length))).map((l) => line.slice(0, at) + l);
  });
  const declarations = [
    ...ir.slots.map((_, i) => `s${i}`),
    ...[...compiler.constantLookups.values()].flatMap((m) => [...m.values()]),
    ...ir.locals.map((_, i) => `l${i}`),
    ...[...compiler.rowCaches.values()].map((c) => `${c} = -1`),
    ...compiler.aggregateCaches.values(),
  ];
  return { body, outputs, declarations, ...(tailed ? { tail } : {}) };
}

/**
 * A step of the tail (see `tailStart` in codegen-columns.ts): an output's value is computed in
 * the body and its rounding and checks go to `tail`, as do assertions, each as `emitStep` would
 * write it. False when an output's value needs a statement (a check, a loop): the tail's checks
 * would then no longer come after it in a row's order.
 */
function emitTailStep(
  compiler: ExpressionCompiler,
  ir: IrRulebook,
  step: IrStep,
  outputs: GeneratedOutput[],
  tail: string[],
  index: number,
): boolean {
  if (step.kind === "assert") {
    tail.push(
      `// step ${index + 1}`,
      ...compiler.block(() => (emitStep(compiler, ir, step, [], undefined, index), ""), false).code,
    );
    return true;
  }
  if (step.kind !== "output") return false;
  const s = `s${jsIndex(step.slot)}`;
  const value = compiler.block(() => compiler.compile(step.value), false);
  if (!pureStatements(value.code)) return false;
  compiler.emit(...value.code.map((l) => l.slice(2)));
  compiler.emit(`${s} = ${value.value};`);
  tail.push(
    `// step ${index + 1}`,
    ...compiler.block(() => (emitOutputChecks(compiler, ir, step, s), ""), false).code,
  );
  const name = ir.slots[step.slot]!.name;
  outputs.push({ name, key: name === "__proto__" ? `[${jsString(name)}]` : jsString(name), value: s });
  return true;
}

function emitStep(
  compiler: ExpressionCompiler,
  ir: IrRulebook,
  step: IrStep,
  outputs: GeneratedOutput[],
  returned: ReadonlySet<string> | undefined,
  index: number,
): void {
  switch (step.kind) {
    case "let": {
      const s = `s${jsIndex(step.slot)}`;
      compiler.lastGroupMap = undefined;
      compiler.emit(`${s} = ${compiler.compile(step.value)};`);
      // The grouping's map stays in scope: later comprehensions look groups up by key in it.
      if (step.hoisted && step.value.k === "agg" && step.value.op === "group" && compiler.lastGroupMap) {
        compiler.groupMaps.set(step.slot, compiler.lastGroupMap);
        compiler.constantLookups.set(step.slot, new Map());
        compiler.emit(`${LOOKUPS_MARK}${step.slot}`);
      }
      const slot = ir.slots[step.slot]!;
      if (
        slot.type.kind === "number" &&
        !step.hoisted &&
        !certainlyFinite(ir, step.value, false) &&
        compiler.proven(compiler.facts.finite(step))
      )
        compiler.emit(compiler.checkFiniteValue(s, step.site, slot.name));
      return;
    }
    case "rule":
      return emitRule(compiler, ir, step, index);
    case "output":
      return emitOutput(
        compiler,
        ir,
        step,
        returned && !returned.has(ir.slots[step.slot]!.name) ? [] : outputs,
      );
    case "assert": {
      // The condition's own checks stay; its value (pure code) is dropped when it always holds.
      const condition = compiler.compile(step.condition);
      const message = jsString(step.message ?? "the assertion does not hold");
      if (compiler.proven(compiler.facts.holds(step)))
        compiler.emit(`if (!(${condition})) ${compiler.raise(step.site, "assertionFailed", [message])}`);
      return;
    }
  }
}

/** Marks where the constant-key lookups of a hoisted grouping go (a comment: no user text). */
const LOOKUPS_MARK = "// lookups of s";

/** The JavaScript of each rule verb: the quantity's new value from its name and the operand's code. */
const VERB_CODE: Readonly<Record<IrVerb, (quantity: string, operand: string) => string>> = {
  set: (_q, value) => value,
  scale: (q, value) => `${q} * ${value}`,
  add: (q, value) => `${q} + ${value}`,
  floor: (q, value) => `max(${q}, ${value})`,
  cap: (q, value) => `min(${q}, ${value})`,
};

function emitRule(compiler: ExpressionCompiler, ir: IrRulebook, step: IrRuleStep, index: number): void {
  if (compiler.branchlessSelects && emitSelectedRule(compiler, ir, step, index)) return;
  const body = compiler.block(() => {
    for (const action of step.actions) {
      const q = `s${jsIndex(action.slot)}`;
      const apply = compiler.block(() => {
        const value = compiler.compile(action.value);
        compiler.emit(`${q} = ${VERB_CODE[action.verb](q, value)};`);
        const slot = ir.slots[action.slot]!;
        // A `set` to a constant or a table cell cannot overflow: no check on the hot path.
        if (
          slot.type.kind === "number" &&
          !(action.verb === "set" && certainlyFinite(ir, action.value, false)) &&
          compiler.proven(compiler.facts.finite(action))
        )
          compiler.emit(compiler.checkFiniteValue(q, action.site, slot.name));
        return "";
      }, action.condition !== undefined);
      if (!action.condition) {
        compiler.emit(...apply.code.map((l) => l.slice(2)));
        continue;
      }
      const condition = compiler.compile(action.condition);
      compiler.emit(`if (${condition}) {`, ...apply.code, "}");
    }
    return "";
  }, step.condition !== undefined);
  if (!step.condition) {
    compiler.emit("{", ...body.code, "}");
    return;
  }
  const condition = compiler.compile(step.condition);
  compiler.emit(`if (${condition}) {`, ...body.code, "}");
}

/** Helpers that the code of a pure expression may call: none raises, none has an effect. */
const PURE_CALLS = new Set([
  "min",
  "max",
  "abs",
  "sqrt",
  "exp",
  "log",
  "roundUp",
  "roundDown",
  "roundHalfEven",
]);

/**
 * Whether generated code is a pure number expression: locals, literals, arithmetic, comparisons,
 * reads of the select scratch and table columns, calls of {@link PURE_CALLS}; no text, no
 * property, no other call (a helper that may raise, a tier search), no statement.
 */
export function pureNumberCode(code: string): boolean {
  if (/["'`{};]|\bnew\b|\.[A-Za-z_$]|=>|\+\+|--/.test(code)) return false;
  // The only assignments: the select scratch's cells.
  if (/(?<![=!<>])=(?!=)/.test(code.replace(/\bSL\[\d+\] = /g, ""))) return false;
  for (const call of code.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)) if (!PURE_CALLS.has(call[1]!)) return false;
  return true;
}

/** Whether statements only hold pure values in new constants (`const t3 = (0.5 * (V2 - 0.8));`). */
function pureStatements(lines: readonly string[]): boolean {
  return lines.every((line) => {
    const held = /^\s*const t\d+ = (.*);$/.exec(line);
    return held !== null && pureNumberCode(held[1]!);
  });
}

/**
 * A rule with a condition and one numeric action that cannot raise, whose quantity holds a number
 * before it, as a branch-free select: `s1 = (SL[0] = s1, SL[1] = s1 * (...), SL[0 + +(cond)])`.
 * On random data a rule's condition is a coin flip for the branch predictor; the action's value
 * costs a few operations. Same bits: the value chosen is the one the branch would have computed
 * (the action's code is pure, so computing it when the condition is false changes nothing).
 * False (nothing emitted) when the rule does not qualify.
 */
function emitSelectedRule(
  compiler: ExpressionCompiler,
  ir: IrRulebook,
  step: IrRuleStep,
  index: number,
): boolean {
  const action = step.actions[0];
  if (step.condition === undefined || step.actions.length !== 1 || action === undefined || action.condition)
    return false;
  if (ir.slots[action.slot]!.type.kind !== "number" || !assignedBefore(ir, index, action.slot)) return false;
  // A result the branch would check for finiteness keeps the branch: a select raises nothing.
  const certain = action.verb === "set" && certainlyFinite(ir, action.value, false);
  if (!certain && !compiler.facts.finite(action)) return false;
  const q = `s${jsIndex(action.slot)}`;
  // The action's value as the branch would compute it: pure statements and a pure value.
  const apply = compiler.block(() => VERB_CODE[action.verb](q, compiler.compile(action.value)));
  if (!pureNumberCode(apply.value) || !pureStatements(apply.code)) return false;
  compiler.emit(...apply.code.map((l) => l.slice(2)));
  const condition = compiler.compile(step.condition);
  compiler.emit(`${q} = ${compiler.select(condition, apply.value, q)};`);
  if (!certain) compiler.proven(true); // counted as the branch counts its check left out
  return true;
}

/** Whether an unconditional action of a step before `index` sets `slot`. */
function assignedBefore(ir: IrRulebook, index: number, slot: number): boolean {
  return ir.steps
    .slice(0, index)
    .some(
      (s) =>
        s.kind === "rule" &&
        s.condition === undefined &&
        s.actions.some((a) => a.slot === slot && a.verb === "set" && a.condition === undefined),
    );
}

function emitOutput(
  compiler: ExpressionCompiler,
  ir: IrRulebook,
  step: IrOutputStep,
  outputs: GeneratedOutput[],
): void {
  const slot = ir.slots[step.slot]!;
  const s = `s${jsIndex(step.slot)}`;
  compiler.emit(`${s} = ${compiler.compile(step.value)};`);
  emitOutputChecks(compiler, ir, step, s);
  let value = s;
  if (slot.type.kind === "list" || slot.type.kind === "record")
    compiler.emit(
      `if (nonFiniteIn(${s}) !== void 0) ${compiler.raise(step.site, "nonFiniteOutput", [jsString(slot.name), `nonFiniteIn(${s})`])}`,
    );
  if (slot.type.kind === "timestamp") {
    compiler.emit(
      `if (!isRepresentableTimestamp(${s})) ${compiler.raise(step.site, "nonFiniteOutput", [jsString(slot.name), s])}`,
    );
    value = `formatTimestamp(${s})`;
  }
  const key = slot.name === "__proto__" ? `[${jsString(slot.name)}]` : jsString(slot.name);
  outputs.push({ name: slot.name, key, value });
}

/** An output's rounding (of its value in `s`) and its finiteness check, unless proven needless. */
function emitOutputChecks(compiler: ExpressionCompiler, ir: IrRulebook, step: IrOutputStep, s: string): void {
  const slot = ir.slots[step.slot]!;
  if (step.rounding)
    compiler.emit(`${s} = ${roundCall(step.rounding.direction, s, step.rounding.step, step.rounding)};`);
  if (
    slot.type.kind === "number" &&
    !certainlyFinite(ir, step.value, step.rounding !== undefined) &&
    compiler.proven(compiler.facts.finite(step))
  )
    compiler.emit(compiler.checkFinite(s, step.site, slot.name));
}

/** Whether an output's value is finite whatever the input: a number constant or a tier cell, unrounded. */
function certainlyFinite(ir: IrRulebook, value: IrExpr, rounded: boolean): boolean {
  if (rounded) return false;
  if (value.k === "const") return typeof value.v === "number" && Number.isFinite(value.v);
  if (value.k !== "cell" || value.column === "upper") return false;
  const table = ir.tables[value.table];
  return (
    value.column === "tier" ||
    value.column === "lower" ||
    (table !== undefined && table.rows.every((r) => Number.isFinite(r.cells[value.column as number] ?? NaN)))
  );
}
