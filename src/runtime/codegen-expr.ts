/**
 * JavaScript generation for IR expressions, used by the code generator (`codegen.ts`).
 *
 * An expression compiles to a JavaScript expression string plus, when it needs them, statements
 * emitted before it in the current block (checks that raise runtime errors, tier searches, loops of
 * comprehensions). Expression strings are pure: they cannot throw and change nothing, so where they
 * are finally evaluated does not matter; everything that can raise is a statement, emitted in the
 * interpreter's evaluation order. Lazy constructs (`if`, `and`, `or`, comprehension bodies,
 * defaults) get their own blocks, so they run only when the interpreter would run them.
 *
 * Injection-proof by construction: user text (names, strings, messages) only ever enters the code
 * through `JSON.stringify` string literals, and numbers through {@link jsNumber}.
 */
import {
  childExprs,
  type IrAggregate,
  type IrBuiltin,
  type IrConstValue,
  type IrExpr,
  type IrRulebook,
  type IrTierTable,
} from "../ir/ir.js";
import { isBuiltin } from "../semantics/builtins.js";
import { decimalStep } from "../semantics/numeric.js";
import { omittableInputs, PROTOTYPE_NAMES } from "../semantics/operations.js";
import type { runtimeErrors } from "../semantics/errors.js";
import { freeLocals, isInfallible } from "../optimize/expr-facts.js";
import { NO_FACTS, type CheckFacts } from "../optimize/check-facts.js";
import { planFusion, type FusionMember } from "../optimize/fusion.js";

/** A number as a JavaScript expression, exact, with -0, NaN and infinities spelled without globals. */
export function jsNumber(value: number): string {
  if (typeof value !== "number") throw new Error(`invalid IR: expected a number, found ${typeof value}`);
  if (Number.isNaN(value)) return "(0/0)";
  if (value === Infinity) return "(1/0)";
  if (value === -Infinity) return "(-1/0)";
  if (Object.is(value, -0)) return "(-0)";
  return value < 0 ? `(${String(value)})` : String(value);
}

/** A string as a JavaScript string literal. */
export function jsString(value: string): string {
  if (typeof value !== "string") throw new Error(`invalid IR: expected a string, found ${typeof value}`);
  return JSON.stringify(value);
}

/**
 * An index (slot, local, table, column, ...) as code. The IR may come from an artifact: whatever it
 * holds, only non-negative integers are ever spliced in (a `-1` after a prefix, `s-1`, would read a
 * global `s`).
 */
export function jsIndex(value: unknown): string {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw new Error(`invalid IR: expected an index, found ${JSON.stringify(value)}`);
  return String(value);
}

/** A site as code: an index, or -1 for a node without one. Only ever an argument, never part of a name. */
export function jsSite(value: unknown): string {
  return value === -1 ? "-1" : jsIndex(value);
}

const BINARY_OPERATORS: Readonly<Record<string, string>> = {
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
  "==": "===",
  "!=": "!==",
};

const ATOM = /^(?:[A-Za-z_$][\w$]*|\d[\d.e+-]*|\(-?[\d.e+-]+\)|"(?:[^"\\]|\\.)*"|true|false)$/;

/** The values each runtime error's message needs, in the order the raising helpers take them. */
const RAISER_PARAMETERS = {
  divisionByZero: [],
  sqrtOfNegative: ["value"],
  lnOfNonPositive: ["value"],
  emptyAggregate: ["fn"],
  outsideTiers: ["value", "table"],
  aboveLimit: ["value", "table", "limit"],
  missingKey: ["table", "key"],
  nonFiniteOutput: ["name", "value"],
  nonFiniteValue: ["name", "value"],
  assertionFailed: ["message"],
  indexOutOfRange: ["index", "length"],
} as const satisfies Partial<Record<keyof typeof runtimeErrors, readonly string[]>>;

/**
 * Zeroes a scratch array of `rows` accumulators. A loop, not `fill(0)`: V8 runs a typed array's
 * `fill` as a call into C++ (about 100 ns, as much as the sums of a small list), never inlined.
 */
function zeroScratch(scratch: string, rows: number): string {
  return `for (let z = 0; z < ${jsIndex(rows)}; z++) ${scratch}[z] = 0;`;
}

/** A scenario loop is unrolled only when its element has at most this many IR nodes. */
const UNROLL_NODES = 40;

/** A comprehension variable bound to the rows of a scenario set: the loop counter, or the row of an unrolled copy. */
interface ScenarioBinding {
  set: number;
  /** The row index (code): the loop counter, or a literal in an unrolled copy. */
  counter: string;
  /** The row of an unrolled copy. */
  at?: number;
}

/** Tables with more rows than this are searched by bisection rather than a chain of comparisons. */
const LINEAR_SEARCH_ROWS = 8;

/**
 * Tier tables of at most this many rows are searched by counting the boundaries at or below the key
 * (`+(k >= b1) + +(k >= b2) ...`, compiled by V8 to `setcc` and adds) rather than through a chain of
 * comparisons, in the per-record and the columnar evaluators alike: on keys spread over the tiers
 * the chain mispredicts a branch or two per search.
 */
const BRANCHLESS_TIER_ROWS = 16;

/**
 * A list input held as columns (the columnar evaluator): the current row's items are the flat
 * indexes `begin` to `begin + length - 1` of each item field's column.
 */
export interface ListColumns {
  /** The number of items of the current row (code). */
  length: string;
  /** The flat index of the current row's first item (code). */
  begin: string;
  /** The column (code) of a scalar item field, or undefined when it has none. */
  field(name: string): string | undefined;
}

/** Compiles the expressions of one rulebook into statements and pure JavaScript expressions. */
export class ExpressionCompiler {
  /** Statements of the current block. */
  private out: string[] = [];
  private temps = 0;
  /** Factory-level constants (tier columns), created once per compiled evaluator. */
  readonly constants = new Map<string, string>();
  /** Top-level inputs read at the start of an evaluation, by name. */
  readonly inputs = new Map<string, { variable: string; code: string }>();
  /** Factory-level functions (error raisers, tier searches), by name. */
  readonly functions = new Map<string, string>();
  /** Cached tier rows, by table and key: `let cN = -1` at the top of the evaluation. */
  readonly rowCaches = new Map<string, string>();

