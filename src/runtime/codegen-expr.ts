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
import type { IrAggregate, IrConstValue, IrExpr, IrRulebook, IrTierTable } from "../ir/ir.js";
import { decimalStep } from "./numeric.js";
import { PROTOTYPE_NAMES } from "./operations.js";
import type { runtimeErrors } from "./errors.js";

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
 * An index (slot, local, table, site, ...) as code. The IR may come from an artifact: whatever it
 * holds, only integers are ever spliced in.
 */
export function jsIndex(value: unknown): string {
  if (!Number.isSafeInteger(value) || (value as number) < -1) throw new Error(`invalid IR: expected an index, found ${JSON.stringify(value)}`);
  return String(value);
}

const BINARY_OPERATORS: Readonly<Record<string, string>> = {
  "+": "+", "-": "-", "*": "*", "/": "/", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "===", "!=": "!==",
};

const ATOM = /^(?:[A-Za-z_$][\w$]*|\d[\d.e+-]*|\(-?[\d.e+-]+\)|"(?:[^"\\]|\\.)*"|true|false)$/;

/** The values each runtime error's message needs, in the order the raising helpers take them. */
const RAISER_PARAMETERS = {
  divisionByZero: [],
  sqrtOfNegative: ["value"],
  lnOfNonPositive: ["value"],
  emptyAggregate: ["fn"],
  outsideTiers: ["value", "table"],
  nonFiniteOutput: ["name", "value"],
  assertionFailed: ["message"],
  indexOutOfRange: ["index", "length"],
} as const satisfies Partial<Record<keyof typeof runtimeErrors, readonly string[]>>;

