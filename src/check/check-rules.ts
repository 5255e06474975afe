/**
 * Checks of the ordered scaling rules: which quantities exist, that each is set before it is
 * adjusted, that every step's value has the right unit, and which rules can never fire.
 */
import { forEachFreeName } from "../syntax/walk.js";
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import type { ExprEnv, ExpressionChecker } from "./check-expr.js";
import { domainInterval } from "./check-values.js";
import {
  SYMBOL_KIND_NAMES,
  type CheckContext,
  type SourcedDeclaration,
  type ValueSymbol,
} from "./context.js";
import { type Type, assignable, describeType, isDimensionless, isNumeric } from "./types.js";
import { isZeroLiteral } from "./builtins.js";

/** Declares a quantity for each name that a `set` step introduces (the first `set` in file order). */
export function collectQuantities(context: CheckContext, declarations: SourcedDeclaration[]): void {
  for (const { decl, origin } of declarations) {
    if (decl.kind !== "RuleDecl") continue;
    for (const step of decl.steps) {
      if (step.verb !== "set" || step.target.text === "" || context.values.has(step.target.text)) continue;
      context.values.set(step.target.text, {
        kind: "quantity",
        name: step.target.text,
        firstSet: step,
        rule: decl,
        origin,
      });
    }
  }
}

export function checkRules(
  context: CheckContext,
  expressions: ExpressionChecker,
  declarations: SourcedDeclaration[],
): void {
  const setSoFar = new Set<string>();
  const ruleNames = new Map<string, A.RuleDecl>();
  const quantityDependencies = new QuantityDependencies(context);
  // One environment for every rule: nothing in it depends on the rule.
  const env: ExprEnv = {
    locals: new Map(),
    setQuantities: setSoFar,
    onReference: (symbol, span) => {
      const quantity = symbol.kind === "let" ? quantityDependencies.of(symbol.name)[0] : undefined;
      if (quantity) context.report(messages.letDependsOnQuantity, span, { name: symbol.name, quantity });
    },
  };
  context.eachDeclaration(declarations, (decl) => {
    if (decl.kind !== "RuleDecl") return;
    const first = ruleNames.get(decl.name.text);
    if (first)
      context.report(
        messages.duplicateRuleName,
        decl.name.span,
        { name: decl.name.text },
        { related: [{ message: "first declared here", span: first.name.span }] },
      );
    else ruleNames.set(decl.name.text, decl);
    if (decl.condition) {
      expressions.checkCondition(decl.condition, env, "a rule condition");
      reportIfNeverFires(context, decl);
    }
    if (decl.steps.length === 0 && decl.name.text !== "")
      context.report(messages.emptyRule, decl.name.span, { name: decl.name.text });
    // A rule's `let` is visible in the steps after it; it may not read a quantity (it is
    // evaluated with each step that uses it, so it must not change while the rule runs).
    let stepEnv = env;
    const bindings = [...(decl.bindings ?? [])];
    decl.steps.forEach((step, i) => {
      while (bindings.length > 0 && bindings[0]!.after <= i) {
        const binding = bindings.shift()!;
        stepEnv = expressions.functions.bind([binding], {
          ...stepEnv,
          onReference: (symbol, span) => {
            env.onReference?.(symbol, span);
            if (symbol.kind === "quantity")
              context.report(messages.letDependsOnQuantity, span, {
                name: binding.name.text,
                quantity: symbol.name,
              });
          },
        });
        stepEnv = { ...stepEnv, onReference: env.onReference };
      }
      checkStep(context, expressions, decl, step, stepEnv, setSoFar);
    });
  });
}