  /** Row caches certainly filled by now: searched in code that always runs before this point. */
  private readonly filled = new Set<string>();
  /** Row caches with a search emitted anywhere so far. */
  private readonly searched = new Set<string>();
  private conditionalDepth = 0;
  /**
   * Comprehensions computed in code that always runs, by {@link aggregateShape}: a later identical
   * one (the same `group(...)` in two outputs) reuses the value, held in a variable `aN` declared at
   * the top of the evaluation.
   */
  readonly aggregateCaches = new Map<string, string>();
  /**
   * Comprehension variables bound to the rows of a scenario set, with the loop counter over them:
   * `s.index`, `s.weight`, `s.name` and the axes read constant columns at the counter, so the loop
   * neither loads the scenario's record nor looks its fields up.
   */
  private readonly scenarioLocals = new Map<number, ScenarioBinding>();
  /**
   * The map of each hoisted grouping (a let the optimizer introduced whose value is `group(...)`),
   * by slot: comprehensions over its groups filtered by key look the group up (see groupLookup).
   */
  readonly groupMaps = new Map<number, string>();
  /** Sums computed before the scenario loop they sit in (see interchangeSums): their value's code, by node. */
  private readonly interchanged = new Map<IrExpr, { scratch: string; local: number }>();
  private scratchCount = 0;
  /** The loop-fusion plan (src/optimize/fusion.ts), made on first use. */
  private fusionPlan: Map<IrAggregate, readonly FusionMember[]> | undefined;
  /** Comprehension variables over a columnar list read as columns: the flat index and the columns. */
  private readonly columnLocals = new Map<number, { index: string; view: ListColumns }>();
  /** Expressions computed into a variable ahead of the loop that reads them (see holdInvariants). */
  private readonly held = new Map<IrExpr, string>();
  /** Sums already computed by a fused pass over their list: their accumulators, by node. */
  private readonly fusedScratch = new Map<IrAggregate, string>();
  /** Per hoisted grouping (by slot): the variable holding the group of each constant key, by the key's code. */
  readonly constantLookups = new Map<number, Map<string, string>>();
  private lookupCount = 0;
  /** The map variable of the last `group(...)` compiled (read right after compiling a hoisted let). */
  lastGroupMap: string | undefined;
  /** Loop counters: non-negative integers, so an index check against them only compares the length. */
  private readonly counters = new Set<string>();
  /**
   * The checks proven unable to fire (src/optimize/check-facts.ts), which are then not emitted; set
   * by `generateSteps` for the IR it compiles. None by default.
   */
  facts: CheckFacts = NO_FACTS;
  /**
   * Loops over a scenario set of at most this many rows are unrolled (see {@link scenarioLoop});
   * 0, the default, unrolls none. The columnar evaluator sets it.
   */
  unrollScenarios = 0;
  /**
   * Whether a choice between two numbers already computed is made without a branch (see
   * {@link select}): a `min` or `max` with a constant, a rule whose condition guards one pure
   * action (`generateSteps`). The columnar evaluator sets it.
   */
  branchlessSelects = false;
  /** How many selects {@link select} has written (two scratch cells each, in the constant `SL`). */
  private selects = 0;
  /** How deep in unrolled scenario loops the code being compiled is (only the outermost unrolls). */
  private unrolling = 0;
  /** How many checks were left out because {@link facts} proves them, of how many it was asked about. */
  elided = 0;
  considered = 0;

  /**
   * `inputCode` lets another evaluator shape read inputs its own way: given an input path
   * (`["position", "size"]`) it returns the code of the value (a column read `c0[row]`), or
   * undefined for the usual read from the input object. The columnar evaluator uses it.
   */
  constructor(
    private readonly ir: IrRulebook,
    private readonly inputCode?: (path: readonly string[]) => string | undefined,
    private readonly listColumns?: (code: string) => ListColumns | undefined,
  ) {}

  /**
   * Runs `body` with a fresh block and returns its statements (indented) and its value. A block is
   * `conditional` unless it runs whenever the code around it runs.
   */
  block(body: () => string, conditional = true): { code: string[]; value: string } {
    const saved = this.out;
    this.out = [];
    if (conditional) this.conditionalDepth++;
    try {
      const value = body();
      return { code: this.out.map((line) => `  ${line}`), value };
    } finally {
      this.out = saved;
      if (conditional) this.conditionalDepth--;
    }
  }

  /** Appends statements to the current block. */
  emit(...lines: string[]): void {
    this.out.push(...lines);
  }

  /** A variable holding `code`, unless it is already a variable or a literal. */
  atom(code: string): string {
    if (ATOM.test(code)) return code;
    const name = `t${this.temps++}`;
    this.emit(`const ${name} = ${code};`);
    return name;
  }

  /**
   * A variable holding the value `code` has now. Unlike {@link atom}, a bare local (`l3`, a `let`'s
   * or a parameter's) is copied: a later binding of the same local (the next call of the same
   * function, the next `let` of the same name) must not change a value already computed.
   */
  copyOf(code: string): string {
    if (!/^l\d+$/.test(code)) return this.atom(code);
    const name = `t${this.temps++}`;
    this.emit(`const ${name} = ${code};`);
    return name;
  }

  /** A fresh mutable variable, declared in the current block. */
  variable(initial: string): string {
    const name = `t${this.temps++}`;
    this.emit(`let ${name} = ${initial};`);
    return name;
  }

  /** A statement that raises MB6007 unless the number `value` is finite. */
  checkFinite(value: string, site: number, name: string): string {
    if (!this.functions.has("F_output"))
      this.functions.set(
        "F_output",
        "function F_output(value, site, name) { if (!isFinite(value)) raise(site, E.nonFiniteOutput, { name: name, value: value }); }",
      );
    // The test inline, the raising call out of line: the hot function stays small enough for V8
    // to inline its helpers (the rounding above all) within its budget.
    return `if (!isFinite(${value})) F_output(${value}, ${jsSite(site)}, ${jsString(name)});`;
  }

  /**
   * A statement that raises MB6011 unless the number `value` (a let or a quantity just computed) is
   * finite: an overflow never travels on silently into a comparison or a `min`.
   */
  checkFiniteValue(value: string, site: number, name: string): string {
    if (!this.functions.has("F_value"))
      this.functions.set(
        "F_value",
        "function F_value(value, site, name) { if (!isFinite(value)) raise(site, E.nonFiniteValue, { name: name, value: value }); }",
      );
    return `if (!isFinite(${value})) F_value(${value}, ${jsSite(site)}, ${jsString(name)});`;
  }

  /**
   * A statement raising `error` at `site` with the values of its template, through a small
   * factory-level helper (so that the hot code stays small enough for V8 to inline it).
   */
  raise(site: number | "site", error: keyof typeof RAISER_PARAMETERS, values: string[]): string {
    const parameters = RAISER_PARAMETERS[error];
    if (!this.functions.has(`R_${error}`)) {
      const fields = parameters.map((p) => `${p}: ${p}`).join(", ");
      this.functions.set(
        `R_${error}`,
        `function R_${error}(site${parameters.map((p) => `, ${p}`).join("")}) { raise(site, E.${error}, { ${fields} }); }`,
      );
    }
    return `R_${error}(${[site === "site" ? site : jsSite(site), ...values].join(", ")});`;
  }

