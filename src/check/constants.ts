/**
 * Constant folding for the checker: the values of parameters, rounding steps, scenario grids and
 * rule conditions that do not depend on any input.
 */
import { fillRuntimeTemplate, runtimeErrors, type Raise } from "../semantics/errors.js";
import { BUILTINS, isBuiltin } from "../semantics/builtins.js";
import type { Expr } from "../syntax/ast.js";

export type ConstantValue = number | boolean;

/** Looks up the constant value of a name (a parameter), or undefined when it is not constant. */
export type ConstantLookup = (name: string) => ConstantValue | undefined;

/** A fold that would raise a runtime error (the square root of a negative number) is no constant. */
const NOT_FOLDABLE = Symbol("not foldable");
const abortFold: Raise = () => {
  throw NOT_FOLDABLE;
};

/**
 * Folds a call of a built-in on numbers with the runtime's own implementation (so folding never
 * changes a result), or undefined when the call would fail at run time.
 */
function foldCall(name: string, args: number[]): number | undefined {
  if (name === "number") return args[0];
  if (!isBuiltin(name) || !BUILTINS[name].surface) return undefined;
  try {
    return BUILTINS[name].apply(args, -1, abortFold) as number;
  } catch (error) {
    if (error === NOT_FOLDABLE) return undefined;
    throw error;
  }
}

/** Folds an expression built from literals, constant names, arithmetic and pure functions. */
export function evaluateConstant(expr: Expr, lookup: ConstantLookup): ConstantValue | undefined {
  switch (expr.kind) {
    case "NumberLit":
      return expr.value;
    case "DurationLit":
      return expr.seconds;
    case "BoolLit":
      return expr.value;
    case "NameRef":
      return lookup(expr.name);
    case "UnaryExpr": {
      const operand = evaluateConstant(expr.operand, lookup);
      if (operand === undefined) return undefined;
      if (expr.op === "not") return typeof operand === "boolean" ? !operand : undefined;
      if (typeof operand !== "number") return undefined;
      return expr.op === "-" ? -operand : operand;
    }
    case "BinaryExpr":
      return foldBinary(expr.op, evaluateConstant(expr.left, lookup), () =>
        evaluateConstant(expr.right, lookup),
      );
    case "IfExpr": {
      const condition = evaluateConstant(expr.condition, lookup);
      if (typeof condition !== "boolean") return undefined;
      return evaluateConstant(condition ? expr.then : expr.else, lookup);
    }
    case "CallExpr": {
      if (expr.callee.kind !== "NameRef" || expr.comprehension) return undefined;
      const args = expr.args.map((a) => evaluateConstant(a, lookup));
      if (args.some((a) => typeof a !== "number")) return undefined;
      // An infinity or NaN is returned as it is: the checker reports it where a constant is required.
      // A call that would raise at run time (`sqrt(-1)`) folds to nothing; `foldingFailure` says why.
      return foldCall(expr.callee.name, args as number[]);
    }
    default:
      return undefined;
  }
}

/**
 * Why an expression that looks constant has no value: the runtime error its first failing call or
 * division would raise (`pow: -8 to the power 0.3333333333333333 is not a real number`), or
 * undefined when nothing fails (it reads an input, say).
 */
export function foldingFailure(expr: Expr, lookup: ConstantLookup): string | undefined {
  switch (expr.kind) {
    case "UnaryExpr":
      return foldingFailure(expr.operand, lookup);
    case "IfExpr":
      return (
        foldingFailure(expr.condition, lookup) ??
        foldingFailure(expr.then, lookup) ??
        foldingFailure(expr.else, lookup)
      );
    case "BinaryExpr": {
      const inner = foldingFailure(expr.left, lookup) ?? foldingFailure(expr.right, lookup);
      if (inner || expr.op !== "/") return inner;
      const divisor = evaluateConstant(expr.right, lookup);
      return divisor === 0 && typeof evaluateConstant(expr.left, lookup) === "number"
        ? runtimeErrors.divisionByZero.template
        : undefined;
    }
    case "CallExpr": {
      if (expr.callee.kind !== "NameRef" || expr.comprehension) return undefined;
      const inner = expr.args.map((a) => foldingFailure(a, lookup)).find((reason) => reason !== undefined);
      if (inner) return inner;
      const name = expr.callee.name;
      const args = expr.args.map((a) => evaluateConstant(a, lookup));
      if (!isBuiltin(name) || !BUILTINS[name].surface || args.some((a) => typeof a !== "number"))
        return undefined;
      let reason: string | undefined;
      try {
        BUILTINS[name].apply(args as number[], -1, (_site, error, values) => {
          const detail = fillRuntimeTemplate(error.template, values);
          reason = detail.startsWith(`\`${name}\``) ? detail : `\`${name}\`: ${detail}`;
          throw NOT_FOLDABLE;
        });
      } catch (error) {
        if (error !== NOT_FOLDABLE) throw error;
      }
      return reason;
    }
    default:
      return undefined;
  }
}

function foldBinary(
  op: string,
  left: ConstantValue | undefined,
  rightThunk: () => ConstantValue | undefined,
): ConstantValue | undefined {
  if (left === undefined) return undefined;
  // `false and x` and `true or x` are constant whatever x is.
  if (op === "and" && left === false) return false;
  if (op === "or" && left === true) return true;
  const right = rightThunk();
  if (right === undefined) return undefined;
  if (op === "and" || op === "or") {
    if (typeof left !== "boolean" || typeof right !== "boolean") return undefined;
    return op === "and" ? left && right : left || right;
  }
  if (op === "==") return left === right;
  if (op === "!=") return left !== right;
  if (typeof left !== "number" || typeof right !== "number") return undefined;
  switch (op) {
    case "+":
      return left + right;
    case "-":
      return left - right;
    case "*":
      return left * right;
    case "/":
      return right === 0 ? undefined : left / right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    default:
      return undefined;
  }
}