function checkStep(
  context: CheckContext,
  expressions: ExpressionChecker,
  rule: A.RuleDecl,
  step: A.Step,
  env: ExprEnv,
  setSoFar: Set<string>,
): void {
  if (step.condition) expressions.checkCondition(step.condition, env, "a step condition");
  const valueType = expressions.check(step.value, env);
  const name = step.target.text;
  if (name === "") return;
  const symbol = context.values.get(name);
  if (!symbol) {
    const quantities = [...context.values.values()].filter((s) => s.kind === "quantity").map((s) => s.name);
    context.report(
      messages.unknownName,
      step.target.span,
      { name },
      context.didYouMean(name, step.target.span, quantities),
    );
    return;
  }
  if (symbol.kind !== "quantity") {
    context.report(messages.notAQuantity, step.target.span, {
      verb: step.verb,
      name,
      what: SYMBOL_KIND_NAMES[symbol.kind],
    });
    return;
  }
  context.used.add(name);
  if (step === symbol.firstSet && !context.valueTypes.has(name))
    context.valueTypes.set(name, step.type ? context.resolveType(step.type) : valueType);
  if (step.verb === "set" && symbol.firstSet === step && (rule.condition || step.condition))
    context.report(messages.conditionalFirstSet, step.target.span, { name });
  if (step.verb !== "set" && !setSoFar.has(name)) {
    context.report(messages.adjustedBeforeSet, step.target.span, { name });
    return;
  }
  checkStepUnit(context, step, symbol, valueType);
  if (step.verb === "set") setSoFar.add(name);
}

function checkStepUnit(context: CheckContext, step: A.Step, symbol: ValueSymbol, valueType: Type): void {
  const quantityType = context.valueTypes.get(symbol.name) ?? valueType;
  if (valueType.kind === "error" || quantityType.kind === "error") return;
  if (step.verb === "scale") {
    if (!isNumeric(valueType) || !isDimensionless(valueType.unit))
      context.report(messages.scaleFactorNotDimensionless, step.value.span, {
        actual: describeType(valueType),
      });
    return;
  }
  if (!assignable(quantityType, valueType) && !isZeroLiteral(step.value))
    context.report(messages.stepValueMismatch, step.value.span, {
      verb: step.verb,
      name: symbol.name,
      expected: describeType(quantityType),
      actual: describeType(valueType),
    });
}

/**
 * Warns about a rule whose condition is constant false, or compares an input field with a constant
 * in a way the field's declared domain never allows (`when position.size < 0` with `size > 0`).
 */
function reportIfNeverFires(context: CheckContext, rule: A.RuleDecl): void {
  const condition = rule.condition!;
  const value = context.constant(condition);
  if (value === false) {
    context.report(messages.ruleNeverFires, condition.span, {
      name: rule.name.text,
      reason: "its condition is always false",
    });
    return;
  }
  if (condition.kind !== "BinaryExpr" || !["<", "<=", ">", ">="].includes(condition.op)) return;
  const field = inputField(context, condition.left);
  const bound = context.constant(condition.right);
  if (!field || typeof bound !== "number") return;
  const d = domainInterval(context, field.domain);
  const reachable =
    condition.op === "<"
      ? d.low < bound
      : condition.op === "<="
        ? d.low < bound || (d.low === bound && !d.lowOpen)
        : condition.op === ">"
          ? d.high > bound
          : d.high > bound || (d.high === bound && !d.highOpen);
  if (!reachable)
    context.report(messages.ruleNeverFires, condition.span, {
      name: rule.name.text,
      reason: `\`${field.name.text}\` is declared ${field.domain.map((b) => `${b.op} ${context.constant(b.bound)}`).join(" and ")}`,
    });
}

/** The declaration of `input.field` when the expression is exactly that. */
function inputField(context: CheckContext, expr: A.Expr): A.FieldDecl | undefined {
  if (expr.kind !== "MemberExpr" || expr.object.kind !== "NameRef") return undefined;
  const symbol = context.values.get(expr.object.name);
  if (symbol?.kind !== "input") return undefined;
  let fields = symbol.decl.fields;
  if (!fields && symbol.decl.type?.factors.length === 1) {
    const record = context.typeDecls.get(symbol.decl.type.factors[0]!.name.text);
    if (record?.kind === "RecordDecl") fields = record.fields;
  }
  return fields?.find((f) => f.name.text === expr.member.text);
}

/** Which quantities each let-binding reads, directly or through other lets (a syntactic walk). */
class QuantityDependencies {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly context: CheckContext) {}

  of(name: string, visiting?: Set<string>): string[] {
    const cached = this.cache.get(name);
    if (cached) return cached;
    visiting ??= new Set<string>();
    const symbol = this.context.values.get(name);
    if (!symbol || visiting.has(name)) return [];
    if (symbol.kind === "quantity") return [name];
    if (symbol.kind !== "let") return [];
    visiting.add(name);
    const found = new Set<string>();
    forEachFreeName(symbol.decl.value, (ref) => this.of(ref.name, visiting).forEach((q) => found.add(q)));
    const result = [...found];
    this.cache.set(name, result);
    return result;
  }
}