  compile(e: IrExpr): string {
    const held = this.held.get(e);
    if (held !== undefined) return held;
    switch (e.k) {
      case "const":
        return typeof e.v === "number"
          ? jsNumber(e.v)
          : typeof e.v === "string"
            ? jsString(e.v)
            : e.v === true
              ? "true"
              : e.v === false
                ? "false"
                : invalid(e);
      case "input": {
        const given = this.inputCode?.(e.path);
        if (given !== undefined) return this.read(given, e.default, e.timestamp);
        // Only the last field can be optional (left out, with a default): read it as an own property.
        const last = e.path.length - 2;
        const code = e.path
          .slice(1)
          .reduce(
            (object, name, i) => this.member(object, name, i === last && e.default !== undefined),
            this.inputRecord(e.path[0]!),
          );
        return this.read(code, e.default, e.timestamp);
      }
      case "slot":
        return `s${jsIndex(e.slot)}`;
      case "local":
        return `l${jsIndex(e.local)}`;
      case "unary":
        return e.op === "neg" ? `(-${this.compile(e.x)})` : `(!${this.compile(e.x)})`;
      case "binary":
        return this.binary(e);
      case "if": {
        const c = this.compile(e.c);
        const t = this.block(() => this.compile(e.t));
        const f = this.block(() => this.compile(e.e));
        if (t.code.length === 0 && f.code.length === 0) return `(${c} ? ${t.value} : ${f.value})`;
        const result = this.variable("void 0");
        this.emit(
          `if (${c}) {`,
          ...t.code,
          `  ${result} = ${t.value};`,
          "} else {",
          ...f.code,
          `  ${result} = ${f.value};`,
          "}",
        );
        return result;
      }
      case "call":
        return this.call(e);
      case "tier":
        return this.row(e.table, e.key, e.site, e);
      case "cell": {
        const row = this.compile(e.row);
        if (e.column === "tier") return `(${row} + 1)`;
        return `${this.column(e.table, e.column)}[${row}]`;
      }
      case "margin": {
        const key = this.atom(this.compile(e.key));
        const row = this.row(e.table, e.key, e.site, e, key);
        const deduction = `${this.column(e.table, `d${jsIndex(e.column)}`)}[${row}]`;
        return e.deduction
          ? deduction
          : `(${key} * ${this.column(e.table, e.column)}[${row}] - ${deduction})`;
      }
      case "field": {
        const item = e.x.k === "local" ? this.columnLocals.get(e.x.local) : undefined;
        if (item && e.default === undefined && !e.timestamp) {
          const field = item.view.field(e.name);
          if (field !== undefined) return `${field}[${item.index}]`;
        }
        const column =
          e.default === undefined && !e.timestamp && e.x.k === "local"
            ? this.scenarioField(e.x.local, e.name)
            : undefined;
        return (
          column ??
          this.read(this.member(this.compile(e.x), e.name, e.default !== undefined), e.default, e.timestamp)
        );
      }
      case "liquidation": {
        const args = [e.side, e.size, e.entry, e.balance].map((a) => this.compile(a));
        const convention = this.constant(
          `LC${jsIndex(e.table)}_${e.marginAt ?? "l"}_${e.contract ?? "l"}_${String(e.closingFee ?? 0).replace(/[^0-9a-z]/gi, "_")}`,
          `{ marginAt: ${jsString(e.marginAt ?? "liquidation")}, contract: ${jsString(e.contract ?? "linear")}, closingFee: ${jsNumber(e.closingFee ?? 0)} }`,
        );
        return this.atom(
          `liquidationPrice(${this.liquidationColumns(e.table, e.column)}, ${convention}, ${args.join(", ")}, ${jsSite(e.site)}, raise)`,
        );
      }
      case "index": {
        const list = this.atom(this.compile(e.x));
        const index = this.atom(this.compile(e.index));
        const inRange = this.counters.has(index)
          ? `${index} < ${list}.length`
          : `isInteger(${index}) && ${index} >= 0 && ${index} < ${list}.length`;
        this.emit(`if (!(${inRange})) ${this.raise(e.site, "indexOutOfRange", [index, `${list}.length`])}`);
        return `${list}[${index}]`;
      }
      case "scenarios":
        return this.constant(`SC${jsIndex(e.set)}`, `SC[${jsIndex(e.set)}]`);
      case "nokey": {
        const keys = e.keys.map((k) => this.compile(k));
        this.emit(this.raise(e.site, "missingKey", [jsString(e.table), `keyText([${keys.join(", ")}])`]));
        return "0";
      }
      case "agg": {
        const scratch = this.interchanged.get(e);
        if (scratch === undefined) return this.reusedAggregate(e);
        return `${scratch.scratch}[${this.scenarioLocals.get(scratch.local)!.counter}]`;
      }
      case "list": {
        const items = e.items.map((item) => this.atom(this.compile(item)));
        return `[${items.join(", ")}]`;
      }
      case "record": {
        const values = e.values.map((value) => this.atom(this.compile(value)));
        return `recordValue([${e.names.map(jsString).join(", ")}], [${values.join(", ")}])`;
      }
      case "let":
        // The body's value is held at once: a later binding of the same local must not change it.
        this.emit(`l${jsIndex(e.local)} = ${this.compile(e.value)};`);
        return this.copyOf(this.compile(e.body));
      case "apply":
        return this.apply(e);
      default:
        return invalid(e);
    }
  }

  /**
   * A user function's call, inlined: the arguments into the parameters' locals, then the body. No
   * function is active twice at once (the checker refuses recursion), so its locals are its own.
   */
  private apply(e: Extract<IrExpr, { k: "apply" }>): string {
    const fn = this.ir.functions?.[e.fn];
    if (!fn || fn.params.length !== e.args.length) return invalid(e);
    const args = e.args.map((a) => this.atom(this.compile(a)));
    fn.params.forEach((local, i) => this.emit(`l${jsIndex(local)} = ${args[i]};`));
    return this.copyOf(this.compile(fn.body));
  }

  /**
   * The variable holding a top-level input (`v0 = input["position"]`), read once at the start of
   * every evaluation: reading a property of the input object cannot fail.
   */
  private inputRecord(name: string): string {
    // A record whose fields all have defaults may be left out: it reads as an empty record.
    const code = this.member("input", name);
    if (!this.inputs.has(name))
      this.inputs.set(name, {
        variable: `v${this.inputs.size}`,
        code: omittableInputs(this.ir.schema).has(name) ? `(${code} ?? EMPTY_RECORD)` : code,
      });
    return this.inputs.get(name)!.variable;
  }

  /**
   * A field read. Names of `Object.prototype` members and optional fields are read as own
   * properties only (`readField`), so that neither a field named `constructor` nor an optional
   * field left out of the input ever reads what `Object.prototype` holds.
   */
  private member(object: string, name: string, optional = false): string {
    return optional || PROTOTYPE_NAMES.has(name)
      ? `readField(${object}, ${jsString(name)})`
      : `${object}[${jsString(name)}]`;
  }

  private read(code: string, fallback: IrConstValue | undefined, timestamp: true | undefined): string {
    const literal = fallback === undefined ? "void 0" : this.compile({ k: "const", v: fallback });
    if (timestamp) return `withDefault(${code}, ${literal}, true)`;
    return fallback === undefined ? code : `(${code} ?? ${literal})`;
  }

  private binary(e: Extract<IrExpr, { k: "binary" }>): string {
    const l = this.compile(e.l);
    if (e.op === "and" || e.op === "or") {
      const r = this.block(() => this.compile(e.r));
      if (r.code.length === 0) return `(${l} ${e.op === "and" ? "&&" : "||"} ${r.value})`;
      const result = this.variable(l);
      this.emit(`if (${e.op === "and" ? "" : "!"}${result}) {`, ...r.code, `  ${result} = ${r.value};`, "}");
      return result;
    }
    const r = this.compile(e.r);
    if (e.op === "/" && !(e.r.k === "const" && e.r.v !== 0) && this.proven(this.facts.safe(e))) {
      const divisor = this.atom(r);
      this.emit(`if (${divisor} === 0) ${this.raise(e.site ?? -1, "divisionByZero", [])}`);
      return `(${l} / ${divisor})`;
    }
    const op = Object.hasOwn(BINARY_OPERATORS, e.op) ? BINARY_OPERATORS[e.op] : undefined;
    return op ? `(${l} ${op} ${r})` : invalid(e);
  }

  private call(e: Extract<IrExpr, { k: "call" }>): string {
    const args = e.args.map((a) => this.compile(a));
    // Own keys only: a hand-crafted IR naming `constructor` must not reach Object.prototype.
    if (!isBuiltin(e.fn)) return invalid(e);
    return BUILTIN_CODE[e.fn](this, args, e.site ?? -1, e);
  }

  /**
   * Whether a check is needed: false when `proven` (the check can never fire), which is counted in
   * {@link elided}.
   */
  proven(proven: boolean): boolean {
    this.considered++;
    if (proven) this.elided++;
    return !proven;
  }

  /** `sqrt` and `ln`: the argument once, a guard that raises `error` (unless proven needless), then the call. */
  guardedCall(
    fn: string,
    x: string,
    failsWhen: string,
    error: "sqrtOfNegative" | "lnOfNonPositive",
    site: number,
    e: IrExpr,
  ): string {
    if (!this.proven(this.facts.safe(e))) return `${fn}(${x})`;
    const atom = this.atom(x);
    this.emit(`if (${atom} ${failsWhen}) ${this.raise(site, error, [atom])}`);
    return `${fn}(${atom})`;
  }

  /** A call of a helper that raises through `raise` itself (pow, option pricing). */
  helperCall(helper: string, args: readonly string[], site: number): string {
    return this.atom(`${helper}(${args.join(", ")}, ${jsSite(site)}, raise)`);
  }

