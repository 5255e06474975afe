/**
 * User functions (`fn name(p: Type, ...): Type = body`) and local names (`let x = ... in body`,
 * `let` clauses of comprehensions and rule bodies).
 *
 * A function is pure: its body reads its parameters, the rulebook's parameters, tier tables,
 * scenario sets, enum members, constants and other functions, never an input, a let, an output or
 * a quantity (MB3061), so a call depends on its arguments alone and can be evaluated anywhere. A
 * body is checked once, on its first call or at its declaration; a call met while its own body is
 * being checked is recursion (MB3060).
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { builtinsByName, isZeroLiteral } from "./builtins.js";
import type { ExprEnv, ExpressionChecker } from "./check-expr.js";
import type { CheckContext, FnSymbol, Origin } from "./context.js";
import { ERROR, assignable, describeType, type Type } from "./types.js";

/** What a function body may not read: values that depend on the evaluation's input. */
const INPUT_DEPENDENT: Readonly<Record<string, string>> = {
  input: "the input",
  let: "the let-binding",
  output: "the output",
  quantity: "the quantity",
};

/** Registers every `fn` declaration (and every `let f(x) = ...`, reported once as MB1060). */
export function declareFunctions(
  context: CheckContext,
  declarations: readonly { decl: A.Declaration; origin: Origin }[],
): void {
  for (const { decl, origin } of declarations) {
    if (decl.kind !== "FnDecl" || decl.name.text === "") continue;
    context.withOrigin(origin, () => {
      const name = decl.name.text;
      if (decl.letSpan) reportLetSyntax(context, decl);
      const clash = context.values.get(name) ?? context.functions.get(name);
      if (clash) {
        const first = "decl" in clash && clash.decl && "name" in clash.decl ? clash.decl.name : undefined;
        context.report(
          messages.duplicateDeclaration,
          decl.name.span,
          { name },
          first ? { related: [{ message: "first declared here", span: (first as A.Name).span }] } : {},
        );
        return;
      }
      if (builtinsByName.has(name)) {
        context.report(messages.reservedWordAsName, decl.name.span, { found: name });
        return;
      }
      const params = decl.params.map((p) => {
        if (!p.type) {
          if (!decl.letSpan)
            context.report(messages.untypedFunctionParameter, p.name.span, { name: p.name.text, fn: name });
          return { name: p.name.text, type: ERROR };
        }
        return { name: p.name.text, type: context.resolveType(p.type) };
      });
      const symbol: FnSymbol = {
        name,
        decl,
        origin,
        params,
        ...(decl.returnType ? { returnType: context.resolveType(decl.returnType) } : {}),
        // A function written `let f(x)` is reported once; its calls are then silent.
        ...(decl.letSpan ? { bodyType: ERROR, returnType: ERROR } : {}),
      };
      context.functions.set(name, symbol);
    });
  }
}

function reportLetSyntax(context: CheckContext, decl: A.FnDecl): void {
  const params = decl.params.map((p) => `${p.name.text}: Type`).join(", ");
  context.report(
    messages.letWithParameters,
    decl.letSpan!,
    { name: decl.name.text, suggestion: `fn ${decl.name.text}(${params}): Type = ...` },
    { fix: { title: "write `fn`", edits: [{ span: letKeywordSpan(decl), newText: "fn" }] } },
  );
}

function letKeywordSpan(decl: A.FnDecl): A.Span {
  return { start: decl.letSpan!.start, end: decl.letSpan!.start + 3 };
}

/** Checks function bodies and calls for one {@link ExpressionChecker}. */
export class FunctionChecker {
  private readonly inProgress: string[] = [];

  constructor(
    private readonly context: CheckContext,
    private readonly expressions: ExpressionChecker,
  ) {}

  /** Checks a function's declaration: its body, once. */
  checkDeclaration(decl: A.FnDecl): void {
    const symbol = this.context.functions.get(decl.name.text);
    if (symbol && symbol.decl === decl) this.resultType(symbol, decl.name.span);
  }

  /** The type a call of `fn` has: the declared result type, else the body's. */
  resultType(fn: FnSymbol, useSpan: A.Span): Type {
    if (fn.bodyType === undefined) {
      const at = this.inProgress.indexOf(fn.name);
      if (at >= 0) {
        const cycle = [...this.inProgress.slice(at), fn.name].join(" -> ");
        this.context.report(messages.recursiveFunction, useSpan, { name: fn.name, cycle });
        return ERROR;
      }
      this.inProgress.push(fn.name);
      try {
        fn.bodyType = this.context.withOrigin(fn.origin, () => this.checkBody(fn));
      } finally {
        this.inProgress.pop();
      }
    }
    return fn.returnType ?? fn.bodyType;
  }

