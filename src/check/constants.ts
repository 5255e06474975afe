/**
 * Constant folding for the checker: the values of parameters, rounding steps, scenario grids and
 * rule conditions that do not depend on any input.
 */
import type { Expr } from "../syntax/ast.js";

export type ConstantValue = number | boolean;

/** Looks up the constant value of a name (a parameter), or undefined when it is not constant. */
export type ConstantLookup = (name: string) => ConstantValue | undefined;

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  min: Math.min,
  max: Math.max,
  abs: Math.abs,
  sqrt: Math.sqrt,
  pow: Math.pow,
  exp: Math.exp,
  ln: Math.log,
  number: (x) => x,
  clamp: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
};

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
      return foldBinary(expr.op, evaluateConstant(expr.left, lookup), () => evaluateConstant(expr.right, lookup));
    case "IfExpr": {
      const condition = evaluateConstant(expr.condition, lookup);
      if (typeof condition !== "boolean") return undefined;
      return evaluateConstant(condition ? expr.then : expr.else, lookup);
    }
    case "CallExpr": {
      if (expr.callee.kind !== "NameRef" || expr.comprehension) return undefined;
      // Own keys only: `valueOf(1)` must not find Object.prototype.valueOf.
      const fn = Object.hasOwn(FUNCTIONS, expr.callee.name) ? FUNCTIONS[expr.callee.name] : undefined;
      if (!fn) return undefined;
      const args = expr.args.map((a) => evaluateConstant(a, lookup));
      if (args.some((a) => typeof a !== "number")) return undefined;
      // An infinity or NaN is returned as it is: the checker reports it where a constant is required.
      return fn(...(args as number[]));
    }
    default:
      return undefined;
  }
}

function foldBinary(op: string, left: ConstantValue | undefined, rightThunk: () => ConstantValue | undefined): ConstantValue | undefined {
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
    case "+": return left + right;
    case "-": return left - right;
    case "*": return left * right;
    case "/": return right === 0 ? undefined : left / right;
    case "<": return left < right;
    case "<=": return left <= right;
    case ">": return left > right;
    case ">=": return left >= right;
    default: return undefined;
  }
}