  /** `round_up/down/half_even(x, step)`: inline with a constant step, else the dynamic helper. */
  roundCallCode(e: Extract<IrExpr, { k: "call" }>, args: readonly string[], site: number): string {
    const direction = e.fn.slice(6);
    const step = e.args[1]!;
    if (step.k === "const" && typeof step.v === "number" && step.v > 0 && step.v !== Infinity)
      return roundCall(direction, args[0]!, step.v);
    return this.atom(`roundDynamic(${jsString(direction)}, ${args[0]}, ${args[1]}, ${jsSite(site)}, raise)`);
  }

  /**
   * `condition ? ifTrue : ifFalse` for two numbers, without a branch: both stored in a scratch
   * `Float64Array` and the one at `+(condition)` read back (V8 compiles the comparison to a
   * `setcc`). Each select has its own two cells. A `Float64Array` keeps every double's bits
   * (-0 and NaN included), so the value read is the value chosen. The three operands are
   * evaluated whatever the condition: the caller makes sure they are pure.
   */
  select(condition: string, ifTrue: string, ifFalse: string): string {
    const at = 2 * this.selects++;
    this.constants.set("SL", `new Float64ArrayCtor(${2 * this.selects})`);
    return `(SL[${at}] = ${ifFalse}, SL[${at + 1}] = ${ifTrue}, SL[${at} + +(${condition})])`;
  }

  /**
   * `min(x, c)` or `max(x, c)` (either order) with `c` a number constant other than 0 and NaN, as a
   * {@link select}: `x > c ? c : x` is `min(x, c)` for every double `x` then (a NaN `x` gives `x`,
   * as `min` does; a zero `x` is not `c`, so -0 versus +0 never arises). Undefined otherwise.
   */
  minMaxSelect(
    fn: "min" | "max",
    e: Extract<IrExpr, { k: "call" }>,
    args: readonly string[],
  ): string | undefined {
    if (!this.branchlessSelects || e.args.length !== 2) return undefined;
    const constant = e.args.findIndex(
      (a) => a.k === "const" && typeof a.v === "number" && a.v !== 0 && a.v === a.v,
    );
    if (constant < 0) return undefined;
    const c = args[constant]!;
    const x = this.atom(args[1 - constant]!);
    return this.select(`${x} ${fn === "min" ? ">" : "<"} ${c}`, c, x);
  }

  /** A factory-level constant: created once, read by every evaluation. */
  private constant(name: string, code: string): string {
    if (!this.constants.has(name)) this.constants.set(name, code);
    return name;
  }

  /**
   * The array of one column of a table (`c` a column index, `d<c>` its deductions, `lower`, `upper`),
   * a `Float64Array`: its length is fixed, so V8 drops the bounds check of a read at a row the
   * search returned (about 2% per position on the natural bracket book, paired rounds).
   */
  private column(table: number, column: number | string): string {
    const t = this.ir.tables[table];
    if (!t || !(typeof column === "number" || /^(lower|upper|d\d+)$/.test(column)))
      throw new Error(`invalid IR: no column ${String(column)} in table ${String(table)}`);
    const values =
      typeof column === "number"
        ? t.rows.map((r) => r.cells[column]!)
        : column === "lower"
          ? t.rows.map((r) => r.lower)
          : column === "upper"
            ? t.rows.map((r) => r.upper ?? Infinity)
            : t.rows.map((r) => r.deductions[Number(column.slice(1))] ?? 0);
    return this.constant(
      `T${jsIndex(table)}_${typeof column === "number" ? jsIndex(column) : column}`,
      `new Float64ArrayCtor([${values.map(jsNumber).join(", ")}])`,
    );
  }

  /** The factory-level columns `liquidationPrice` reads (see `LiquidationColumns` in semantics/liquidation.ts). */
  private liquidationColumns(table: number, column: number): string {
    const [lower, upper, rate, deduction] = ["lower", "upper", column, `d${jsIndex(column)}`].map((c) =>
      this.column(table, c),
    );
    const t = this.ir.tables[table]!;
    const flags = (f: (r: (typeof t.rows)[number]) => boolean): string =>
      `[${t.rows.map((r) => String(f(r))).join(", ")}]`;
    return this.constant(
      `T${jsIndex(table)}_L${jsIndex(column)}`,
      `{ lower: ${lower}, upper: ${upper}, rate: ${rate}, deduction: ${deduction}, ` +
        `lowerInclusive: ${flags((r) => r.lowerInclusive)}, upperInclusive: ${flags((r) => r.upperInclusive || r.upper === null)}, ` +
        `table: ${jsString(t.name)}, limit: ${String(t.limit === true)} }`,
    );
  }

  /**
   * The row of `table` that contains the key: a cached row when the key cannot change during an
   * evaluation (an input, a let, an output), else a fresh search.
   */
  private row(table: number, keyExpr: IrExpr, site: number, node: IrExpr, key?: string): string {
    const stable =
      keyExpr.k === "input" ||
      keyExpr.k === "const" ||
      (keyExpr.k === "slot" && this.ir.slots[keyExpr.slot]?.kind !== "quantity");
    const within = this.facts.withinTiers(node);
    const search = (k: string): string => `${this.search(table, within)}(${k}, ${jsSite(site)})`;
    if (!stable) return this.atom(search(key ?? this.atom(this.compile(keyExpr))));
    const id = `${table}:${JSON.stringify(keyExpr)}`;
    if (!this.rowCaches.has(id)) this.rowCaches.set(id, `c${this.rowCaches.size}`);
    const cache = this.rowCaches.get(id)!;
    if (this.filled.has(cache)) return cache;
    // The first search of a key in code that always runs needs no test: the cache is still empty.
    const first = !this.searched.has(cache) && this.conditionalDepth === 0;
    this.searched.add(cache);
    const k = key ?? this.atom(this.compile(keyExpr));
    this.emit(first ? `${cache} = ${search(k)};` : `if (${cache} < 0) ${cache} = ${search(k)};`);
    if (this.conditionalDepth === 0) this.filled.add(cache);
    return cache;
  }

  /**
   * The factory-level function `S<table>(key, site)` that returns the row containing `key`, or
   * raises MB6006. The checker guarantees rows that are contiguous and ascending, so after the two
   * outer bounds only the inner boundaries are compared: counted in a table of up to
   * {@link BRANCHLESS_TIER_ROWS} rows; in a larger one, bisected down to chains of at most
   * {@link LINEAR_SEARCH_ROWS} rows.
   */
  private search(index: number, within = { lower: false, upper: false }): string {
    const table = this.ir.tables[index];
    if (!table || table.rows.length === 0) throw new Error(`invalid IR: no tier table ${String(index)}`);
    const rows = table.rows;
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const checkLower = this.proven(within.lower);
    const checkUpper = last.upper !== null && this.proven(within.upper);
    // A search whose key is proven within a bound does not compare it with that bound.
    const name = `S${jsIndex(index)}${checkLower && (checkUpper || last.upper === null) ? "" : `_${checkLower ? "l" : ""}${checkUpper ? "u" : ""}`}`;
    if (this.functions.has(name)) return name;
    const outside = this.raise("site", "outsideTiers", ["k", jsString(table.name)]);
    const lines = [`function ${name}(k, site) {`];
    if (checkLower)
      lines.push(`  if (!(k ${first.lowerInclusive ? ">=" : ">"} ${jsNumber(first.lower)})) ${outside}`);
    if (checkUpper && last.upper !== null) {
      const above = table.limit
        ? this.raise("site", "aboveLimit", ["k", jsString(table.name), jsNumber(last.upper)])
        : outside;
      lines.push(`  if (!(k ${last.upperInclusive ? "<=" : "<"} ${jsNumber(last.upper)})) ${above}`);
    }
    // Row i starts at boundary i: `key below boundary i` means a row before i.
    const below = (i: number): string =>
      `k ${rows[i]!.lowerInclusive ? "<" : "<="} ${jsNumber(rows[i]!.lower)}`;
    const choose = (lo: number, hi: number): string => {
      if (lo === hi) return String(lo);
      if (hi - lo + 1 <= LINEAR_SEARCH_ROWS) return `(${below(lo + 1)} ? ${lo} : ${choose(lo + 1, hi)})`;
      const mid = (lo + hi + 1) >> 1;
      return `(${below(mid)} ? ${choose(lo, mid - 1)} : ${choose(mid, hi)})`;
    };
    // The key is not NaN here (the lower check above stops it, or the facts prove it), so the row is
    // the number of boundaries it is at or past: rows are contiguous and ascending.
    const counted = (): string =>
      rows
        .slice(1)
        .map((r) => `+(k ${r.lowerInclusive ? ">=" : ">"} ${jsNumber(r.lower)})`)
        .join(" + ");
    const branchless = rows.length > 1 && rows.length <= BRANCHLESS_TIER_ROWS;
    lines.push(`  return ${branchless ? counted() : choose(0, rows.length - 1)};`, "}");
    this.functions.set(name, lines.join("\n"));
    return name;
  }

