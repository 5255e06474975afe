/**
 * The intermediate representation (IR) of a rulebook: what the compiler produces and every evaluator
 * (the reference interpreter, the JavaScript code generator, a compiled artifact) consumes.
 *
 * The IR is plain JSON-serialisable data: no AST nodes, no functions, no `undefined` in arrays, and
 * every number finite (an infinite tier bound is `null`). Everything the checker resolved is explicit:
 *
 * - evaluation order is the order of {@link IrRulebook.steps}: lets in dependency order (those the
 *   rules read come before the rules), each rule with its condition and steps, then the remaining
 *   lets and the outputs (with their declared rounding), then the assertions (an assertion on inputs
 *   only, a precondition, comes first of all);
 * - every name is resolved: input fields are paths, parameters are inlined as constants, lets,
 *   quantities and outputs are numbered slots, comprehension variables are numbered locals;
 * - constants are folded (with the runtime's own arithmetic, so folding never changes a result);
 * - tier tables carry their bounds, inclusivity, columns and the deductions (Binance "cum") that the
 *   compiler derives for `marginal` tables;
 * - scenario sets are expanded to concrete rows;
 * - every step, and every expression that can fail at run time, points at a {@link IrSite} that names
 *   the source line, the rule and the input paths involved, for explanations and runtime errors.
 *
 * This module is shared by the compiler and the runtime, so it imports nothing.
 */

/** The version of the IR format; bumped on any incompatible change. */
export const IR_VERSION = 1;

/** A lowered rulebook. */
export interface IrRulebook {
  irVersion: typeof IR_VERSION;
  meta: IrMeta;
  schema: IrSchema;
  tables: IrTierTable[];
  scenarioSets: IrScenarioSet[];
  /** One entry per slot: lets, quantities and outputs, in the order they were numbered. */
  slots: IrSlot[];
  /** The comprehension variables (locals), by number: their names as written, for printing. */
  locals: string[];
  /** Source locations of steps and of expressions that can fail at run time. */
  sites: IrSite[];
  /** The evaluation order. */
  steps: IrStep[];
  /**
   * User functions (`fn`), called by `apply` expressions; absent when there are none. A body reads
   * only its parameters (locals), constants, tables and other functions, never slots or inputs, and
   * no function calls itself, directly or not (the checker guarantees both).
   */
  functions?: IrFunction[];
  /**
   * The properties `verify` declarations state, for `marginbook verify`; absent when there are
   * none. Evaluators ignore them: a property is checked before a rulebook goes live, never at run time.
   */
  properties?: IrProperty[];
}

/** The rulebook's header, as written. */
export interface IrMeta {
  name: string;
  version: string;
  effective: string;
  currency: string;
  owner?: string;
  description?: string;
  /** The file the rulebook was compiled from, as given to the compiler. */
  file: string;
  /** The base rulebook's path as written after `extends`, if any. */
  extends?: string;
  /** The rulebooks this one imports, in the order of its `import` lines. */
  imports?: IrImport[];
  /** The arithmetic the rulebook computes in; absent means IEEE 754 binary64. */
  arithmetic?: IrArithmetic;
}

/** An imported rulebook, as compiled into the importing one. */
export interface IrImport {
  /** The path as written after `import`. */
  path: string;
  /** The namespace of a whole-book import. */
  as?: string;
  /** The declarations a selective import names. */
  names?: string[];
  /** The imported rulebook's header version. */
  version?: string;
  /** The hash of the imported rulebook's own IR (`sha256:...`), as `compile` would record it. */
  irHash: string;
}

/** How a decimal result that needs more places than the scale is rounded (`/`, `sqrt`, `exp`, ...). */
export type IrDecimalRounding = "half_even" | "half_up" | "half_down" | "up" | "down" | "ceiling" | "floor";

/**
 * Exact decimal arithmetic (`arithmetic decimal` in the header): literals, inputs and parameters
 * are exact decimals, `+ - *` and comparisons are exact, and `/`, `sqrt`, `exp`, `ln`, `pow` with a
 * non-integer exponent and `normal_cdf` give `scale` decimal places, rounded by `rounding`.
 */
