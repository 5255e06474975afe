/**
 * The columnar evaluator's code: the rulebook's steps (the same generator as the per-record
 * evaluator, `generateSteps`) inside one loop over the rows. Each scalar input of a row is read
 * once from its column (`const V0 = C0[row]`) and each output is stored straight into its column
 * (`O0[row] = s3`). No input object, no result object, no closure per call: the factory runs once
 * per set of columns, and a call binds the arrays to locals of `run`. The input checks
 * (`column-checks.ts`) come in two forms: fused into the loop at the top of each row
 * (`runChecked`), or one pass certifying a whole chunk of rows (`check`) before `run`.
 *
 * Lists (portfolios) come in the Arrow layout (`column-layout.ts`). A comprehension that reads only
 * its items' fields reads them from the flat columns (`C3[lb0 + i]`). Where the code reads a list
 * whole, the loop gives it each row's list as one array that lives as long as the evaluator,
 * refilled from the flat columns with item objects from a pool (one per item position, created
 * the first time a row is that long): nothing is allocated per row once the pool has grown.
 *
 * Choices between two numbers are made without a branch where both can be computed (a rule with
 * a condition and one pure action, `min` / `max` with a constant: `ExpressionCompiler.select`),
 * and rounded outputs at the end are rounded and checked in a second, short loop over the chunk
 * (the tail, see {@link tailStart}), where the rounding's divisions of consecutive rows overlap.
 *
 * A row that fails (a runtime error) throws out of the loop: the caller records it and resumes at
 * the next row, so valid rows pay nothing for error handling. A row whose input the checks do not
 * certify makes `runChecked` return its index: the caller validates it as an object, for its
 * messages.
 *
 * Names enter the code only as `JSON.stringify` literals; columns, pools and helpers as parameters.
 */
import type { IrExpr, IrRulebook, IrType } from "../ir/ir.js";
import { mapChildren } from "../optimize/expr-facts.js";
import { ExpressionCompiler, jsString, type ListColumns } from "./codegen-expr.js";
import { checkFacts } from "../optimize/check-facts.js";
import { generateSteps } from "./codegen.js";
import { ColumnChecks, type ColumnKind } from "./column-checks.js";
import type { ColumnLayout, ColumnList } from "./column-layout.js";
import { isTimestamp } from "./input-schema.js";

/** The generated factory of a columnar evaluator, and the column each of its columns binds. */
export interface ColumnarSource {
  source: string;
  /** Input columns, in the order `run` takes them (`C0`, `C1`, ...): scalar fields and list offsets. */
  inputs: string[];
  /**
   * How validated calls check: row by row inside the loop (`runChecked`) when the input has no
   * list, where the checks share the row's reads and cost a few predicted comparisons; chunk by
   * chunk (`check`, then `run`) when it has lists, where one branch-free pass over the chunk's flat
   * item range costs less than an item loop per row (measured on the natural benchmarks).
   */
  checkPerRow: boolean;
}

/** How the loop is generated: for columns of the kinds given. */
export interface ColumnarOptions {
  /** The kind of array of each numeric column, by path (default `a`: anything). */
  kinds?: ReadonlyMap<string, ColumnKind>;
}

/** The factory parameters the columnar code needs beyond the per-record evaluator's, with their values. */
export const COLUMNAR_EXTRAS: readonly [string, unknown][] = [
  ["isTimestampText", isTimestamp],
  ["SetCtor", Set],
];

/** Scenario sets of at most this many rows are unrolled in the loop (`ExpressionCompiler.unrollScenarios`). */
const UNROLL_SCENARIOS = 32;

/** Output kinds the columnar loop can store (every output of a rulebook, today). */
const STORABLE = new Set<IrType["kind"]>(["number", "bool", "enum", "text", "timestamp", "list", "record"]);

/**
 * A list or record output is stored as a copy: it may hold (or be) a pooled list or item object
 * that the next row refills.
 */
const COPY_OUT =
  'function copyOut(v) { if (Array.isArray(v)) return v.map(copyOut); if (v !== null && typeof v === "object") { const o = {}; for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: copyOut(v[k]), enumerable: true, writable: true, configurable: true }); return o; } return v; }';