  /**
   * A comprehension, or the variable of an identical one already computed. Reuse is sound because
   * a comprehension without free variables reads only the input, constants and slots that are set
   * once (lets, outputs): computed again it gives the same value, and lists are never changed. Had
   * the first one raised, the evaluation would have stopped there.
   */
  private reusedAggregate(e: IrAggregate): string {
    const shape = aggregateShape(e, this.ir);
    const known = shape === undefined ? undefined : this.aggregateCaches.get(shape);
    if (known !== undefined) return known;
    const value = this.aggregate(e);
    if (shape === undefined || this.conditionalDepth > 0) return value;
    const cache = `a${this.aggregateCaches.size}`;
    this.aggregateCaches.set(shape, cache);
    this.emit(`${cache} = ${value};`);
    return cache;
  }

  /**
   * A field of a scenario-set comprehension variable as a constant column read at the loop counter,
   * or undefined when `name` is no field of the set's records. The records are built as
   * `{ name, index, weight, <axes> }` (operations.ts), so an axis shadows a field of the same name.
   */
  private scenarioField(local: number, name: string): string | undefined {
    const bound = this.scenarioLocals.get(local);
    const set = bound ? this.ir.scenarioSets[bound.set] : undefined;
    if (!bound || !set) return undefined;
    const axis = set.axes.lastIndexOf(name);
    const prefix = `SC${jsIndex(bound.set)}_`;
    const row = bound.at === undefined ? undefined : set.rows[bound.at];
    if (row !== undefined) {
      // An unrolled copy of the loop: the scenario's values as literals.
      if (axis >= 0) return jsNumber(row.values[axis]!);
      if (name === "index" || name === "weight") return jsNumber(row[name]);
      if (name === "number" && set.rows.every((r, k) => r.index === k)) return jsIndex(bound.at! + 1);
      if (name === "name") return jsString(row.name);
      return undefined;
    }
    if (axis >= 0)
      return `${this.constant(`${prefix}${jsIndex(axis)}`, `[${set.rows.map((r) => jsNumber(r.values[axis]!)).join(", ")}]`)}[${bound.counter}]`;
    if (name === "index" && set.rows.every((r, k) => r.index === k)) return bound.counter;
    if (name === "number" && set.rows.every((r, k) => r.index === k)) return `(${bound.counter} + 1)`;
    if (name === "index" || name === "weight")
      return `${this.constant(`${prefix}${name}`, `[${set.rows.map((r) => jsNumber(r[name])).join(", ")}]`)}[${bound.counter}]`;
    if (name === "name")
      return `${this.constant(`${prefix}name`, `[${set.rows.map((r) => jsString(r.name)).join(", ")}]`)}[${bound.counter}]`;
    return undefined;
  }

  /** Whether a comprehension over a scenario set needs each scenario's record, not only fields of it. */
  private readsWholeScenario(e: IrAggregate): boolean {
    const set = e.source.k === "scenarios" ? this.ir.scenarioSets[e.source.set] : undefined;
    const column = (name: string): boolean =>
      set !== undefined &&
      (set.axes.includes(name) ||
        name === "index" ||
        name === "weight" ||
        name === "name" ||
        (name === "number" && set.rows.every((r, k) => r.index === k)));
    const whole = (x: IrExpr): boolean => {
      if (x.k === "local") return x.local === e.local;
      if (x.k === "field" && x.x.k === "local" && x.x.local === e.local)
        return x.default !== undefined || x.timestamp === true || !column(x.name);
      return childExprs(x).some(whole);
    };
    return [e.elem, e.filter, e.key].some((x) => x !== undefined && whole(x));
  }

  /**
   * A comprehension over the groups of a hoisted `group(...)` filtered by `g.key == value` (what the
   * optimizer's filter-to-group rewriting writes) visits the one group with that key: a lookup in
   * the grouping's map, not a scan of every group. `value` must be infallible, since it is now
   * evaluated once even when there is no group; a NaN key never matches, as `==` says.
   */
  private groupLookup(e: IrAggregate): { length: string; element: string } | undefined {
    const map = e.source.k === "slot" ? this.groupMaps.get(e.source.slot) : undefined;
    const f = e.filter;
    if (map === undefined || f === undefined || f.k !== "binary" || f.op !== "==") return undefined;
    const isKey = (x: IrExpr): boolean =>
      x.k === "field" &&
      x.name === "key" &&
      x.default === undefined &&
      !x.timestamp &&
      x.x.k === "local" &&
      x.x.local === e.local;
    const value = isKey(f.l) ? f.r : isKey(f.r) ? f.l : undefined;
    if (value === undefined || freeLocals(value).has(e.local) || !isInfallible(value)) return undefined;
    if (value.k === "const") {
      // A constant key: looked up once per evaluation, right after the grouping (see codegen.ts).
      const v = this.compile(value);
      const lookups = this.constantLookups.get(e.source.k === "slot" ? e.source.slot : -1)!;
      let hit = lookups.get(v);
      if (hit === undefined) {
        hit = `h${this.lookupCount++}`;
        lookups.set(v, hit);
      }
      return { length: `(${hit} !== void 0 && ${hit}.key === ${v} ? 1 : 0)`, element: hit };
    }
    const v = this.atom(this.compile(value));
    const hit = this.atom(`${map}.get(${v})`);
    return { length: `(${hit} !== void 0 && ${hit}.key === ${v} ? 1 : 0)`, element: hit };
  }