export interface IrArithmetic {
  mode: "decimal";
  scale: number;
  rounding: IrDecimalRounding;
}

/** Where something is in the source, and what it involves (for explanations and runtime errors). */
export interface IrSite {
  /** 1-based line; 0 when the compiler had no source text. */
  line: number;
  /** The file, when it is not the compiled rulebook itself (a declaration inherited from a base). */
  file?: string;
  /** The rule the site belongs to, if any. */
  rule?: string;
  /** What is being computed: `let notional`, `rule base: set im_rate`, `output initial_margin`, `assert`. */
  what: string;
  /** The input paths (`position.size`) the failing operand depends on, directly or through lets. */
  inputs: string[];
}

// ---- the input schema ----

/** The types of runtime inputs, from which a JSON Schema is derived. */
export interface IrSchema {
  /** Top-level inputs, in declaration order: the runtime input is an object with these keys. */
  inputs: IrInput[];
  /** Record types by name (inline input records are named after the input). */
  records: Record<string, IrRecord>;
  /** Enum types by name: their members, in declaration order. */
  enums: Record<string, string[]>;
}

/** A top-level input: the runtime input object has one key per input. */
export interface IrInput {
  name: string;
  type: IrType;
  doc?: string;
}

/** A record type: its fields in declaration order. */
export interface IrRecord {
  name: string;
  fields: IrField[];
  doc?: string;
}

/** A field of a record, with what validation needs (optional, default, domain). */
export interface IrField {
  name: string;
  type: IrType;
  /** True when the field has a default and may be left out of a runtime input. */
  optional: boolean;
  default?: IrConstValue;
  /** Allowed values of a numeric field; a runtime input outside them is invalid. */
  domain?: IrDomain;
  doc?: string;
}

/** A numeric interval; a missing side is unbounded. */
export interface IrDomain {
  min?: number;
  minInclusive?: boolean;
  max?: number;
  maxInclusive?: boolean;
}

/**
 * A runtime type. Numbers carry their unit for display (`USDT`, `USDT / Quantity`, `Rate`).
 * Timestamps are ISO 8601 strings in inputs and outputs, and seconds since the epoch inside.
 */
export type IrType =
  /** `integer`: declared `Integer`, so a runtime input must be a whole number. */
  | { kind: "number"; unit: string; integer?: true }
  | { kind: "bool" }
  | { kind: "text" }
  | { kind: "timestamp" }
  | { kind: "enum"; name: string }
  | { kind: "record"; name: string }
  | { kind: "list"; element: IrType }
  /** A tier row (internally, its 0-based index) or a scenario/group record: never a runtime input. */
  | { kind: "row"; table: string }
  | { kind: "opaque"; description: string };

/** A constant: numbers, booleans, strings (text and enum members); timestamps are epoch seconds. */
export type IrConstValue = number | boolean | string;

// ---- tier tables and scenario sets ----

/** A tier table: contiguous, ascending rows (the checker guarantees it; the compiler re-checks). */
export interface IrTierTable {
  name: string;
  /** The measure the table is keyed by (`notional`) and its unit. */
  key: string;
  keyUnit: string;
  mode: "flat" | "marginal";
  columns: IrTierColumn[];
  rows: IrTierRow[];
  site: number;
  /**
   * The last tier's finite upper bound is a deliberate risk limit (`, limit`): a key above it
   * raises MB6021 instead of MB6006.
   */
  limit?: true;
}

/** A column of a tier table. */
export interface IrTierColumn {
  name: string;
  unit: string;
  /** Declared as `Rate`: its deductions are derived (as for any column `margin` or `deduction` uses). */
  rate: boolean;
}

/** One tier: its interval and its cells. */
export interface IrTierRow {
  lower: number;
  /** `null` is `inf`. */
  upper: number | null;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  /** One value per column, rates as fractions. */
  cells: number[];
  /**
   * Per column: the derived deduction (maintenance amount) of a `marginal` table,
   * `cum_n = lower_n * (rate_n - rate_{n-1}) + cum_{n-1}`, computed exactly in decimal and rounded
   * once; 0 in a `flat` table; `null` for columns that are not rates and that no `margin` or
   * `deduction` call uses.
   */
  deductions: (number | null)[];
}

