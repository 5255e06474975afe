/**
 * The functions a rulebook can call, as the checker sees them: the type rule of each built-in the
 * semantics layer declares (`src/semantics/builtins.ts`: signature, documentation, arity and
 * implementation), plus the functions that only the surface language has (`number`, aggregates).
 *
 * The checker, the editor's completion and hover, and the docs all read this table.
 */
import type { IrBuiltin } from "../ir/ir.js";
import { BUILTIN_NAMES, BUILTINS } from "../semantics/builtins.js";
import { BINANCE_CONVENTION, type LiquidationConvention } from "../semantics/liquidation.js";
import type { Expr } from "../syntax/ast.js";
import { BANKRUPTCY_OPTIONS, LIQUIDATION_OPTIONS, type OptionSpec } from "./check-options.js";
import {
  BOOL,
  DURATION,
  ERROR,
  NUMBER,
  RATE,
  type Type,
  assignable,
  describeType,
  formatType,
  isDimensionless,
  isNumeric,
  multiplyUnits,
  numeric,
  powerUnit,
} from "./types.js";

export interface BuiltinArgument {
  type: Type;
  expr: Expr;
}

/** What a type rule may do besides returning a type: report a problem with one argument. */
export interface BuiltinContext {
  /** Argument `index` (0-based) should have been `expected`. */
  mismatch(index: number, expected: string): void;
  /** Argument `index` must be dimensionless. */
  notDimensionless(index: number): void;
  /** The square root of a unit with an odd exponent. */
  oddRoot(index: number): void;
}

export interface Builtin {
  name: string;
  signature: string;
  doc: string;
  /** Number of arguments accepted: [min, max]. */
  arity: [number, number];
  /** `aggregate` functions also take a comprehension: `sum(x for p in xs where ...)`. */
  aggregate?: "numeric" | "bool" | "count" | "group" | "pick" | "sort" | "fold";
  typeRule(args: BuiltinArgument[], context: BuiltinContext, convention?: LiquidationConvention): Type;
  /** The named options it takes (`contract: inverse`). */
  options?: readonly OptionSpec[];
}

const anyError = (args: BuiltinArgument[]): boolean => args.some((a) => a.type.kind === "error");

/** All numeric arguments share one unit (Number and Rate mix); the result has that unit. */
function sameUnitRule(args: BuiltinArgument[], context: BuiltinContext): Type {
  if (anyError(args)) return ERROR;
  // The unit comes from the first argument that is not a bare `0` (which fits any unit).
  const reference = Math.max(
    0,
    args.findIndex((a) => !isZeroLiteral(a.expr)),
  );
  const first = args[reference]!.type;
  if (!isNumeric(first)) {
    context.mismatch(reference, "a number");
    return ERROR;
  }
  let rate = first.rate;
  for (let i = 0; i < args.length; i++) {
    if (i === reference) continue;
    const type = args[i]!.type;
    if (!isNumeric(type) || !(assignable(first, type) || isZeroLiteral(args[i]!.expr))) {
      context.mismatch(i, describeType(first));
      return ERROR;
    }
    rate = rate || type.rate;
  }
  return numeric(first.unit, rate);
}

function dimensionlessRule(result: Type) {
  return (args: BuiltinArgument[], context: BuiltinContext): Type => {
    if (anyError(args)) return ERROR;
    let ok = true;
    args.forEach((arg, i) => {
      if (!isNumeric(arg.type)) {
        context.mismatch(i, "a number");
        ok = false;
      } else if (!isDimensionless(arg.type.unit)) {
        context.notDimensionless(i);
        ok = false;
      }
    });
    return ok ? result : ERROR;
  };
}

function sqrtRule(args: BuiltinArgument[], context: BuiltinContext): Type {
  const type = args[0]!.type;
  if (type.kind === "error") return ERROR;
  if (!isNumeric(type)) {
    context.mismatch(0, "a number");
    return ERROR;
  }
  if (Object.values(type.unit).some((e) => e % 2 !== 0)) {
    context.oddRoot(0);
    return ERROR;
  }
  return numeric(powerUnit(type.unit, 0.5), type.rate);
}

/**
 * black76 / black_scholes (and their `_df` forms): (kind, underlying, strike, vol, time, rate or
 * discount factor) -> a price like the underlying. Both a rate and a discount factor are dimensionless.
 */