  /**
   * Loop interchange, for a comprehension over a scenario set (its row count a constant): each
   * `sum` directly in its element over a list that does not depend on the scenario, nothing in it
   * fallible, is computed before the scenario loop, element-major: for each list element, for each
   * scenario, `X[s] = X[s] + elem`. Per scenario the elements are added in list order from +0, as
   * the scenario loop would add them, so each `X[s]` is that sum bit for bit; nothing in it can
   * raise, so computing it first changes no error. The list's fields are read once per element
   * instead of once per element and scenario. A sum over the one group a key picks
   * (`sum(sum(e for p in g.items) for g in %1 where g.key == k)`, from filter-to-group) is the
   * inner sum over that group's items (0 + x is x), or 0 when there is no such group.
   */
  private interchangeSums(
    e: IrAggregate,
    rows: number,
    counter: string,
    bindScenario: string | undefined,
  ): void {
    for (const b of directAggregates(e.elem)) {
      if (b.op !== "sum" || !isInfallible(b) || !independentOf(b, e.local)) continue;
      const fused = this.fusedScratch.get(b) ?? (bindScenario === undefined ? this.fuse(b) : undefined);
      if (fused !== undefined) {
        this.interchanged.set(b, { scratch: fused, local: e.local });
        continue;
      }
      const scratch = this.constant(
        `X${jsIndex(this.scratchCount++)}`,
        `new Float64ArrayCtor(${jsIndex(rows)})`,
      );
      this.emit(zeroScratch(scratch, rows));
      const accumulate = (x: IrAggregate): void => {
        const list = this.atom(this.compile(x.source));
        const j = `i${jsIndex(x.local)}`;
        this.counters.add(j);
        const lines = this.block(() => {
          this.bindElement(x, list, j);
          if (x.position !== undefined) this.emit(`l${jsIndex(x.position)} = ${j};`);
          if (x.filter) this.emit(`if (!(${this.compile(x.filter)})) continue;`);
          const release = this.holdInvariants(x.elem, e.local);
          const inner = this.scenarioLoop(e.local, counter, rows, x.elem, (at) => {
            if (bindScenario) this.emit(`l${jsIndex(e.local)} = ${bindScenario}[${at}];`);
            this.emit(`${scratch}[${at}] = ${scratch}[${at}] + ${this.compile(x.elem)};`);
          });
          release();
          this.emit(...inner);
          return "";
        }).code;
        this.emit(`for (let ${j} = 0; ${j} < ${this.lengthOf(list)}; ${j}++) {`, ...lines, "}");
      };
      const lookup = this.groupLookup(b);
      const inner = b.elem;
      if (
        lookup &&
        inner.k === "agg" &&
        inner.op === "sum" &&
        isItemsOf(inner.source, b.local) &&
        independentOf(inner, e.local)
      ) {
        const matched = this.block(() => {
          this.emit(`l${jsIndex(b.local)} = ${lookup.element};`);
          accumulate(inner);
          return "";
        }).code;
        this.emit(`if (${lookup.length} === 1) {`, ...matched, "}");
      } else accumulate(b);
      this.interchanged.set(b, { scratch, local: e.local });
    }
  }

  /**
   * Loop fusion (planned by src/optimize/fusion.ts): the interchanged sum `b` and the later sums of
   * its group (over a list of the same shape, elsewhere in the rulebook) computed in one pass over
   * the list, each element going to every sum whose filter keeps it, each into its own
   * accumulators, in list order from +0 as alone. Only in code that always runs (so that the later
   * sums find their values computed), and only for sums whose scenario loop reads columns, not
   * whole scenario records. Returns `b`'s accumulators, or undefined when `b` is not fused.
   */
  private fuse(b: IrAggregate): string | undefined {
    this.fusionPlan ??= planFusion(this.ir);
    const group = this.fusionPlan.get(b);
    if (group === undefined || this.conditionalDepth > 0) return undefined;
    const members = group
      .slice(group.findIndex((m) => m.sum === b))
      .filter((m) => !this.fusedScratch.has(m.sum) && !this.readsWholeScenario(m.outer));
    if (members.length < 2 || members[0]!.sum !== b) return undefined;
    const list = this.atom(this.compile(b.source));
    const j = `i${jsIndex(b.local)}`;
    this.counters.add(j);
    for (const m of members) {
      const scratch = this.constant(
        `X${jsIndex(this.scratchCount++)}`,
        `new Float64ArrayCtor(${jsIndex(this.rowsOf(m.outer))})`,
      );
      this.emit(zeroScratch(scratch, this.rowsOf(m.outer)));
      this.fusedScratch.set(m.sum, scratch);
    }
    // Filters that test one field of the element against distinct constants (`p.u == btc`, `p.u ==
    // eth`, ...) keep at most one member per element: one read of the field, an `else if` chain.
    const tests = exclusiveTests(members.map((m) => m.sum));
    const chain: string[] = [];
    let key: string | undefined;
    const lines = this.block(() => {
      let element: string | undefined;
      for (const [n, m] of members.entries()) {
        const counter = `i${jsIndex(m.outer.local)}`;
        if (m.outer.source.k === "scenarios")
          this.scenarioLocals.set(m.outer.local, { set: m.outer.source.set, counter });
        this.counters.add(counter);
        this.bindElement(m.sum, list, j, () => (element ??= this.atom(`${list}[${j}]`)));
        if (m.sum.position !== undefined) this.emit(`l${jsIndex(m.sum.position)} = ${j};`);
        const scratch = this.fusedScratch.get(m.sum)!;
        const body = this.block(() => {
          const release = this.holdInvariants(m.sum.elem, m.outer.local);
          const inner = this.scenarioLoop(m.outer.local, counter, this.rowsOf(m.outer), m.sum.elem, (at) =>
            this.emit(`${scratch}[${at}] = ${scratch}[${at}] + ${this.compile(m.sum.elem)};`),
          );
          release();
          this.emit(...inner);
          return "";
        }).code;
        if (tests) {
          key ??= this.atom(this.compile(tests[n]!.field));
          chain.push(
            `${n === 0 ? "" : "} else "}if (${key} === ${this.compile(tests[n]!.value)}) {`,
            ...body,
          );
        } else if (m.sum.filter === undefined) this.emit(...body.map((l) => l.slice(2)));
        else {
          const kept = this.block(() => this.compile(m.sum.filter!));
          this.emit(...kept.code.map((l) => l.slice(2)), `if (${kept.value}) {`, ...body, "}");
        }
      }
      if (chain.length > 0) this.emit(...chain, "}");
      return "";
    }).code;
    this.emit(`for (let ${j} = 0; ${j} < ${this.lengthOf(list)}; ${j}++) {`, ...lines, "}");
    return this.fusedScratch.get(b);
  }

  /**
   * Binds comprehension `x`'s variable to the item at index `i` of `list`: on a columnar list, when
   * `x` reads nothing of its items but fields that have columns, as a flat index into those columns
   * (no item object); else as the item (`element`, or `list[i]`).
   */
  private bindElement(x: IrAggregate, list: string, i: string, element?: () => string): void {
    const view = this.listColumns?.(list);
    const columnOnly = (y: IrExpr): boolean => {
      if (y.k === "local") return y.local !== x.local;
      if (y.k === "field" && y.x.k === "local" && y.x.local === x.local)
        return y.default === undefined && !y.timestamp && view!.field(y.name) !== undefined;
      return childExprs(y).every(columnOnly);
    };
    if (view && [x.filter, x.elem, x.key].every((y) => y === undefined || columnOnly(y))) {
      this.columnLocals.set(x.local, { index: this.atom(`${view.begin} + ${i}`), view });
      return;
    }
    this.columnLocals.delete(x.local);
    this.emit(`l${jsIndex(x.local)} = ${element ? element() : `${list}[${i}]`};`);
  }

  /** The length of a list (code): a columnar list's is its row's item count. */
  private lengthOf(list: string): string {
    return this.listColumns?.(list)?.length ?? `${list}.length`;
  }

  /**
   * Inside the loop over a scenario set of an interchanged sum (one list element at a time): the
   * parts of the sum's element that do not read the scenario variable (`p.quantity`, `p.price`)
   * are computed once per element, before the scenario loop, into variables the element's code
   * then reads. The element is infallible (the whole sum is), so computing a part where a lazy
   * branch might have skipped it raises nothing; each part is the same tree, so the same bits.
   * Returns the function that ends the holding (after the scenario loop's code is generated).
   */
  private holdInvariants(elem: IrExpr, scenario: number): () => void {
    const held: IrExpr[] = [];
    const visit = (x: IrExpr): void => {
      if (x.k === "const" || x.k === "local" || x.k === "scenarios" || x.k === "agg" || x.k === "let") return;
      if (!freeLocals(x).has(scenario)) {
        this.held.set(x, this.atom(this.compile(x)));
        held.push(x);
        return;
      }
      childExprs(x).forEach(visit);
    };
    visit(elem);
    return () => held.forEach((x) => this.held.delete(x));
  }