/** A scenario set, expanded: grids (last axis fastest, ranges expanded) and named scenarios, in order. */
export interface IrScenarioSet {
  name: string;
  axes: string[];
  rows: IrScenario[];
  site: number;
}

/** One concrete scenario. Axes a statement does not mention are 0. */
export interface IrScenario {
  name: string;
  index: number;
  weight: number;
  /** One value per axis, in the order of {@link IrScenarioSet.axes}. */
  values: number[];
}

// ---- slots and steps ----

/** A value computed during an evaluation: a let, a quantity adjusted by rules, or an output. */
export interface IrSlot {
  name: string;
  kind: "let" | "quantity" | "output";
  type: IrType;
}

/** One step of the evaluation order. */
export type IrStep = IrLetStep | IrRuleStep | IrOutputStep | IrAssertStep;

/** `let name = value`: evaluates `value` into the let's slot. */
export interface IrLetStep {
  kind: "let";
  slot: number;
  value: IrExpr;
  site: number;
  /**
   * Introduced by the optimizer (src/optimize): a value computed once that was an intermediate of
   * some expression. It is neither checked for finiteness (an intermediate never was) nor explained.
   * Never present in an artifact's IR.
   */
  hoisted?: true;
}

/** A rule: when `condition` (if any) is true, its actions in order. */
export interface IrRuleStep {
  kind: "rule";
  name: string;
  condition?: IrExpr;
  actions: IrAction[];
  site: number;
}

/** The verbs of rule steps. */
export type IrVerb = "set" | "scale" | "add" | "floor" | "cap";

/** One step of a rule: `set`, `scale ... by`, `add ... to`, `floor ... at`, `cap ... at`. */
export interface IrAction {
  verb: IrVerb;
  slot: number;
  value: IrExpr;
  condition?: IrExpr;
  site: number;
}

/** `up` is towards +infinity, `down` towards -infinity, `half_even` to the nearest, ties to even. */
export type IrRoundingDirection = "up" | "down" | "half_even";

/**
 * A rounding to a multiple of `step`. When the step is a short decimal, `units / scale` is that
 * decimal exactly (0.01 is 1 / 100), which lets the runtime produce the double nearest to the
 * rounded decimal; `units` is 0 when the step has no such form.
 */
export interface IrRounding {
  direction: IrRoundingDirection;
  step: number;
  units: number;
  scale: number;
}

/** An output: `value`, rounded when declared; a NaN or infinite number stops the evaluation (MB6007). */
export interface IrOutputStep {
  kind: "output";
  slot: number;
  value: IrExpr;
  rounding?: IrRounding;
  site: number;
}

/** An assertion over final values: false stops the evaluation (MB6008) with `message`. */
export interface IrAssertStep {
  kind: "assert";
  condition: IrExpr;
  message?: string;
  site: number;
}

/** A user function: its parameters are locals, bound to the arguments of each call. */
export interface IrFunction {
  name: string;
  params: number[];
  body: IrExpr;
  site: number;
}

// ---- verified properties ----

/** The kinds of verified properties (see `docs/verification.md`). */
export type IrPropertyKind = "invariant" | "nonnegative" | "nondecreasing" | "nonincreasing" | "continuous";

/**
 * A property for every valid input: `invariant` (its `condition` holds, like an assertion, over
 * final values); `nonnegative` (each target >= 0); `nondecreasing` / `nonincreasing` (each target,
 * as `variable` grows with every other input fixed); `continuous` (each target has no jump as
 * `variable` moves; a rounded output is taken before its rounding).
 */
export interface IrProperty {
  kind: IrPropertyKind;
  /** `invariant` only. */
  condition?: IrExpr;
  /** The slots (lets, quantities, outputs) the property is about; empty for an invariant. */
  targets: number[];
  /** `nondecreasing`, `nonincreasing`, `continuous`: the input field path that varies. */
  variable?: string[];
  message?: string;
  /** The declaration as written (canonical form, without its message), for reports. */
  text: string;
  site: number;
}