function optionRule(args: BuiltinArgument[], context: BuiltinContext): Type {
  if (anyError(args)) return ERROR;
  const [kind, underlying, strike, vol, time, rate] = args.map((a) => a.type);
  if (kind!.kind !== "enum" || !kind!.members.includes("call") || !kind!.members.includes("put")) {
    context.mismatch(0, "an enum value `call` or `put`");
    return ERROR;
  }
  if (!isNumeric(underlying!)) {
    context.mismatch(1, "a price");
    return ERROR;
  }
  if (!assignable(underlying!, strike!)) return (context.mismatch(2, describeType(underlying!)), ERROR);
  if (!assignable(RATE, vol!)) return (context.mismatch(3, "a Rate"), ERROR);
  if (!assignable(DURATION, time!)) return (context.mismatch(4, "a Duration"), ERROR);
  if (!assignable(RATE, rate!)) return (context.mismatch(5, "a Rate"), ERROR);
  return numeric(underlying!.unit);
}

/**
 * quantile / kth_smallest / kth_largest: (a list of numbers, a dimensionless q or k) -> an element
 * (its unit). A quantile's `q` may be a Rate (`99%`).
 */
function orderStatisticRule(args: BuiltinArgument[], context: BuiltinContext): Type {
  if (anyError(args)) return ERROR;
  const [list, rank] = args.map((a) => a.type);
  if (list!.kind !== "list" || !isNumeric(list!.element))
    return (context.mismatch(0, "a list of numbers"), ERROR);
  if (!isNumeric(rank!)) return (context.mismatch(1, "a number"), ERROR);
  if (!isDimensionless(rank!.unit)) return (context.notDimensionless(1), ERROR);
  return numeric(list!.element.unit, list!.element.rate);
}

/** The type rule of each IR built-in (and whether it also aggregates): one entry per {@link IrBuiltin}. */
const IR_TYPE_RULES: Readonly<
  Record<IrBuiltin, Pick<Builtin, "typeRule" | "aggregate" | "options"> & { arity?: [number, number] }>
> = {
  min: { aggregate: "numeric", typeRule: sameUnitRule },
  max: { aggregate: "numeric", typeRule: sameUnitRule },
  clamp: { typeRule: sameUnitRule },
  abs: { typeRule: sameUnitRule },
  sqrt: { typeRule: sqrtRule },
  pow: { typeRule: dimensionlessRule(NUMBER) },
  exp: { typeRule: dimensionlessRule(NUMBER) },
  ln: { typeRule: dimensionlessRule(NUMBER) },
  round_up: { typeRule: sameUnitRule },
  round_down: { typeRule: sameUnitRule },
  round_half_even: { typeRule: sameUnitRule },
  normal_cdf: { typeRule: dimensionlessRule(NUMBER) },
  black76: { typeRule: optionRule },
  black_scholes: { typeRule: optionRule },
  black76_df: { typeRule: optionRule },
  black_scholes_df: { typeRule: optionRule },
  // Its options lower to two more arguments: the surface call takes four.
  bankruptcy_price: { typeRule: bankruptcyRule, options: BANKRUPTCY_OPTIONS, arity: [4, 4] },
  length: { typeRule: () => NUMBER },
  quantile: { typeRule: orderStatisticRule },
  kth_smallest: { typeRule: orderStatisticRule },
  kth_largest: { typeRule: orderStatisticRule },
};