/**
 * The factory body of the columnar evaluator of `ir` for the columns given (`present`), or
 * undefined when the rulebook reads its input in a way the loop does not cover (a whole record
 * used as a value): the caller then refills an input object per row.
 *
 * The factory runs once (its parameters: `factoryParameters` and {@link COLUMNAR_EXTRAS}) and
 * returns `{ check, run, runChecked, failed }`. `run(columns, outputs, start, end)` evaluates rows
 * `start` to `end - 1` from the arrays `columns` (in {@link ColumnarSource.inputs} order) into the
 * arrays `outputs` (one per output, in order) and returns `end`; `runChecked` does the same but
 * returns early the index of the first row whose input its checks could not certify valid;
 * `check(columns, start, end)` says whether rows `start` to `end - 1` are certainly valid. A
 * runtime error throws out of `run`; `failed()` is then the row that raised it.
 */
export function columnarSource(
  ir: IrRulebook,
  layout: ColumnLayout,
  present: ReadonlySet<string>,
  options: ColumnarOptions = {},
): ColumnarSource | undefined {
  const scalars = new Map(layout.fields.filter((f) => f.list === undefined).map((f) => [f.path, f]));
  const topLists = new Map(layout.lists.filter((l) => l.list === undefined).map((l) => [l.path, l]));
  const inputs: string[] = [];
  const param = (path: string): string => {
    let index = inputs.indexOf(path);
    if (index < 0) index = inputs.push(path) - 1;
    return `C${index}`;
  };
  // Each top-level scalar the loop reads is read once per row, into `V<column>`.
  const values = new Set<string>();
  const valueOf = (path: string): string => {
    values.add(path);
    return `V${param(path).slice(1)}`;
  };
  const usedLists = new Map<string, string>();
  const views = new Map<string, ListColumns>();
  let unsupported = false;
  // A top-level list's items are read from their columns where a comprehension reads only item
  // fields (`C3[lb0 + i]`); the list itself (`L0`) is refilled only where the code reads it whole.
  const viewOf = (code: string): ListColumns | undefined => {
    const path = [...usedLists].find(([, variable]) => variable === code)?.[0];
    if (path === undefined) return undefined;
    let view = views.get(path);
    if (view === undefined) {
      const k = usedLists.get(path)!.slice(1);
      const item = `${path}.`;
      const scalar = new Map(
        layout.fields
          .filter((f) => f.list === path && f.path.startsWith(item) && present.has(f.path))
          .map((f) => [f.path.slice(item.length), f.path]),
      );
      view = {
        length: `(le${k} - lb${k})`,
        begin: `lb${k}`,
        field: (name) => (scalar.has(name) ? param(scalar.get(name)!) : undefined),
      };
      views.set(path, view);
    }
    return view;
  };
  const outputsSupported = ir.steps.every(
    (s) => s.kind !== "output" || STORABLE.has(ir.slots[s.slot]!.type.kind),
  );
  // Only the columnar loop leaves out proven checks: the analysis costs a few milliseconds the first
  // time in a process, which `loadArtifact` (per-record code) cannot afford, and gains little per record.
  const facts = checkFacts(ir);
  const tailFrom = tailStart(ir);
  const generate = (tailAt: number | undefined) => {
    const compiler = new ExpressionCompiler(
      ir,
      (path) => {
        const key = path.join(".");
        if (scalars.has(key)) return present.has(key) ? valueOf(key) : "void 0";
        const list = topLists.get(key);
        if (list) {
          if (!present.has(key)) return "void 0";
          if (!usedLists.has(key)) usedLists.set(key, `L${usedLists.size}`);
          return usedLists.get(key)!;
        }
        unsupported = true;
        return "void 0";
      },
      viewOf,
    );
    compiler.facts = facts;
    // Loops over scenario sets unrolled, with the scenarios' values as literals: the loop runs over
    // thousands of rows, so the longer code pays for itself (not so in `loadArtifact`'s per-record code).
    compiler.unrollScenarios = UNROLL_SCENARIOS;
    compiler.branchlessSelects = true;
    return { compiler, ...generateSteps(ir, compiler, undefined, tailAt) };
  };
  let generated = generate(tailFrom);
  // An output value that needs a statement keeps its rounding in the loop (see tailStart).
  if (tailFrom !== undefined && generated.tail === undefined) {
    inputs.length = 0;
    values.clear();
    usedLists.clear();
    views.clear();
    unsupported = false;
    generated = generate(undefined);
  }
  const { compiler, body, outputs, declarations, tail } = generated;
  if (unsupported || !outputsSupported) return undefined;

  const bodyValues = new Set(values);
  // The checks: every column given is checked (as `evaluate` validates every field), read or not.
  const checks = new ColumnChecks(ir, layout, present, options.kinds ?? new Map(), param);
  const given = [...scalars.values()].filter((f) => present.has(f.path));
  const givenLists = [...topLists.values()].filter((l) => present.has(l.path));
  const chunkCheck = checks.chunkCheck(given, givenLists);
  const rowChecks: string[] = [];
  if (given.length > 0)
    rowChecks.push(`if (!(${checks.valuesTest(given.map((f) => [f, valueOf(f.path)]))})) return row;`);
  for (const list of givenLists) {
    const offsets = param(list.path);
    const [b, e] = [`QB${offsets.slice(1)}`, `QE${offsets.slice(1)}`];
    rowChecks.push(
      `const ${b} = ${offsets}[row], ${e} = ${offsets}[row + 1];`,
      ...checks.listChecks(list, b, e),
    );
  }
  const reads = (paths: ReadonlySet<string>): string[] =>
    [...paths].map((path) => `const ${valueOf(path)} = ${param(path)}[row];`);

  const refills: string[] = [];
  const pools: string[] = [];
  const names = { next: 0 };
  const refilled: string[] = [];
  const text = body.join("\n") + outputs.map((o) => o.value).join("\n");
  for (const [path, variable] of usedLists) {
    const k = variable.slice(1);
    refills.push(`const lb${k} = ${param(path)}[row], le${k} = ${param(path)}[row + 1];`);
    if (!new RegExp(`\\b${variable}\\b`).test(text)) continue;
    refilled.push(variable);
    refills.push(
      ...refillList(
        layout,
        topLists.get(path)!,
        variable,
        `${param(path)}`,
        "row",
        present,
        param,
        pools,
        names,
      ),
    );
  }
  const outputSteps = ir.steps.filter((s) => s.kind === "output");
  const copied = outputSteps.map((s) => {
    const kind = ir.slots[s.slot]!.type.kind;
    return kind === "list" || kind === "record";
  });
  const stores = outputs.map((o, i) => `O${i}[row] = ${copied[i] ? `copyOut(${o.value})` : o.value};`);
  const indent = (lines: readonly string[], depth: number): string[] =>
    lines.map((l) => `${"  ".repeat(depth)}${l}`);
  const locals = (withOutputs: boolean): string[] => [
    ...inputs.map((_, i) => `const C${i} = columns[${i}];`),
    ...(withOutputs ? outputs.map((_, i) => `const O${i} = outputs[${i}];`) : []),
  ];
  // With a tail (see tailStart), the rows a call leaves behind it go through `tail` first: those
  // before a row the checks refuse (`return row`), before a row that raised, and all at the end.
  const leaving = (lines: readonly string[]): string[] =>
    tail
      ? lines.map((l) => l.replaceAll("return row;", "{ tail(outputs, start, row); return row; }"))
      : [...lines];
  const loop = (rowChecks: readonly string[], values: ReadonlySet<string>): string[] => [
    ...locals(true),
    "let row = start;",
    "try {",
    "  for (; row < end; row++) {",
    ...indent(
      [
        ...reads(values),
        ...leaving(rowChecks),
        ...refills,
        ...(declarations.length ? [`let ${declarations.join(", ")};`] : []),
      ],
      2,
    ),
    ...indent(body, 1),
    ...indent(stores, 2),
    "  }",
    "} catch (error) {",
    ...(tail
      ? ["  const failed = row;", "  tail(outputs, start, failed);", "  failedRow = failed;"]
      : ["  failedRow = row;"]),
    "  throw error;",
    "}",
    // The last call written out in place: its loop then runs in the optimized code of `run`.
    ...(tail ? ["{", ...indent(tailLoop, 1), "}"] : []),
    "return end;",
  ];
  // The tail: each output's rounding and check, then the assertions, row by row over the values
  // the loop stored; a row that raises leaves with its index in `failedRow`.
  const tailOutputs = tail
    ? outputSteps
        .map((s, o) => ({ o, s: `s${s.slot}` }))
        .filter((_, o) => ir.steps.indexOf(outputSteps[o]!) >= tailFrom!)
    : [];
  const tailLoop = [
    ...tailOutputs.map(({ o }) => `const O${o} = outputs[${o}];`),
    "let row = start;",
    "try {",
    "  for (; row < end; row++) {",
    ...tailOutputs.map(({ o, s }) => `    let ${s} = O${o}[row];`),
    ...indent(tail ?? [], 2),
    ...tailOutputs.map(({ o, s }) => `    O${o}[row] = ${s};`),
    "  }",
    "} catch (error) {",
    "  failedRow = row;",
    "  throw error;",
    "}",
  ];
  const tailFunction = tail ? ["function tail(outputs, start, end) {", ...indent(tailLoop, 1), "}"] : [];
  return {
    source: [
      '"use strict";',
      "// Generated by marginbook from the rulebook's IR: the columnar loop. Do not edit.",
      ...[...compiler.constants].map(([name, code]) => `const ${name} = ${code};`),
      ...[...checks.constants].map(([name, code]) => `const ${name} = ${code};`),
      ...compiler.functions.values(),
      ...(copied.includes(true) ? [COPY_OUT] : []),
      ...refilled.map((l) => `const ${l} = [];`),
      ...pools.map((p) => `const ${p} = [];`),
      "let failedRow = -1;",
      ...tailFunction,
      "return {",
      "  failed: () => failedRow,",
      "  check(columns, start, end) {",
      ...indent([...locals(false), ...chunkCheck], 2),
      "  },",
      "  run(columns, outputs, start, end) {",
      ...indent(loop([], bodyValues), 2),
      "  },",
      "  runChecked(columns, outputs, start, end) {",
      ...indent(loop(rowChecks, values), 2),
      "  },",
      "};",
      "",
    ].join("\n"),
    inputs,
    checkPerRow: givenLists.length === 0,
  };
}