// ---- expressions ----

/** Unary and binary operators (`and` / `or` short-circuit). */
export type IrUnaryOp = "neg" | "not";
export type IrBinaryOp = "+" | "-" | "*" | "/" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "and" | "or";

/** Built-in functions the runtime implements (`number(x)` is erased by the compiler). */
export type IrBuiltin =
  | "min"
  | "max"
  | "clamp"
  | "abs"
  | "sqrt"
  | "pow"
  | "exp"
  | "ln"
  | "round_up"
  | "round_down"
  | "round_half_even"
  | "normal_cdf"
  | "black76"
  | "black_scholes"
  | "black76_df"
  | "black_scholes_df"
  | "length"
  | "quantile"
  | "kth_smallest"
  | "kth_largest"
  | "bankruptcy_price";

/** Comprehension operators. */
export type IrAggregateOp =
  | "sum"
  | "min"
  | "max"
  | "avg"
  | "count"
  | "any"
  | "all"
  | "group"
  /** The list of the elements (`[e for x in xs where c]`). */
  | "list"
  /** The source element whose `elem` is largest / smallest (the first of equals). */
  | "argmax"
  | "argmin"
  /** The source elements in ascending order of `elem`, a stable sort. */
  | "sort"
  /** A fold: local `acc` starts at `init` and becomes `elem` per element; the last value, or every value. */
  | "reduce"
  | "scan";

/** An expression; `k` tells the kind. Nodes that can fail at run time carry a `site`. */
export type IrExpr =
  /** `d`: in decimal arithmetic, the literal's exact text when `v` (a double) does not spell it. */
  | { k: "const"; v: IrConstValue; d?: string }
  /** A field of the runtime input: `path` from the top-level input; `default` fills a missing last field. */
  | { k: "input"; path: string[]; default?: IrConstValue; timestamp?: true }
  | { k: "slot"; slot: number }
  | { k: "local"; local: number }
  | { k: "unary"; op: IrUnaryOp; x: IrExpr }
  | { k: "binary"; op: IrBinaryOp; l: IrExpr; r: IrExpr; site?: number }
  | { k: "if"; c: IrExpr; t: IrExpr; e: IrExpr }
  /** `site` is set on calls that can fail (sqrt, ln, pow, rounding, option pricing). */
  | { k: "call"; fn: IrBuiltin; args: IrExpr[]; site?: number }
  /** The row of `table` containing `key`, as a 0-based row index. */
  | { k: "tier"; table: number; key: IrExpr; site: number }
  /** A column of a tier row; `column` is a column index, or `tier` (1-based), `lower`, `upper`. */
  | { k: "cell"; table: number; row: IrExpr; column: number | "tier" | "lower" | "upper" }
  /** `table.margin(key, column)` (`deduction: false`) or `table.deduction(key, column)`. */
  | { k: "margin"; table: number; key: IrExpr; column: number; deduction: boolean; site: number }
  /**
   * `table.liquidation_price(side, size, entry, balance, column)`: the price at which the margin
   * balance `balance + side * size * (price - entry)` equals the maintenance margin
   * `table.margin(size * price, column)`, in the tier that contains `size * price`. The optional
   * fields give another venue's convention (see `src/semantics/liquidation.ts`): the maintenance
   * margin valued at entry, an inverse contract (notional `size / price`), a closing fee rate.
   */
  | {
      k: "liquidation";
      table: number;
      column: number;
      side: IrExpr;
      size: IrExpr;
      entry: IrExpr;
      balance: IrExpr;
      site: number;
      marginAt?: "entry";
      contract?: "inverse";
      closingFee?: number;
    }
  /** A field of a record value (a list element, a scenario, a group). */
  | { k: "field"; x: IrExpr; name: string; default?: IrConstValue; timestamp?: true }
  | { k: "index"; x: IrExpr; index: IrExpr; site: number }
  | { k: "scenarios"; set: number }
  /** A call of user function `fn` (an index into {@link IrRulebook.functions}). */
  | { k: "apply"; fn: number; args: IrExpr[]; site: number }
  /** `let local = value in body`. */
  | { k: "let"; local: number; value: IrExpr; body: IrExpr }
  /** A list of values: `[a, b, c]`. */
  | { k: "list"; items: IrExpr[] }
  /**
   * A record value with fields `names[i] = values[i]` (evaluated in order): the key of
   * `group(p for p in xs by (p.currency, p.kind))`. Groups compare such keys field by field.
   */
  | { k: "record"; names: string[]; values: IrExpr[] }
  /**
   * A keyed lookup found no row: raises MB6020 naming `table` and the key values. Keyed tables
   * (`fees[p.symbol].taker`) and tier table families lower to a chain of `if`s on the key that
   * ends here (or at the `default:` row).
   */
  | { k: "nokey"; table: string; keys: IrExpr[]; site: number }
  | IrAggregate;