/** The functions the checker knows that have no IR built-in of their own: they lower to other forms. */
const SURFACE_ONLY: readonly Builtin[] = [
  {
    name: "number",
    signature: "number(x: T) -> Number",
    doc: "The value of `x` without its unit (for formulas such as `sqrt(number(size))` whose unit is a convention).",
    arity: [1, 1],
    typeRule: (args, context) =>
      args[0]!.type.kind === "error"
        ? ERROR
        : isNumeric(args[0]!.type)
          ? NUMBER
          : (context.mismatch(0, "a number"), ERROR),
  },
  {
    name: "sum",
    signature: "sum(x for v in list where cond) -> T",
    doc: "The sum of the elements (0 for an empty list).",
    arity: [1, 1],
    aggregate: "numeric",
    typeRule: sameUnitRule,
  },
  {
    name: "avg",
    signature: "avg(x for v in list where cond default d) -> T",
    doc: "The mean of the elements; an empty list gives `default`, or a runtime error without one.",
    arity: [1, 1],
    aggregate: "numeric",
    typeRule: sameUnitRule,
  },
  {
    name: "count",
    signature: "count(x for v in list where cond) -> Number",
    doc: "The number of elements that pass the filter; `count(list)` is the length.",
    arity: [1, 1],
    aggregate: "count",
    typeRule: () => NUMBER,
  },
  {
    name: "any",
    signature: "any(cond for v in list) -> Bool",
    doc: "Whether any element satisfies the condition (false for an empty list).",
    arity: [1, 1],
    aggregate: "bool",
    typeRule: () => BOOL,
  },
  {
    name: "all",
    signature: "all(cond for v in list) -> Bool",
    doc: "Whether every element satisfies the condition (true for an empty list).",
    arity: [1, 1],
    aggregate: "bool",
    typeRule: () => BOOL,
  },
  {
    name: "group",
    signature: "group(x for v in list by key) -> List<{ key, items }>",
    doc: "The elements grouped by `key`, in order of first appearance.",
    arity: [1, 1],
    aggregate: "group",
    typeRule: () => ERROR,
  },
  {
    name: "argmax",
    signature: "argmax(x for v in list where cond) -> element",
    doc: "The element whose `x` is largest (the first of equals); an empty list is a runtime error.",
    arity: [1, 1],
    aggregate: "pick",
    typeRule: () => ERROR,
  },
  {
    name: "argmin",
    signature: "argmin(x for v in list where cond) -> element",
    doc: "The element whose `x` is smallest (the first of equals); an empty list is a runtime error.",
    arity: [1, 1],
    aggregate: "pick",
    typeRule: () => ERROR,
  },
  {
    name: "sort",
    signature: "sort(x for v in list where cond) -> List<element>",
    doc: "The elements in ascending order of `x` (equal keys keep their order); n log n.",
    arity: [1, 1],
    aggregate: "sort",
    typeRule: () => ERROR,
  },
  {
    name: "reduce",
    signature: "reduce(x for v in list from acc = init where cond) -> T",
    doc: "A fold: `acc` starts at `init` and becomes `x` for each element in order; the last `acc`.",
    arity: [1, 1],
    aggregate: "fold",
    typeRule: () => ERROR,
  },
  {
    name: "scan",
    signature: "scan(x for v in list from acc = init where cond) -> List<T>",
    doc: "As `reduce`, but the list of every successive `acc` (one per element kept).",
    arity: [1, 1],
    aggregate: "fold",
    typeRule: () => ERROR,
  },
];

/**
 * Every function a rulebook can call by name: the IR built-ins the semantics layer declares (their
 * signature, documentation and arity come from there), then the checker-only ones.
 */
export const builtins: readonly Builtin[] = [
  ...BUILTIN_NAMES.filter((name) => BUILTINS[name].surface).map((name): Builtin => {
    const { signature, doc, arity } = BUILTINS[name];
    return { name, signature, doc, arity: [arity[0], arity[1]], ...IR_TYPE_RULES[name] };
  }),
  ...SURFACE_ONLY,
];

export const builtinsByName: ReadonlyMap<string, Builtin> = new Map(builtins.map((b) => [b.name, b]));

/**
 * A method of a tier table, `t.name(arguments..., column)`: the last argument names one of the
 * table's rate columns; `typeRule`, when present, types the arguments before it given the table's
 * key type (`margin` and `deduction` take one key, checked by the checker itself).
 */
export interface TierMethod {
  name: string;
  signature: string;
  doc: string;
  /** Number of arguments, the column included. */
  arity: number;
  typeRule?(
    key: Type,
    args: BuiltinArgument[],
    context: BuiltinContext,
    convention: LiquidationConvention,
  ): Type;
  /** The named options it takes (`contract: inverse`). */
  options?: readonly OptionSpec[];
}

/**
 * `(side, size, entry, balance)` of a liquidation or bankruptcy price, given the unit of the
 * notional `money` (the tier table's key, or the balance for `bankruptcy_price`): `side` an enum
 * value `long` or `short`; linear: `size * entry` in `money`; inverse: `size / entry` in `money`
 * (size in USD contracts, the notional and the balance in the coin). The result is a price, in the
 * unit of `entry`.
 */