/**
 * Statements that refill the list `variable` with the items of row (or item) `at`: the pooled
 * item objects get their fields from the item columns; nested lists are refilled in turn.
 */
function refillList(
  layout: ColumnLayout,
  list: ColumnList,
  variable: string,
  offsets: string,
  at: string,
  present: ReadonlySet<string>,
  param: (path: string) => string,
  pools: string[],
  names: { next: number },
): string[] {
  const depth = names.next++;
  const [begin, end, j, k] = [`rb${depth}`, `re${depth}`, `rj${depth}`, `rk${depth}`];
  const lines = [
    `const ${begin} = ${offsets}[${at}], ${end} = ${offsets}[${at} + 1];`,
    // Setting a length is a call into the runtime even when it does not change: only when it does.
    `if (${variable}.length !== ${end} - ${begin}) ${variable}.length = ${end} - ${begin};`,
  ];
  const element = list.element;
  if (element.kind !== "record" && element.kind !== "list") {
    const values = `${list.path}[]`;
    lines.push(
      present.has(values)
        ? `for (let ${j} = ${begin}; ${j} < ${end}; ${j}++) ${variable}[${j} - ${begin}] = ${param(values)}[${j}];`
        : `for (let ${k} = 0; ${k} < ${end} - ${begin}; ${k}++) ${variable}[${k}] = void 0;`,
    );
    return lines;
  }
  const pool = `P${depth}`;
  pools.push(pool);
  const prefix = element.kind === "record" ? `${list.path}.` : `${list.path}[]`;
  const fields = layout.fields.filter((f) => f.list === list.path && present.has(f.path));
  const inner = layout.lists.filter((l) => l.list === list.path && present.has(l.path));
  if (element.kind === "list") {
    // A list of lists: each item is itself a pooled list, refilled from the inner offsets.
    const nested = inner[0];
    const body = nested
      ? refillList(layout, nested, "rx", param(nested.path), j, present, param, pools, names)
      : ["rx.length = 0;"];
    lines.push(
      `for (let ${j} = ${begin}; ${j} < ${end}; ${j}++) {`,
      `  let rx = ${pool}[${j} - ${begin}];`,
      `  if (rx === void 0) rx = ${pool}[${j} - ${begin}] = [];`,
      ...body.map((l) => `  ${l}`),
      `  ${variable}[${j} - ${begin}] = rx;`,
      "}",
    );
    return lines;
  }
  // Every item object has the same fields in the same order: one hidden class for the pool.
  const keys = [
    ...fields.map((f) => f.path.slice(prefix.length)),
    ...inner.map((l) => l.path.slice(prefix.length)),
  ];
  const literal = `{ ${keys.map((key, i) => `[${jsString(key)}]: ${i < fields.length ? initial(fields[i]!.type) : "[]"}`).join(", ")} }`;
  lines.push(
    `for (let ${j} = ${begin}; ${j} < ${end}; ${j}++) {`,
    `  let rx = ${pool}[${j} - ${begin}];`,
    `  if (rx === void 0) rx = ${pool}[${j} - ${begin}] = ${literal};`,
    ...fields.map((f) => `  rx[${jsString(f.path.slice(prefix.length))}] = ${param(f.path)}[${j}];`),
  );
  for (const nested of inner) {
    const key = jsString(nested.path.slice(prefix.length));
    lines.push(
      "  {",
      `    const ry = rx[${key}];`,
      ...refillList(layout, nested, "ry", param(nested.path), j, present, param, pools, names).map(
        (l) => `    ${l}`,
      ),
      "  }",
    );
  }
  lines.push(`  ${variable}[${j} - ${begin}] = rx;`, "}");
  return lines;
}

