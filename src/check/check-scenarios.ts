/**
 * Checks of scenario sets (axes, grids, ranges, weights); the record type of a scenario is
 * {@link CheckContext.scenarioSetType}.
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { TOP_LEVEL, type ExpressionChecker } from "./check-expr.js";
import type { CheckContext } from "./context.js";
import { ERROR, type Type, assignable, describeType, isNumeric, isDimensionless } from "./types.js";

/** The most scenarios one set may expand to: bounds checking time and evaluation cost. */
export const MAX_SCENARIOS = 10_000;

export function checkScenarios(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.ScenariosDecl,
): void {
  const axes = new Map<string, Type>();
  for (const axis of decl.axes) {
    const type = context.resolveType(axis.type);
    if (axes.has(axis.name.text))
      context.report(messages.duplicateField, axis.name.span, { name: axis.name.text });
    // An axis is a number (a shock); a text label is the scenario's name. A refused axis reads as an
    // error, so that its values are not refused a second time (as "not a constant").
    const numeric = type.kind === "error" || isNumeric(type);
    if (!numeric)
      context.report(messages.nonNumericScenarioAxis, axis.type.span, {
        name: axis.name.text,
        actual: describeType(type),
      });
    axes.set(axis.name.text, numeric ? type : ERROR);
  }
  if (decl.statements.length === 0) {
    context.report(messages.emptyScenarioSet, decl.name.span, { name: decl.name.text });
    return;
  }
  let count = 0;
  for (const statement of decl.statements) {
    count +=
      statement.kind === "GridStatement"
        ? checkGrid(context, expressions, decl, axes, statement)
        : checkNamed(context, expressions, decl, axes, statement);
    if (statement.weight) checkWeight(context, expressions, statement.weight);
  }
  if (count > MAX_SCENARIOS)
    context.report(messages.tooManyScenarios, decl.name.span, {
      name: decl.name.text,
      count,
      limit: MAX_SCENARIOS,
    });
}

/** Checks one grid and returns how many scenarios it expands to. */
function checkGrid(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.ScenariosDecl,
  axes: Map<string, Type>,
  grid: A.GridStatement,
): number {
  const seen = new Set<string>();
  let product = 1;
  for (const { axis, values } of grid.axes) {
    const type = checkAxisName(context, decl, axes, axis, seen);
    let size = 0;
    for (const value of values) size += checkGridValue(context, expressions, type, value);
    product *= size;
  }
  return product;
}

function checkGridValue(
  context: CheckContext,
  expressions: ExpressionChecker,
  type: Type | undefined,
  value: A.GridValue,
): number {
  const parts = [value.from, value.to, value.step].filter((e): e is A.Expr => e !== undefined);
  const numbers: number[] = [];
  for (const part of parts) {
    const actual = expressions.check(part, TOP_LEVEL);
    if (type && actual.kind !== "error" && type.kind !== "error" && !assignable(type, actual))
      context.report(messages.argumentMismatch, part.span, {
        index: 1,
        name: "grid",
        expected: describeType(type),
        actual: describeType(actual),
      });
    const constant = type?.kind === "error" ? undefined : context.requireConstant(part, "a scenario value");
    if (typeof constant === "number") numbers.push(constant);
  }
  if (!value.to || numbers.length !== 3) return 1;
  const [from, to, step] = numbers as [number, number, number];
  if (step <= 0 || to < from) {
    context.report(step <= 0 ? messages.rangeStepNotPositive : messages.rangeDownwards, value.span);
    return 1;
  }
  return Math.floor((to - from) / step + 1e-9) + 1;
}

function checkNamed(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.ScenariosDecl,
  axes: Map<string, Type>,
  scenario: A.NamedScenario,
): number {
  const seen = new Set<string>();
  for (const { axis, value } of scenario.values) {
    const type = checkAxisName(context, decl, axes, axis, seen);
    const actual = expressions.check(value, TOP_LEVEL);
    if (type && actual.kind !== "error" && type.kind !== "error" && !assignable(type, actual))
      context.report(messages.argumentMismatch, value.span, {
        index: 1,
        name: `scenario "${scenario.name.text}"`,
        expected: describeType(type),
        actual: describeType(actual),
      });
    if (type?.kind !== "error") context.requireConstant(value, "a scenario value");
  }
  return 1;
}

function checkAxisName(
  context: CheckContext,
  decl: A.ScenariosDecl,
  axes: Map<string, Type>,
  axis: A.Name,
  seen: Set<string>,
): Type | undefined {
  if (seen.has(axis.text)) context.report(messages.duplicateScenarioAxis, axis.span, { name: axis.text });
  seen.add(axis.text);
  const type = axes.get(axis.text);
  if (!type)
    context.report(
      messages.unknownScenarioAxis,
      axis.span,
      { set: decl.name.text, name: axis.text },
      context.didYouMean(axis.text, axis.span, axes.keys()),
    );
  return type;
}

function checkWeight(context: CheckContext, expressions: ExpressionChecker, weight: A.Expr): void {
  const type = expressions.check(weight, TOP_LEVEL);
  if (type.kind !== "error" && !(isNumeric(type) && isDimensionless(type.unit)))
    context.report(messages.dimensionlessExpected, weight.span, {
      name: "weight",
      actual: describeType(type),
    });
  context.requireConstant(weight, "a scenario weight");
}