function priceRule(
  money: Type,
  args: BuiltinArgument[],
  context: BuiltinContext,
  convention: LiquidationConvention,
): Type {
  if (anyError(args) || money.kind === "error" || !isNumeric(money)) return ERROR;
  const [side, size, entry, balance] = args.map((a) => a.type) as [Type, Type, Type, Type];
  if (side.kind !== "enum" || !side.members.includes("long") || !side.members.includes("short"))
    return (context.mismatch(0, "an enum value `long` or `short`"), ERROR);
  if (!isNumeric(size)) return (context.mismatch(1, "a number (the size of the position)"), ERROR);
  const inverse = convention.contract === "inverse";
  const price = numeric(
    inverse ? multiplyUnits(size.unit, money.unit, -1) : multiplyUnits(money.unit, size.unit, -1),
  );
  if (!assignable(price, entry)) {
    const inverted = numeric(multiplyUnits(size.unit, money.unit, -1));
    const hint =
      !inverse && isNumeric(entry) && assignable(inverted, entry)
        ? "; an inverse contract? add `contract: inverse`"
        : "";
    return (
      context.mismatch(
        2,
        inverse
          ? `a price in ${formatType(price)} (an inverse contract's size per unit of the notional)`
          : `a price in ${formatType(price)} (the notional per unit of size${hint})`,
      ),
      ERROR
    );
  }
  if (!assignable(money, balance) && !isZeroLiteral(args[3]!.expr))
    return (
      context.mismatch(3, `${describeType(money)} (the unit of the notional${inverse ? ", the coin" : ""})`),
      ERROR
    );
  return price;
}

/**
 * `bankruptcy_price(side, size, entry, balance)`: no table gives the notional's unit, so it comes
 * from the size and the entry price (`size * entry`, or `size / entry` for an inverse contract).
 */
function bankruptcyRule(
  args: BuiltinArgument[],
  context: BuiltinContext,
  convention?: LiquidationConvention,
): Type {
  if (anyError(args)) return ERROR;
  const [size, entry] = [args[1]!.type, args[2]!.type];
  if (!isNumeric(size) || !isNumeric(entry)) return priceRule(NUMBER, args, context, BINANCE_CONVENTION);
  const inverse = convention?.contract === "inverse";
  const money = numeric(multiplyUnits(size.unit, entry.unit, inverse ? -1 : 1));
  return priceRule(money, args, context, convention ?? BINANCE_CONVENTION);
}

export const tierMethods: readonly TierMethod[] = [
  {
    name: "margin",
    signature: "t.margin(x: Key, column) -> Key",
    doc: "The margin of `x` at a rate column: slice by slice in a `marginal` table (`x * rate_n - deduction_n`), the whole of `x` at its tier's rate in a `flat` one.",
    arity: 2,
  },
  {
    name: "deduction",
    signature: "t.deduction(x: Key, column) -> Key",
    doc: "The derived deduction (Binance's maintenance amount) of the tier containing `x`; 0 in a `flat` table.",
    arity: 2,
  },
  {
    name: "liquidation_price",
    signature:
      "t.liquidation_price(side, size: Q, entry: Key / Q, balance: Key, column, margin_at: liquidation|entry, contract: linear|inverse, closing_fee: Rate) -> P",
    doc:
      "The price at which `balance + side * size * (price - entry)` falls to the maintenance margin `t.margin(size * price, column)`, " +
      "using the tier that contains the notional at that price (Binance USDⓈ-M: `(balance + cum - side * size * entry) / (size * (mmr - side))`). " +
      "`balance` is the isolated margin, or in cross mode the wallet plus the other positions' unrealised PnL less their maintenance margin. " +
      "A long that no fall in price liquidates, and a short liquidated at any price, get the table's floor (normally 0). " +
      "Options: `margin_at: entry` (the maintenance margin and its tier at the entry price, Bybit), `contract: inverse` (notional `size / price` in the coin), " +
      "`closing_fee: <rate>` (the fee to close at the bankruptcy price, held back from the balance).",
    arity: 5,
    typeRule: priceRule,
    options: LIQUIDATION_OPTIONS,
  },
];

export const tierMethodsByName: ReadonlyMap<string, TierMethod> = new Map(
  tierMethods.map((m) => [m.name, m]),
);

/** Whether an expression is the literal `0` written without a unit (it fits any unit). */
export function isZeroLiteral(expr: Expr): boolean {
  if (expr.kind === "UnaryExpr" && (expr.op === "-" || expr.op === "+")) return isZeroLiteral(expr.operand);
  return expr.kind === "NumberLit" && expr.value === 0 && !expr.unit && !expr.suffix;
}