function initial(type: IrType): string {
  return type.kind === "number" ? "0" : type.kind === "bool" ? "false" : '""';
}

/**
 * Where the loop's tail starts, or undefined for none. The tail is the last steps when they are
 * number outputs and assertions only, at least one output rounded, each output's value reading
 * none of their slots and each assertion reading nothing but their slots and constants. The loop
 * then stores each such output's value unrounded, and a second loop over the same rows (`tail`)
 * rounds and checks them and tests the assertions: a short loop with no other work, where the
 * CPU overlaps the rounding's divisions of many rows instead of waiting for each row's in turn.
 * The same operations on the same values in the same order per row, so the same bits and errors
 * (an output whose value needs a statement, a check, keeps the loop as it was: codegen.ts).
 */
export function tailStart(ir: IrRulebook): number | undefined {
  let start = ir.steps.length;
  while (start > 0) {
    const step = ir.steps[start - 1]!;
    if (step.kind === "assert" || (step.kind === "output" && ir.slots[step.slot]!.type.kind === "number"))
      start--;
    else break;
  }
  const steps = ir.steps.slice(start);
  const slots = new Set(steps.flatMap((s) => (s.kind === "output" ? [s.slot] : [])));
  if (!steps.some((s) => s.kind === "output" && s.rounding !== undefined)) return undefined;
  for (const step of steps) {
    if (step.kind === "output" && readsAny(step.value, (e) => e.k === "slot" && slots.has(e.slot)))
      return undefined;
    const foreign = (e: IrExpr): boolean =>
      !(e.k === "const" || e.k === "unary" || e.k === "binary" || (e.k === "slot" && slots.has(e.slot)));
    if (step.kind === "assert" && readsAny(step.condition, foreign)) return undefined;
  }
  return start;
}

/** Whether `e` or any expression inside it satisfies `test`. */
function readsAny(e: IrExpr, test: (e: IrExpr) => boolean): boolean {
  let found = test(e);
  mapChildren(e, (child) => {
    found ||= readsAny(child, test);
    return child;
  });
  return found;
}