/**
 * A comprehension: `op(elem for local in source where filter default fallback)`, or
 * `group(elem for local in source by key)`, whose result is a list of `{ key, items }`.
 */
export interface IrAggregate {
  k: "agg";
  op: IrAggregateOp;
  local: number;
  source: IrExpr;
  elem: IrExpr;
  filter?: IrExpr;
  key?: IrExpr;
  fallback?: IrExpr;
  /** `for x, i in xs`: the local that holds each element's 0-based position in the source. */
  position?: number;
  /** `reduce` / `scan`: the accumulator's local and its first value. */
  acc?: number;
  init?: IrExpr;
  site: number;
  /** `min` / `max`: the unit of the elements, for explanations (which element won, and its value). */
  unit?: string;
}

/** The named options of a liquidation node as written (`margin_at: entry`, ...); none for Binance's. */
export function conventionOptions(e: {
  marginAt?: "entry";
  contract?: "inverse";
  closingFee?: number;
}): string[] {
  return [
    ...(e.marginAt ? [`margin_at: ${e.marginAt}`] : []),
    ...(e.contract ? [`contract: ${e.contract}`] : []),
    ...(e.closingFee !== undefined ? [`closing_fee: ${String(e.closingFee)}`] : []),
  ];
}

/** Walks an expression tree, parents before children, in evaluation order. */
export function forEachExpr(expr: IrExpr, visit: (e: IrExpr) => void): void {
  visit(expr);
  for (const child of childExprs(expr)) forEachExpr(child, visit);
}

/** The direct sub-expressions of an expression, in evaluation order. */
export function childExprs(expr: IrExpr): IrExpr[] {
  switch (expr.k) {
    case "unary":
      return [expr.x];
    case "binary":
      return [expr.l, expr.r];
    case "if":
      return [expr.c, expr.t, expr.e];
    case "call":
      return expr.args;
    case "tier":
      return [expr.key];
    case "cell":
      return [expr.row];
    case "margin":
      return [expr.key];
    case "liquidation":
      return [expr.side, expr.size, expr.entry, expr.balance];
    case "field":
      return [expr.x];
    case "index":
      return [expr.x, expr.index];
    case "apply":
      return expr.args;
    case "let":
      return [expr.value, expr.body];
    case "list":
      return expr.items;
    case "record":
      return expr.values;
    case "nokey":
      return expr.keys;
    case "agg":
      return [
        expr.source,
        ...(expr.init ? [expr.init] : []),
        ...(expr.filter ? [expr.filter] : []),
        expr.elem,
        ...(expr.key ? [expr.key] : []),
        ...(expr.fallback ? [expr.fallback] : []),
      ];
    case "const":
    case "input":
    case "slot":
    case "local":
    case "scenarios":
      return [];
    default:
      return invalidExpressionKind(expr);
  }
}

/**
 * Refuses an expression of a kind the IR does not have (a hand-crafted artifact's, before the schema
 * caught it). Typed `never`: a kind added to {@link IrExpr} but not to a switch does not compile.
 */
export function invalidExpressionKind(expr: never): never {
  throw new Error(`invalid IR: an expression of kind ${JSON.stringify((expr as { k?: unknown }).k)}`);
}