  private checkBody(fn: FnSymbol): Type {
    const locals = new Map<string, Type>();
    for (const p of fn.params) {
      if (locals.has(p.name)) this.context.report(messages.duplicateField, fn.decl.span, { name: p.name });
      locals.set(p.name, p.type);
    }
    const env: ExprEnv = {
      locals,
      onReference: (symbol, span) => {
        const what = INPUT_DEPENDENT[symbol.kind];
        if (what)
          this.context.report(messages.functionReadsValue, span, { fn: fn.name, what, name: symbol.name });
      },
    };
    const body = this.expressions.check(fn.decl.value, env);
    if (fn.returnType && fn.returnType.kind !== "error" && body.kind !== "error") {
      if (!assignable(fn.returnType, body) && !isZeroLiteral(fn.decl.value))
        this.context.report(messages.declaredTypeMismatch, fn.decl.value.span, {
          name: fn.name,
          expected: describeType(fn.returnType),
          actual: describeType(body),
        });
    }
    return body;
  }

  /** A call of a user function: its arguments against the parameters' types. */
  call(expr: A.CallExpr, fn: FnSymbol, env: ExprEnv): Type {
    if (expr.comprehension) {
      // The element names the comprehension's variable: checking it here would only add MB2001.
      this.context.report(messages.functionNotAggregate, expr.comprehension.span, { name: fn.name });
      return ERROR;
    }
    const args = expr.args.map((arg) => this.expressions.check(arg, env));
    const result = this.resultType(fn, expr.callee.span);
    if (fn.decl.letSpan) return ERROR;
    if (args.length !== fn.params.length) {
      this.context.report(messages.argumentCount, expr.span, {
        name: fn.name,
        expected: fn.params.length,
        actual: args.length,
      });
      return ERROR;
    }
    let ok = true;
    args.forEach((actual, i) => {
      const expected = fn.params[i]!.type;
      if (expected.kind === "error" || actual.kind === "error") return;
      if (assignable(expected, actual) || isZeroLiteral(expr.args[i]!)) return;
      this.context.report(messages.argumentMismatch, expr.args[i]!.span, {
        index: i + 1,
        name: fn.name,
        expected: describeType(expected),
        actual: describeType(actual),
      });
      ok = false;
    });
    return ok ? result : ERROR;
  }

  /**
   * Binds local names in order, each visible to the later ones: the environment they make. A
   * name that hides another is MB2020 (a warning), as for comprehension variables.
   */
  bind(bindings: readonly A.LocalBinding[], env: ExprEnv): ExprEnv {
    const locals = new Map(env.locals);
    let inner: ExprEnv = { ...env, locals };
    for (const binding of bindings) {
      const type = this.expressions.check(binding.value, inner);
      const name = binding.name.text;
      if (name === "") continue;
      if (this.context.values.has(name) || locals.has(name))
        this.context.report(messages.shadowedName, binding.name.span, { name });
      locals.set(name, type);
      inner = { ...env, locals };
    }
    return inner;
  }

  /** `let a = x, b = y in body`. */
  letExpr(expr: A.LetExpr, env: ExprEnv): Type {
    return this.expressions.check(expr.body, this.bind(expr.bindings, env));
  }

  /** `[a, b, c]`: one element type (Number and Rate mix; a bare `0` fits any unit). */
  listLiteral(expr: A.ListExpr, env: ExprEnv): Type {
    const types = expr.items.map((item) => this.expressions.check(item, env));
    if (types.some((t) => t.kind === "error")) return ERROR;
    const reference = Math.max(
      0,
      expr.items.findIndex((item) => !isZeroLiteral(item)),
    );
    const first = types[reference];
    if (!first) return { kind: "list", element: ERROR };
    for (let i = 0; i < types.length; i++) {
      if (i === reference || assignable(first, types[i]!) || isZeroLiteral(expr.items[i]!)) continue;
      this.context.report(messages.listElementMismatch, expr.items[i]!.span, {
        index: i + 1,
        actual: describeType(types[i]!),
        expected: describeType(first),
      });
      return ERROR;
    }
    return { kind: "list", element: first };
  }
}