  /**
   * The statements of a loop over the rows of the scenario set bound to `local`: `body(at)` emits
   * one iteration, `at` the row's index (code). Unrolled when the set has at most
   * {@link unrollScenarios} rows, the loop is not inside an unrolled one and its element `elem` is
   * small: one copy per row, its index a literal and the scenario's fields literals
   * ({@link scenarioField}), so V8 folds them into the arithmetic (`t2 * (-0.12) + t3`, `x * 1`)
   * and shares what two rows compute alike; no loads of constant columns, no loop counter. The
   * same operations in the same order per row: the same bits.
   */
  private scenarioLoop(
    local: number,
    counter: string,
    rows: number,
    elem: IrExpr,
    body: (at: string) => void,
  ): string[] {
    const bound = this.scenarioLocals.get(local);
    if (!this.unrolls(bound, rows, elem)) {
      this.counters.add(counter);
      const inner = this.block(() => {
        body(counter);
        return "";
      }).code;
      return [`for (let ${counter} = 0; ${counter} < ${jsIndex(rows)}; ${counter}++) {`, ...inner, "}"];
    }
    const lines: string[] = [];
    this.unrolling++;
    try {
      for (let at = 0; at < rows; at++) {
        this.scenarioLocals.set(local, { set: bound!.set, counter: jsIndex(at), at });
        const code = this.block(() => {
          body(jsIndex(at));
          return "";
        }).code;
        lines.push(...(code.length === 1 ? [code[0]!.slice(2)] : ["{", ...code, "}"]));
      }
    } finally {
      this.unrolling--;
      this.scenarioLocals.set(local, bound!);
    }
    return lines;
  }

  /** Whether a loop over `rows` scenarios of `bound`'s set, of element `elem`, is unrolled (see scenarioLoop). */
  private unrolls(bound: ScenarioBinding | undefined, rows: number, elem: IrExpr): boolean {
    if (bound === undefined || bound.at !== undefined || this.unrolling > 0) return false;
    if (rows === 0 || rows > this.unrollScenarios) return false;
    // Small elements only: an interchanged sum counts as one node (a read of its accumulators).
    let size = 0;
    const visit = (x: IrExpr): void => {
      size++;
      if (x.k !== "agg" || !this.interchanged.has(x)) childExprs(x).forEach(visit);
    };
    visit(elem);
    return size <= UNROLL_NODES;
  }

  /** The number of scenarios a comprehension over a scenario set loops over (0 for any other). */
  private rowsOf(e: IrAggregate): number {
    return e.source.k === "scenarios" ? (this.ir.scenarioSets[e.source.set]?.rows.length ?? 0) : 0;
  }

  private aggregate(e: IrAggregate): string {
    const list = this.atom(this.compile(e.source));
    const lookup = this.groupLookup(e);
    const i = `i${jsIndex(e.local)}`;
    this.counters.add(i);
    if (e.source.k === "scenarios") this.scenarioLocals.set(e.local, { set: e.source.set, counter: i });
    const bind = e.source.k !== "scenarios" || this.readsWholeScenario(e);
    const setRows = e.source.k === "scenarios" ? this.ir.scenarioSets[e.source.set]?.rows.length : undefined;
    if (setRows !== undefined && setRows > 0) this.interchangeSums(e, setRows, i, bind ? list : undefined);
    const body = (inner: () => void): string[] =>
      this.block(() => {
        if (lookup) this.emit(`l${jsIndex(e.local)} = ${lookup.element};`);
        else if (bind) this.bindElement(e, list, i);
        if (e.position !== undefined) this.emit(`l${jsIndex(e.position)} = ${i};`);
        if (e.filter && !lookup) {
          const filter = this.compile(e.filter);
          this.emit(`if (!(${filter})) continue;`);
        }
        inner();
        return "";
      }).code;
    // A scenario set's length is a constant of the rulebook.
    const rows = e.source.k === "scenarios" ? this.ir.scenarioSets[e.source.set]?.rows.length : undefined;
    const length = lookup ? lookup.length : rows !== undefined ? jsIndex(rows) : this.lengthOf(list);
    const loop = (lines: string[]): void =>
      this.emit(`for (let ${i} = 0; ${i} < ${length}; ${i}++) {`, ...lines, "}");
    // A scenario loop whose iterations are the element alone may be unrolled (see scenarioLoop).
    const plain =
      rows !== undefined && !lookup && !bind && e.filter === undefined && e.position === undefined;
    const each = (inner: () => void): void =>
      plain ? this.emit(...this.scenarioLoop(e.local, i, rows ?? 0, e.elem, inner)) : loop(body(inner));
    switch (e.op) {
      case "sum":
      case "count": {
        const total = this.variable("0");
        each(() => this.emit(`${total} = ${total} + ${e.op === "sum" ? this.compile(e.elem) : "1"};`));
        return total;
      }
      case "any":
      case "all": {
        const result = this.variable(e.op === "all" ? "true" : "false");
        loop(
          body(() =>
            this.emit(
              `if (${e.op === "all" ? "!" : ""}(${this.compile(e.elem)})) { ${result} = ${e.op === "all" ? "false" : "true"}; break; }`,
            ),
          ),
        );
        return result;
      }
      case "min":
      case "max": {
        // Math.max(-inf, v) is v for every v (NaN and -0 included), Math.min(inf, v) too: the
        // first element needs no case of its own. `found` is kept only for a list that may be empty.
        const found = this.proven(this.facts.nonEmpty(e)) ? this.variable("false") : undefined;
        const best = this.variable(e.op === "max" ? "(-1/0)" : "(1/0)");
        each(() => {
          const value = this.atom(this.compile(e.elem));
          this.emit(`${best} = ${e.op}(${best}, ${value});`, ...(found ? [`${found} = true;`] : []));
        });
        if (found) this.emptyCase(e, `!${found}`, best);
        return best;
      }
      case "avg": {
        const sum = this.variable("0");
        const count = this.variable("0");
        loop(body(() => this.emit(`${sum} = ${sum} + ${this.compile(e.elem)};`, `${count} = ${count} + 1;`)));
        const result = this.variable("0");
        this.emit(`if (${count} > 0) ${result} = ${sum} / ${count};`);
        this.emptyCase(e, `!(${count} > 0)`, result);
        return result;
      }
      case "list": {
        const out = this.variable("[]");
        loop(body(() => this.emit(`${out}.push(${this.compile(e.elem)});`)));
        return out;
      }
      case "argmax":
      case "argmin": {
        const winner = this.variable("-1");
        const best = this.variable("0");
        loop(
          body(() => {
            const value = this.atom(this.compile(e.elem));
            this.emit(
              `if (${winner} < 0 || ${value} ${e.op === "argmin" ? "<" : ">"} ${best}) { ${winner} = ${i}; ${best} = ${value}; }`,
            );
          }),
        );
        this.emit(`if (${winner} < 0) ${this.raise(e.site, "emptyAggregate", [jsString(e.op)])}`);
        return `${list}[${winner}]`;
      }
      case "sort": {
        const keyed = this.variable("[]");
        loop(body(() => this.emit(`${keyed}.push({ key: ${this.compile(e.elem)}, item: ${list}[${i}] });`)));
        return this.atom(`sortByKey(${keyed})`);
      }
      case "reduce":
      case "scan": {
        if (e.acc === undefined || !e.init) return invalid(e);
        const acc = this.variable(this.compile(e.init));
        const steps = e.op === "scan" ? this.variable("[]") : undefined;
        loop(
          body(() => {
            this.emit(`l${jsIndex(e.acc!)} = ${acc};`);
            this.emit(`${acc} = ${this.compile(e.elem)};`);
            if (steps) this.emit(`${steps}.push(${acc});`);
          }),
        );
        return steps ?? acc;
      }
      case "group": {
        // The groups in order of first appearance, collected as they are created (no iterator over the map).
        const groups = this.variable("new MapCtor()");
        this.lastGroupMap = groups;
        const ordered = this.variable("[]");
        loop(
          body(() => {
            const element = this.atom(this.compile(e.elem));
            const key = this.atom(this.compile(e.key!));
            // A record key (`by (a, b)`) is compared by its values.
            let keyExpr = e.key!;
            while (keyExpr.k === "let") keyExpr = keyExpr.body;
            const mapKey = keyExpr.k === "record" ? this.atom(`groupKeyOf(${key})`) : key;
            const group = this.variable(`${groups}.get(${mapKey})`);
            this.emit(
              `if (${group} === void 0) { ${group} = newGroup(${key}); ${groups}.set(${mapKey}, ${group}); ${ordered}.push(${group}); }`,
              `${group}.items.push(${element});`,
            );
          }),
        );
        return ordered;
      }
      default:
        return invalid(e);
    }
  }