/** Tables with more rows than this are searched by bisection rather than a chain of comparisons. */
const LINEAR_SEARCH_ROWS = 8;

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

  constructor(private readonly ir: IrRulebook) {}

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

  /** A fresh mutable variable, declared in the current block. */
  variable(initial: string): string {
    const name = `t${this.temps++}`;
    this.emit(`let ${name} = ${initial};`);
    return name;
  }

  /** A statement that raises MB6007 unless the number `value` is finite. */
  checkFinite(value: string, site: number, name: string): string {
    if (!this.functions.has("F_output")) this.functions.set("F_output", "function F_output(value, site, name) { if (!isFinite(value)) raise(site, E.nonFiniteOutput, { name: name, value: value }); }");
    return `F_output(${value}, ${jsIndex(site)}, ${jsString(name)});`;
  }

  /**
   * A statement raising `error` at `site` with the values of its template, through a small
   * factory-level helper (so that the hot code stays small enough for V8 to inline it).
   */
  raise(site: number | "site", error: keyof typeof RAISER_PARAMETERS, values: string[]): string {
    const parameters = RAISER_PARAMETERS[error];
    if (!this.functions.has(`R_${error}`)) {
      const fields = parameters.map((p) => `${p}: ${p}`).join(", ");
      this.functions.set(`R_${error}`, `function R_${error}(site${parameters.map((p) => `, ${p}`).join("")}) { raise(site, E.${error}, { ${fields} }); }`);
    }
    return `R_${error}(${[site === "site" ? site : jsIndex(site), ...values].join(", ")});`;
  }

  compile(e: IrExpr): string {
    switch (e.k) {
      case "const": return typeof e.v === "number" ? jsNumber(e.v) : typeof e.v === "string" ? jsString(e.v) : e.v === true ? "true" : e.v === false ? "false" : invalid(e);
      case "input": return this.read(e.path.slice(1).reduce((object, name) => this.member(object, name), this.inputRecord(e.path[0]!)), e.default, e.timestamp);
      case "slot": return `s${jsIndex(e.slot)}`;
      case "local": return `l${jsIndex(e.local)}`;
      case "unary": return e.op === "neg" ? `(-${this.compile(e.x)})` : `(!${this.compile(e.x)})`;
      case "binary": return this.binary(e);
      case "if": {
        const c = this.compile(e.c);
        const t = this.block(() => this.compile(e.t));
        const f = this.block(() => this.compile(e.e));
        if (t.code.length === 0 && f.code.length === 0) return `(${c} ? ${t.value} : ${f.value})`;
        const result = this.variable("void 0");
        this.emit(`if (${c}) {`, ...t.code, `  ${result} = ${t.value};`, "} else {", ...f.code, `  ${result} = ${f.value};`, "}");
        return result;
      }
      case "call": return this.call(e);
      case "tier": return this.row(e.table, e.key, e.site);
      case "cell": {
        const row = this.compile(e.row);
        if (e.column === "tier") return `(${row} + 1)`;
        return `${this.column(e.table, e.column)}[${row}]`;
      }
      case "margin": {
        const key = this.atom(this.compile(e.key));
        const row = this.row(e.table, e.key, e.site, key);
        const deduction = `${this.column(e.table, `d${jsIndex(e.column)}`)}[${row}]`;
        return e.deduction ? deduction : `(${key} * ${this.column(e.table, e.column)}[${row}] - ${deduction})`;
      }
      case "field": return this.read(this.member(this.compile(e.x), e.name), e.default, e.timestamp);
      case "index": {
        const list = this.atom(this.compile(e.x));
        const index = this.atom(this.compile(e.index));
        this.emit(`if (!(isInteger(${index}) && ${index} >= 0 && ${index} < ${list}.length)) ${this.raise(e.site, "indexOutOfRange", [index, `${list}.length`])}`);
        return `${list}[${index}]`;
      }
      case "scenarios": return this.constant(`SC${jsIndex(e.set)}`, `SC[${jsIndex(e.set)}]`);
      case "agg": return this.aggregate(e);
      default: return invalid(e);
    }
  }

  /**
   * The variable holding a top-level input (`v0 = input["position"]`), read once at the start of
   * every evaluation: reading a property of the input object cannot fail.
   */
  private inputRecord(name: string): string {
    if (!this.inputs.has(name)) this.inputs.set(name, { variable: `v${this.inputs.size}`, code: this.member("input", name) });
    return this.inputs.get(name)!.variable;
  }

  private member(object: string, name: string): string {
    return PROTOTYPE_NAMES.has(name) ? `readField(${object}, ${jsString(name)})` : `${object}[${jsString(name)}]`;
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
    if (e.op === "/" && !(e.r.k === "const" && e.r.v !== 0)) {
      const divisor = this.atom(r);
      this.emit(`if (${divisor} === 0) ${this.raise(e.site ?? -1, "divisionByZero", [])}`);
      return `(${l} / ${divisor})`;
    }
    const op = BINARY_OPERATORS[e.op];
    return op ? `(${l} ${op} ${r})` : invalid(e);
  }

  private call(e: Extract<IrExpr, { k: "call" }>): string {
    const args = e.args.map((a) => this.compile(a));
    const site = e.site ?? -1;
    switch (e.fn) {
      case "min":
      case "max":
        return `${e.fn}(${args.join(", ")})`;
      case "clamp": return `min(max(${args[0]}, ${args[1]}), ${args[2]})`;
      case "abs":
      case "exp":
        return `${e.fn}(${args[0]})`;
      case "sqrt": {
        const x = this.atom(args[0]!);
        this.emit(`if (${x} < 0) ${this.raise(site, "sqrtOfNegative", [x])}`);
        return `sqrt(${x})`;
      }
      case "ln": {
        const x = this.atom(args[0]!);
        this.emit(`if (${x} <= 0) ${this.raise(site, "lnOfNonPositive", [x])}`);
        return `log(${x})`;
      }
      case "pow": return this.atom(`checkedPow(${args[0]}, ${args[1]}, ${jsIndex(site)}, raise)`);
      case "round_up":
      case "round_down":
      case "round_half_even":
        return this.round(e, args, site);
      case "normal_cdf": return `normalCdf(${args[0]})`;
      case "black76": return this.atom(`black76(${args.join(", ")}, ${jsIndex(site)}, raise)`);
      case "black_scholes": return this.atom(`blackScholes(${args.join(", ")}, ${jsIndex(site)}, raise)`);
      case "length": return `${args[0]}.length`;
      default: return invalid(e);
    }
  }

  private round(e: Extract<IrExpr, { k: "call" }>, args: string[], site: number): string {
    const direction = e.fn.slice(6);
    const step = e.args[1]!;
    if (step.k === "const" && typeof step.v === "number" && step.v > 0 && step.v !== Infinity) return roundCall(direction, args[0]!, step.v);
    return this.atom(`roundDynamic(${jsString(direction)}, ${args[0]}, ${args[1]}, ${jsIndex(site)}, raise)`);
  }

  /** A factory-level constant: created once, read by every evaluation. */
  private constant(name: string, code: string): string {
    if (!this.constants.has(name)) this.constants.set(name, code);
    return name;
  }

  /** The array of one column of a table (`c` a column index, `d<c>` its deductions, `lower`, `upper`). */
  private column(table: number, column: number | string): string {
    const t = this.ir.tables[table];
    if (!t || !(typeof column === "number" || /^(lower|upper|d\d+)$/.test(column))) throw new Error(`invalid IR: no column ${String(column)} in table ${String(table)}`);
    const values =
      typeof column === "number" ? t.rows.map((r) => r.cells[column]!) :
      column === "lower" ? t.rows.map((r) => r.lower) :
      column === "upper" ? t.rows.map((r) => r.upper ?? Infinity) :
      t.rows.map((r) => r.deductions[Number(column.slice(1))] ?? 0);
    return this.constant(`T${jsIndex(table)}_${typeof column === "number" ? jsIndex(column) : column}`, `[${values.map(jsNumber).join(", ")}]`);
  }

  /**
   * The row of `table` that contains the key: a cached row when the key cannot change during an
   * evaluation (an input, a let, an output), else a fresh search.
   */
  private row(table: number, keyExpr: IrExpr, site: number, key?: string): string {
    const stable = keyExpr.k === "input" || keyExpr.k === "const" || (keyExpr.k === "slot" && this.ir.slots[keyExpr.slot]?.kind !== "quantity");
    const search = (k: string): string => `${this.search(table)}(${k}, ${jsIndex(site)})`;
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
   * outer bounds only the inner boundaries are compared: a chain for small tables, a bisection above
   * {@link LINEAR_SEARCH_ROWS}.
   */
  private search(index: number): string {
    const name = `S${jsIndex(index)}`;
    if (this.functions.has(name)) return name;
    const table = this.ir.tables[index];
    if (!table || table.rows.length === 0) throw new Error(`invalid IR: no tier table ${String(index)}`);
    const rows = table.rows;
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const outside = this.raise("site", "outsideTiers", ["k", jsString(table.name)]);
    const lines = [`function ${name}(k, site) {`, `  if (!(k ${first.lowerInclusive ? ">=" : ">"} ${jsNumber(first.lower)})) ${outside}`];
    if (last.upper !== null) lines.push(`  if (!(k ${last.upperInclusive ? "<=" : "<"} ${jsNumber(last.upper)})) ${outside}`);
    // Row i starts at boundary i: `key below boundary i` means a row before i.
    const below = (i: number): string => `k ${rows[i]!.lowerInclusive ? "<" : "<="} ${jsNumber(rows[i]!.lower)}`;
    const choose = (lo: number, hi: number): string => {
      if (lo === hi) return String(lo);
      if (hi - lo + 1 <= LINEAR_SEARCH_ROWS) return `(${below(lo + 1)} ? ${lo} : ${choose(lo + 1, hi)})`;
      const mid = (lo + hi + 1) >> 1;
      return `(${below(mid)} ? ${choose(lo, mid - 1)} : ${choose(mid, hi)})`;
    };
    lines.push(`  return ${choose(0, rows.length - 1)};`, "}");
    this.functions.set(name, lines.join("\n"));
    return name;
  }

  private aggregate(e: IrAggregate): string {
    const list = this.atom(this.compile(e.source));
    const i = `i${jsIndex(e.local)}`;
    const body = (inner: () => void): string[] =>
      this.block(() => {
        this.emit(`l${jsIndex(e.local)} = ${list}[${i}];`);
        if (e.filter) {
          const filter = this.compile(e.filter);
          this.emit(`if (!(${filter})) continue;`);
        }
        inner();
        return "";
      }).code;
    const loop = (lines: string[]): void => this.emit(`for (let ${i} = 0; ${i} < ${list}.length; ${i}++) {`, ...lines, "}");
    switch (e.op) {
      case "sum":
      case "count": {
        const total = this.variable("0");
        loop(body(() => this.emit(`${total} = ${total} + ${e.op === "sum" ? this.compile(e.elem) : "1"};`)));
        return total;
      }
      case "any":
      case "all": {
        const result = this.variable(e.op === "all" ? "true" : "false");
        loop(body(() => this.emit(`if (${e.op === "all" ? "!" : ""}(${this.compile(e.elem)})) { ${result} = ${e.op === "all" ? "false" : "true"}; break; }`)));
        return result;
      }
      case "min":
      case "max": {
        const found = this.variable("false");
        const best = this.variable("0");
        loop(body(() => {
          const value = this.atom(this.compile(e.elem));
          this.emit(`${best} = ${found} ? ${e.op}(${best}, ${value}) : ${value};`, `${found} = true;`);
        }));
        this.emptyCase(e, `!${found}`, best);
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
      case "group": {
        const groups = this.variable("new MapCtor()");
        loop(body(() => {
          const element = this.atom(this.compile(e.elem));
          const key = this.atom(this.compile(e.key!));
          const group = this.variable(`${groups}.get(${key})`);
          this.emit(`if (${group} === void 0) { ${group} = newGroup(${key}); ${groups}.set(${key}, ${group}); }`, `${group}.items.push(${element});`);
        }));
        return `[...${groups}.values()]`;
      }
      default: return invalid(e);
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

/** A call of the rounding function for `direction` with a constant step. */
export function roundCall(direction: string, x: string, step: number, exact = decimalStep(step)): string {
  const { units, scale } = exact;
  const fn = direction === "up" ? "roundUp" : direction === "down" ? "roundDown" : "roundHalfEven";
  return `${fn}(${x}, ${jsNumber(step)}, ${jsNumber(units)}, ${jsNumber(scale)})`;
}

function invalid(e: { k?: unknown }): never {
  throw new Error(`invalid IR: cannot compile ${JSON.stringify(e).slice(0, 200)}`);
}