  /** For an empty `min`, `max` or `avg`: the `default`, evaluated only then, or MB6005. */
  private emptyCase(e: IrAggregate, empty: string, target: string): void {
    if (!e.fallback) {
      this.emit(`if (${empty}) ${this.raise(e.site, "emptyAggregate", [jsString(e.op)])}`);
      return;
    }
    const fallback = this.block(() => this.compile(e.fallback!));
    this.emit(`if (${empty}) {`, ...fallback.code, `  ${target} = ${fallback.value};`, "}");
  }
}

/**
 * The structure of a comprehension without its error sites and with its variables numbered by
 * binding order, so that two comprehensions written alike have one shape; undefined when it reads a
 * variable bound outside it or a quantity (whose value rules change).
 */
export function aggregateShape(e: IrAggregate, ir: IrRulebook): string | undefined {
  const bound = new Map<number, number>();
  let closed = true;
  const visit = (x: IrExpr): unknown => {
    if (x.k === "local") {
      const n = bound.get(x.local);
      if (n === undefined) closed = false;
      return ["local", n ?? -1];
    }
    if (x.k === "slot" && ir.slots[x.slot]?.kind === "quantity") closed = false;
    if (x.k === "agg") bound.set(x.local, bound.size);
    const fields: unknown[] = [];
    for (const [name, value] of Object.entries(x)) {
      if (name === "site" || name === "local") continue;
      fields.push(
        name,
        value !== null && typeof value === "object" && !Array.isArray(value)
          ? visit(value as IrExpr)
          : Array.isArray(value)
            ? value.map((v) => (v !== null && typeof v === "object" ? visit(v as IrExpr) : v))
            : value,
      );
    }
    return fields;
  };
  const shape = JSON.stringify(visit(e));
  return closed ? shape : undefined;
}

/**
 * When every comprehension's filter is `x.f == c` (either way round) for its own variable `x`, one
 * field `f` read plainly (no default), and constants `c` no two of which are equal (so no element
 * passes two filters): each one's field read and constant; otherwise undefined.
 */
function exclusiveTests(sums: readonly IrAggregate[]): { field: IrExpr; value: IrExpr }[] | undefined {
  const tests = sums.map((x) => {
    const f = x.filter;
    if (f?.k !== "binary" || f.op !== "==") return undefined;
    const isField = (y: IrExpr): boolean =>
      y.k === "field" &&
      y.default === undefined &&
      !y.timestamp &&
      y.x.k === "local" &&
      y.x.local === x.local;
    const [field, value] = isField(f.l) ? [f.l, f.r] : isField(f.r) ? [f.r, f.l] : [undefined, undefined];
    if (field?.k !== "field" || value?.k !== "const" || typeof value.v === "boolean") return undefined;
    return { field, value, name: field.name, v: value.v };
  });
  if (tests.length < 2 || tests.some((t) => t === undefined)) return undefined;
  const all = tests as NonNullable<(typeof tests)[number]>[];
  const distinct = all.every(
    (t, i) =>
      t.name === all[0]!.name && all.every((u, k) => k === i || !(u.v === t.v || u.v !== u.v || t.v !== t.v)),
  );
  return distinct ? all : undefined;
}

/** The comprehensions in an expression that are not inside another comprehension. */
function directAggregates(e: IrExpr): IrAggregate[] {
  if (e.k === "agg") return [e];
  return childExprs(e).flatMap(directAggregates);
}

/** Whether a comprehension's list and filter do not read `local` (its element may). */
function independentOf(x: IrAggregate, local: number): boolean {
  return !freeLocals(x.source).has(local) && !(x.filter !== undefined && freeLocals(x.filter).has(local));
}

/** Whether `e` is `g.items` for the comprehension variable `g`. */
function isItemsOf(e: IrExpr, local: number): boolean {
  return (
    e.k === "field" &&
    e.name === "items" &&
    e.default === undefined &&
    !e.timestamp &&
    e.x.k === "local" &&
    e.x.local === local
  );
}

/** A call of the rounding function for `direction` with a constant step. */
export function roundCall(direction: string, x: string, step: number, exact = decimalStep(step)): string {
  const { units, scale } = exact;
  const fn = direction === "up" ? "roundUp" : direction === "down" ? "roundDown" : "roundHalfEven";
  return `${fn}(${x}, ${jsNumber(step)}, ${jsNumber(units)}, ${jsNumber(scale)})`;
}

function invalid(e: { k?: unknown }): never {
  throw new Error(`invalid IR: cannot compile ${JSON.stringify(e).slice(0, 200)}`);
}

/** How the generated code computes each built-in, from its arguments' code: one entry per {@link IrBuiltin}. */
const BUILTIN_CODE: Readonly<
  Record<
    IrBuiltin,
    (
      c: ExpressionCompiler,
      args: readonly string[],
      site: number,
      e: Extract<IrExpr, { k: "call" }>,
    ) => string
  >
> = {
  min: (c, args, _site, e) => c.minMaxSelect("min", e, args) ?? `min(${args.join(", ")})`,
  max: (c, args, _site, e) => c.minMaxSelect("max", e, args) ?? `max(${args.join(", ")})`,
  clamp: (_c, args) => `min(max(${args[0]}, ${args[1]}), ${args[2]})`,
  abs: (_c, args) => `abs(${args[0]})`,
  exp: (_c, args) => `exp(${args[0]})`,
  sqrt: (c, args, site, e) => c.guardedCall("sqrt", args[0]!, "< 0", "sqrtOfNegative", site, e),
  ln: (c, args, site, e) => c.guardedCall("log", args[0]!, "<= 0", "lnOfNonPositive", site, e),
  pow: (c, args, site) => c.helperCall("checkedPow", args, site),
  round_up: (c, args, site, e) => c.roundCallCode(e, args, site),
  round_down: (c, args, site, e) => c.roundCallCode(e, args, site),
  round_half_even: (c, args, site, e) => c.roundCallCode(e, args, site),
  normal_cdf: (_c, args) => `normalCdf(${args[0]})`,
  black76: (c, args, site) => c.helperCall("black76", args, site),
  black_scholes: (c, args, site) => c.helperCall("blackScholes", args, site),
  black76_df: (c, args, site) => c.helperCall("black76Df", args, site),
  black_scholes_df: (c, args, site) => c.helperCall("blackScholesDf", args, site),
  bankruptcy_price: (c, args, site) =>
    c.helperCall("bankruptcyPriceCall", args.length === 6 ? args : [...args, "undefined", "undefined"], site),
  length: (_c, args) => `${args[0]}.length`,
  quantile: (c, args, site) => c.helperCall("quantile", args, site),
  kth_smallest: (c, args, site) => c.helperCall("kth", [args[0]!, args[1]!, "false"], site),
  kth_largest: (c, args, site) => c.helperCall("kth", [args[0]!, args[1]!, "true"], site),
};
