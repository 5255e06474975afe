/**
 * Type and unit checking of expressions. Every expression gets a type (ERROR after a reported
 * problem, which silences follow-on diagnostics) recorded in `context.exprTypes`.
 */
import { checkOptions, refuseOptions, takesOptions } from "./check-options.js";
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { isValidTimestamp } from "./check-header.js";
import {
  builtinsByName,
  isZeroLiteral,
  tierMethods,
  tierMethodsByName,
  type BuiltinArgument,
  type BuiltinContext,
} from "./builtins.js";
import type { CheckContext, ValueSymbol } from "./context.js";
import { FunctionChecker } from "./check-functions.js";
import {
  BOOL,
  ERROR,
  NUMBER,
  RATE,
  TEXT,
  TIMESTAMP,
  DURATION,
  type Type,
  assignable,
  describeType,
  formatType,
  isTupleKeyType,
  isDimensionless,
  isNumeric,
  multiplyUnits,
  numeric,
  sameUnit,
  type RecordField,
} from "./types.js";

/** Where an expression is checked: local variables in scope, and the rule being run, if any. */
export interface ExprEnv {
  locals: ReadonlyMap<string, Type>;
  /** Set inside rules: the quantities already set by earlier steps. */
  setQuantities?: ReadonlySet<string>;
  /** Called for every reference to a top-level value. */
  onReference?: (symbol: ValueSymbol, span: A.Span) => void;
}

/**
 * The environment of an expression outside any rule, function or comprehension: no local names.
 * Shared (nothing mutates an environment's maps: scopes copy them), so that checking a declaration
 * allocates none.
 */
export const TOP_LEVEL: ExprEnv = Object.freeze({ locals: new Map<string, Type>() });

/** A symbol that can be indexed by a key: a keyed table, or a tier table (a family when it has a key). */
type KeyedSymbol = Extract<ValueSymbol, { kind: "table" | "tiers" }>;

/** Resolves the type of a top-level value (lazily, with cycle detection: the checker provides it). */
export type SymbolTyper = (symbol: ValueSymbol, useSpan: A.Span) => Type;

export class ExpressionChecker {
  /** User functions and local names. */
  readonly functions: FunctionChecker;

  constructor(
    private readonly context: CheckContext,
    private readonly typeOf: SymbolTyper,
    private readonly tierRowType: (symbol: Extract<ValueSymbol, { kind: "tiers" }>) => Type,
    private readonly keyedRowType: (symbol: Extract<ValueSymbol, { kind: "table" }>) => Type = () => ERROR,
  ) {
    this.functions = new FunctionChecker(context, this);
  }

  check(expr: A.Expr, env: ExprEnv): Type {
    const type = this.infer(expr, env);
    this.context.exprTypes.set(expr, type);
    return type;
  }

  /** Checks that a condition is a Bool. */
  checkCondition(expr: A.Expr, env: ExprEnv, what: string): void {
    const type = this.check(expr, env);
    if (type.kind !== "error" && type.kind !== "bool")
      this.context.report(messages.booleanExpected, expr.span, { what, actual: describeType(type) });
  }

  private infer(expr: A.Expr, env: ExprEnv): Type {
    switch (expr.kind) {
      case "NumberLit":
        return this.numberLiteral(expr);
      case "DurationLit":
        return DURATION;
      case "TimestampLit":
        // `2026-02-30T00:00:00Z` would roll over to March silently.
        if (!isValidTimestamp(expr.text))
          this.context.report(messages.invalidTimestamp, expr.span, { text: expr.text });
        return TIMESTAMP;
      case "StringLit":
        return TEXT;
      case "BoolLit":
        return BOOL;
      case "NameRef":
        return this.nameRef(expr, env);
      case "EnumRef":
        return this.enumRef(expr);
      case "MemberExpr":
        return this.member(expr, env);
      case "CallExpr":
        return this.call(expr, env);
      case "IndexExpr":
        return this.index(expr, env);
      case "UnaryExpr":
        return this.unary(expr, env);
      case "BinaryExpr":
        return this.binary(expr, env);
      case "IfExpr":
        return this.ifExpr(expr, env);
      case "LetExpr":
        return this.functions.letExpr(expr, env);
      case "ListExpr":
        if (expr.tuple) {
          for (const item of expr.items) this.check(item, env);
          this.context.report(messages.tupleOutsideGroupKey, expr.span);
          return ERROR;
        }
        return expr.comprehension
          ? this.comprehension("list", expr.items[0]!, expr.comprehension, expr.span, env)
          : this.functions.listLiteral(expr, env);
      case "RecordExpr":
        return this.recordExpr(expr, env);
      case "MissingExpr":
        return ERROR;
    }
  }

  private numberLiteral(expr: A.NumberLit): Type {
    if (!Number.isFinite(expr.value)) {
      this.context.report(messages.numberOutOfRange, expr.span, { text: expr.text });
      return ERROR;
    }
    if (expr.suffix) return RATE;
    if (!expr.unit) return NUMBER;
    const unit = this.context.resolveType(expr.unit);
    if (unit.kind === "error") return ERROR;
    if (!isNumeric(unit)) {
      this.context.report(messages.unitNotNumeric, expr.unit.span, { name: formatType(unit) });
      return ERROR;
    }
    return unit;
  }

  private nameRef(expr: A.NameRef, env: ExprEnv): Type {
    const local = env.locals.get(expr.name);
    if (local) return local;
    const symbol = this.context.values.get(expr.name);
    if (symbol) return this.reference(symbol, expr.span, env);
    const enums = this.context.enumMembers.get(expr.name);
    if (enums && enums.length === 1) return enums[0]!;
    if (enums && enums.length > 1) {
      const names = enums.map((e) => formatType(e));
      this.context.report(messages.ambiguousEnumMember, expr.span, {
        name: expr.name,
        enums: names.join(", "),
        example: `${names[0]}.${expr.name}`,
      });
      return ERROR;
    }
    if (builtinsByName.has(expr.name) || this.context.functions.has(expr.name)) {
      const fn = this.context.functions.get(expr.name);
      this.context.report(
        messages.unknownName,
        expr.span,
        { name: expr.name },
        {
          help: `\`${expr.name}\` is a function: call it, as in \`${fn ? `${fn.name}(${fn.params.map((p) => p.name).join(", ")})` : builtinsByName.get(expr.name)!.signature}\``,
        },
      );
      return ERROR;
    }
    const candidates = (): string[] => [
      ...env.locals.keys(),
      ...this.context.values.keys(),
      ...this.context.enumMembers.keys(),
    ];
    this.context.report(
      messages.unknownName,
      expr.span,
      { name: expr.name },
      this.context.didYouMean(expr.name, expr.span, candidates),
    );
    return ERROR;
  }

  private reference(symbol: ValueSymbol, span: A.Span, env: ExprEnv): Type {
    env.onReference?.(symbol, span);
    this.context.used.add(symbol.name);
    if (symbol.kind === "quantity" && env.setQuantities && !env.setQuantities.has(symbol.name)) {
      this.context.report(messages.adjustedBeforeSet, span, { name: symbol.name });
      return ERROR;
    }
    return this.typeOf(symbol, span);
  }

  private enumRef(expr: A.EnumRef): Type {
    const type = this.context.types.get(expr.enumName.text);
    if (!type) {
      this.context.report(
        messages.unknownType,
        expr.enumName.span,
        { name: expr.enumName.text },
        this.context.didYouMean(expr.enumName.text, expr.enumName.span, this.context.types.keys()),
      );
      return ERROR;
    }
    if (type.kind !== "enum") {
      this.context.report(
        messages.unknownType,
        expr.enumName.span,
        { name: expr.enumName.text },
        { help: `\`${expr.enumName.text}\` is a record, not an enum` },
      );
      return ERROR;
    }
    if (!type.members.includes(expr.member.text)) {
      this.context.report(
        messages.unknownEnumMember,
        expr.member.span,
        { enum: type.name, name: expr.member.text },
        this.context.didYouMean(expr.member.text, expr.member.span, type.members),
      );
      return ERROR;
    }
    return type;
  }

  private member(expr: A.MemberExpr, env: ExprEnv): Type {
    const object = this.keyedObject(expr.object, env) ?? this.check(expr.object, env);
    if (object.kind === "error" || expr.member.text === "") return ERROR;
    if (object.kind === "tiers") {
      this.context.report(
        messages.unknownTierMethod,
        expr.member.span,
        { name: expr.member.text },
        {
          help: `look a row up with \`${object.name}(x).${expr.member.text}\`, or call \`${object.name}.margin(x, column)\``,
        },
      );
      return ERROR;
    }
    if (object.kind !== "record") {
      this.context.report(messages.notARecord, expr.member.span, {
        actual: describeType(object),
        name: expr.member.text,
      });
      return ERROR;
    }
    const field = object.fields.get(expr.member.text);
    if (!field) {
      this.context.report(
        messages.unknownField,
        expr.member.span,
        { type: object.name, name: expr.member.text },
        this.context.didYouMean(expr.member.text, expr.member.span, object.fields.keys()),
      );
      return ERROR;
    }
    return field.type;
  }

  private index(expr: A.IndexExpr, env: ExprEnv): Type {
    const keyed = this.keyedSymbol(expr.object, env);
    if (keyed) {
      const type = this.keyedIndex(expr, keyed, env);
      if (type.kind === "error") return ERROR;
      this.context.report(messages.tableRowValue, expr.span, {
        text: `${keyed.name}[...]`,
        what:
          keyed.kind === "table"
            ? `a row of \`${keyed.name}\`: read one column, as in \`${keyed.name}[key].${keyed.decl.columns[0]?.name.text ?? "column"}\``
            : `one tier table of \`${keyed.name}\`: look a value up, as in \`${keyed.name}[key](x).column\` or \`${keyed.name}[key].margin(x, column)\``,
      });
      return ERROR;
    }
    if (expr.more) {
      this.context.report(messages.severalIndexes, expr.more[0]!.span);
      return ERROR;
    }
    const object = this.check(expr.object, env);
    const index = this.check(expr.index, env);
    if (object.kind === "error" || index.kind === "error") return ERROR;
    if (object.kind !== "list") {
      this.context.report(messages.indexNotList, expr.object.span, { actual: describeType(object) });
      return ERROR;
    }
    if (!assignable(NUMBER, index)) {
      this.context.report(messages.indexNotNumber, expr.index.span, { actual: describeType(index) });
      return ERROR;
    }
    if (object.element.kind === "timestamp") {
      this.context.report(messages.timestampListElements, expr.object.span, { actual: describeType(object) });
      return ERROR;
    }
    return object.element;
  }

  private unary(expr: A.UnaryExpr, env: ExprEnv): Type {
    const operand = this.check(expr.operand, env);
    if (operand.kind === "error") return ERROR;
    if (expr.op === "not") {
      if (operand.kind !== "bool") {
        this.context.report(messages.booleanExpected, expr.operand.span, {
          what: "the operand of `not`",
          actual: describeType(operand),
        });
        return ERROR;
      }
      return BOOL;
    }
    if (!isNumeric(operand)) {
      this.context.report(messages.numericOperandExpected, expr.operand.span, {
        op: expr.op,
        actual: describeType(operand),
      });
      return ERROR;
    }
    return operand;
  }

  private binary(expr: A.BinaryExpr, env: ExprEnv): Type {
    const left = this.check(expr.left, env);
    const right = this.check(expr.right, env);
    if (left.kind === "error" || right.kind === "error") return ERROR;
    switch (expr.op) {
      case "and":
      case "or":
        return this.logical(expr, left, right);
      case "+":
      case "-":
        return this.additive(expr, left, right);
      case "*":
      case "/":
        return this.multiplicative(expr, left, right);
      default:
        return this.comparison(expr, left, right);
    }
  }

  private logical(expr: A.BinaryExpr, left: Type, right: Type): Type {
    if (left.kind === "bool" && right.kind === "bool") return BOOL;
    for (const [side, type] of [
      [expr.left, left],
      [expr.right, right],
    ] as const) {
      if (type.kind !== "bool")
        this.context.report(messages.booleanExpected, side.span, {
          what: `the operand of \`${expr.op}\``,
          actual: describeType(type),
        });
    }
    return ERROR;
  }

  private additive(expr: A.BinaryExpr, left: Type, right: Type): Type {
    const verb = expr.op === "+" ? "add" : "subtract";
    if (left.kind === "timestamp" || right.kind === "timestamp") {
      if (left.kind === "timestamp" && assignable(DURATION, right)) return TIMESTAMP;
      if (expr.op === "+" && right.kind === "timestamp" && assignable(DURATION, left)) return TIMESTAMP;
      if (expr.op === "-" && left.kind === "timestamp" && right.kind === "timestamp") return DURATION;
      this.context.report(messages.timestampArithmetic, expr.opSpan, {
        verb,
        left: describeType(left),
        right: describeType(right),
      });
      return ERROR;
    }
    if (!this.requireNumeric(expr, left, right)) return ERROR;
    const l = left as Extract<Type, { kind: "number" }>;
    const r = right as Extract<Type, { kind: "number" }>;
    if (sameUnit(l.unit, r.unit)) return numeric(l.unit, l.rate || r.rate);
    if (isZeroLiteral(expr.left)) return r;
    if (isZeroLiteral(expr.right)) return l;
    this.context.report(
      messages.incompatibleUnits,
      expr.span,
      { verb, left: describeType(l), right: describeType(r) },
      unitHelp(l, r),
    );
    return ERROR;
  }

  private multiplicative(expr: A.BinaryExpr, left: Type, right: Type): Type {
    if (!this.requireNumeric(expr, left, right)) return ERROR;
    const l = left as Extract<Type, { kind: "number" }>;
    const r = right as Extract<Type, { kind: "number" }>;
    if (expr.op === "*") return numeric(multiplyUnits(l.unit, r.unit), l.rate || r.rate);
    return numeric(multiplyUnits(l.unit, r.unit, -1), l.rate && !r.rate);
  }

  private requireNumeric(expr: A.BinaryExpr, left: Type, right: Type): boolean {
    if (isNumeric(left) && isNumeric(right)) return true;
    for (const [side, type] of [
      [expr.left, left],
      [expr.right, right],
    ] as const) {
      if (!isNumeric(type))
        this.context.report(messages.numericOperandExpected, side.span, {
          op: expr.op,
          actual: describeType(type),
        });
    }
    return false;
  }

  private comparison(expr: A.BinaryExpr, left: Type, right: Type): Type {
    const equality = expr.op === "==" || expr.op === "!=";
    if (isNumeric(left) && isNumeric(right)) {
      if (sameUnit(left.unit, right.unit) || isZeroLiteral(expr.left) || isZeroLiteral(expr.right))
        return BOOL;
    } else if (left.kind === "enum" && right.kind === "enum") {
      if (left.name === right.name && equality) return BOOL;
      if (left.name !== right.name) {
        this.context.report(messages.enumMismatch, expr.span, {
          left: describeType(left),
          right: describeType(right),
        });
        return ERROR;
      }
    } else if (
      left.kind === right.kind &&
      (left.kind === "timestamp" || (equality && (left.kind === "bool" || left.kind === "text")))
    ) {
      return BOOL;
    }
    this.context.report(
      messages.incompatibleComparison,
      expr.span,
      { left: describeType(left), right: describeType(right) },
      isNumeric(left) && isNumeric(right) ? unitHelp(left, right) : {},
    );
    return ERROR;
  }

  private ifExpr(expr: A.IfExpr, env: ExprEnv): Type {
    this.checkCondition(expr.condition, env, "the condition of `if`");
    const thenType = this.check(expr.then, env);
    const elseType = this.check(expr.else, env);
    if (thenType.kind === "error" || elseType.kind === "error") return ERROR;
    if (assignable(thenType, elseType))
      return isNumeric(thenType) && isNumeric(elseType)
        ? numeric(thenType.unit, thenType.rate || elseType.rate)
        : thenType;
    if (isZeroLiteral(expr.then)) return elseType;
    if (isZeroLiteral(expr.else)) return thenType;
    this.context.report(messages.branchMismatch, expr.span, {
      then: describeType(thenType),
      else: describeType(elseType),
    });
    return ERROR;
  }

  // ---- calls ----

  private call(expr: A.CallExpr, env: ExprEnv): Type {
    const callee = expr.callee;
    if (expr.options && !takesOptions(expr)) {
      refuseOptions(expr, describeCallee(callee), this.context);
      for (const option of expr.options) if (option.value.kind !== "NameRef") this.check(option.value, env);
    }
    if (callee.kind === "NameRef" && !env.locals.has(callee.name)) {
      const fn = this.context.functions.get(callee.name);
      if (fn) return this.functions.call(expr, fn, env);
      const symbol = this.context.values.get(callee.name);
      if (symbol?.kind === "tiers" && symbol.decl.family) return this.needsKey(symbol, callee.span);
      if (symbol?.kind === "tiers") return this.tierLookup(expr, symbol, env);
      const builtin = builtinsByName.get(callee.name);
      if (builtin && !symbol)
        return expr.comprehension
          ? this.comprehension(callee.name, expr.args[0]!, expr.comprehension, expr.span, env)
          : this.builtinCall(expr, env);
      if (symbol) this.reference(symbol, callee.span, env);
      if (!symbol && !builtin) {
        const candidates = [
          ...builtinsByName.keys(),
          ...this.context.functions.keys(),
          ...[...this.context.values.values()].filter((s) => s.kind === "tiers").map((s) => s.name),
        ];
        this.context.report(
          messages.notCallable,
          callee.span,
          { name: callee.name },
          this.context.didYouMean(callee.name, callee.span, candidates),
        );
        return this.notCallable(expr, env);
      }
      this.context.report(messages.notCallable, callee.span, { name: callee.name });
      return this.notCallable(expr, env);
    }
    if (callee.kind === "MemberExpr" && callee.object.kind === "NameRef") {
      const symbol = this.context.values.get(callee.object.name);
      if (symbol?.kind === "tiers" && !env.locals.has(callee.object.name))
        return symbol.decl.family
          ? this.needsKey(symbol, callee.object.span)
          : this.tierMethod(expr, callee, symbol, env);
    }
    // `brackets[p.symbol].margin(notional, mmr)`: a method of one table of a family.
    // (`brackets[p.symbol](notional).column` is typed by `member`.)
    const indexed = callee.kind === "MemberExpr" ? callee.object : callee;
    if (indexed.kind === "IndexExpr") {
      const family = this.keyedSymbol(indexed.object, env);
      if (family && !(family.kind === "tiers" && family.decl.family)) {
        this.check(indexed, env);
        return ERROR;
      }
      if (family?.kind === "tiers" && family.decl.family) {
        const table = this.keyedIndex(indexed, family, env);
        this.context.exprTypes.set(indexed, table);
        if (table.kind === "error") return ERROR;
        if (callee.kind === "MemberExpr") return this.tierMethod(expr, callee, family, env);
        if (this.tierLookup(expr, family, env).kind === "error") return ERROR;
        this.context.report(messages.tableRowValue, expr.span, {
          text: `${family.name}[...](...)`,
          what: `a row of one table of \`${family.name}\`: read one column, as in \`${family.name}[key](x).${family.decl.columns[0]?.name.text ?? "column"}\``,
        });
        return ERROR;
      }
    }
    this.check(callee, env);
    // A callee already reported (a syntax error, a rulebook that could not be imported) says no more.
    const missing =
      callee.kind === "MissingExpr" || (callee.kind === "MemberExpr" && callee.object.kind === "MissingExpr");
    if (missing) return ERROR;
    this.context.report(messages.notCallable, callee.span, { name: describeCallee(callee) });
    return this.notCallable(expr, env);
  }

  /**
   * A call that cannot be made still uses the names in its arguments (no false "never used" next to
   * the error), and their own errors are real: check them (the callee is reported by the caller).
   */
  private notCallable(expr: A.CallExpr, env: ExprEnv): Type {
    if (!expr.comprehension) for (const arg of expr.args) this.check(arg, env);
    return ERROR;
  }

  private needsKey(symbol: Extract<ValueSymbol, { kind: "tiers" }>, span: A.Span): Type {
    this.context.used.add(symbol.name);
    this.context.report(messages.tableNeedsKey, span, {
      table: symbol.name,
      key: symbol.decl.family?.name.text ?? "key",
    });
    return ERROR;
  }

  private builtinCall(expr: A.CallExpr, env: ExprEnv): Type {
    const name = (expr.callee as A.NameRef).name;
    const builtin = builtinsByName.get(name)!;
    const args = expr.args.map((arg): BuiltinArgument => ({ expr: arg, type: this.check(arg, env) }));
    if (builtin.aggregate && builtin.arity[1] === 1) {
      if (name === "count" && args.length === 1) return this.countList(args[0]!);
      this.context.report(messages.aggregateNeedsList, expr.span, { name });
      return ERROR;
    }
    const [min, max] = builtin.arity;
    if (args.length < min || args.length > max) {
      const expected = min === max ? String(min) : max >= 16 ? `${min} or more` : `${min} to ${max}`;
      this.context.report(messages.argumentCount, expr.span, { name, expected, actual: args.length });
      return ERROR;
    }
    if (!builtin.options) return builtin.typeRule(args, this.builtinContext(name, args));
    const convention = checkOptions(expr, name, builtin.options, this.context, (v) => this.check(v, env));
    return convention ? builtin.typeRule(args, this.builtinContext(name, args), convention) : ERROR;
  }

  /** How a type rule reports a problem with one of the arguments of `name`. */
  private builtinContext(name: string, args: readonly BuiltinArgument[]): BuiltinContext {
    return new ArgumentReporter(this.context, name, args);
  }

  private countList(arg: BuiltinArgument): Type {
    if (arg.type.kind === "error") return ERROR;
    if (arg.type.kind !== "list") {
      this.context.report(messages.notAList, arg.expr.span, { actual: describeType(arg.type) });
      return ERROR;
    }
    return NUMBER;
  }

  /** A comprehension: `name(element for v in source ...)`, or `[element for v in source ...]` (`list`). */
  private comprehension(
    name: string,
    elementExpr: A.Expr,
    comprehension: A.Comprehension,
    span: A.Span,
    env: ExprEnv,
  ): Type {
    const builtin = name === "list" ? undefined : builtinsByName.get(name)!;
    if (builtin && !builtin.aggregate) {
      this.context.report(messages.notAnAggregate, comprehension.span, { name });
      return ERROR;
    }
    const source = this.check(comprehension.source, env);
    if (source.kind !== "list") {
      if (source.kind !== "error")
        this.context.report(messages.notAList, comprehension.source.span, { actual: describeType(source) });
      return ERROR;
    }
    if (source.element.kind === "timestamp") {
      this.context.report(messages.timestampListElements, comprehension.source.span, {
        actual: describeType(source),
      });
      return ERROR;
    }
    const locals = new Map(env.locals);
    const variable = comprehension.variable;
    if (this.context.values.has(variable.text) || env.locals.has(variable.text))
      this.context.report(messages.shadowedName, variable.span, { name: variable.text });
    locals.set(variable.text, source.element);
    if (comprehension.indexVariable) {
      const index = comprehension.indexVariable;
      if (this.context.values.has(index.text) || locals.has(index.text))
        this.context.report(messages.shadowedName, index.span, { name: index.text });
      locals.set(index.text, NUMBER);
    }
    const inner: ExprEnv = this.functions.bind(comprehension.bindings ?? [], { ...env, locals });
    if (comprehension.filter) this.checkCondition(comprehension.filter, inner, "a `where` filter");
    const kind = builtin?.aggregate ?? "list";
    if (kind === "fold") return this.foldResult(name, elementExpr, comprehension, inner, env);
    if (comprehension.accumulator)
      this.context.report(messages.accumulatorOutsideFold, comprehension.accumulator.span);
    const element = this.check(elementExpr, inner);
    if (kind === "list" || kind === "pick" || kind === "sort") {
      if (comprehension.groupKey || comprehension.fallback)
        this.context.report(
          messages.clauseNotTaken,
          (comprehension.groupKey ?? comprehension.fallback)!.span,
          {
            what: kind === "list" ? "a list comprehension" : `\`${name}\``,
            clause: comprehension.groupKey ? "by" : "default",
          },
        );
      if (element.kind === "error") return ERROR;
      if (kind === "list") return { kind: "list", element };
      if (!isNumeric(element)) {
        this.context.report(messages.argumentMismatch, elementExpr.span, {
          index: 1,
          name,
          expected: "a number",
          actual: describeType(element),
        });
        return ERROR;
      }
      return kind === "pick" ? source.element : source;
    }
    if (builtin!.aggregate === "group") return this.groupResult(comprehension, element, inner);
    if (comprehension.groupKey) this.context.report(messages.byOutsideGroup, comprehension.groupKey.span);
    if (element.kind === "error") return ERROR;
    if (builtin!.aggregate === "count") return NUMBER;
    if (builtin!.aggregate === "bool") {
      if (element.kind !== "bool")
        this.context.report(messages.booleanExpected, elementExpr.span, {
          what: `the element of \`${name}\``,
          actual: describeType(element),
        });
      return BOOL;
    }
    if (!isNumeric(element)) {
      this.context.report(messages.argumentMismatch, elementExpr.span, {
        index: 1,
        name,
        expected: "a number",
        actual: describeType(element),
      });
      return ERROR;
    }
    if (comprehension.fallback) {
      if (name === "sum") this.context.report(messages.sumNeedsNoDefault, comprehension.fallback.span);
      const fallback = this.check(comprehension.fallback, env);
      if (
        fallback.kind !== "error" &&
        !assignable(element, fallback) &&
        !isZeroLiteral(comprehension.fallback)
      )
        this.context.report(messages.argumentMismatch, comprehension.fallback.span, {
          index: 2,
          name,
          expected: describeType(element),
          actual: describeType(fallback),
        });
    }
    return element;
  }

  /** `reduce` / `scan`: the accumulator has the type of `init`; the element must keep it. */
  private foldResult(
    name: string,
    elementExpr: A.Expr,
    comprehension: A.Comprehension,
    inner: ExprEnv,
    outer: ExprEnv,
  ): Type {
    if (!comprehension.accumulator || !comprehension.init) {
      this.context.report(messages.foldNeedsAccumulator, comprehension.span, { name });
      return ERROR;
    }
    const accType = this.check(comprehension.init, outer);
    const accName = comprehension.accumulator.text;
    if (inner.locals.has(accName) || this.context.values.has(accName))
      this.context.report(messages.shadowedName, comprehension.accumulator.span, { name: accName });
    const locals = new Map(inner.locals).set(accName, accType);
    const element = this.check(elementExpr, { ...inner, locals });
    if (accType.kind === "error" || element.kind === "error") return ERROR;
    if (!assignable(accType, element) && !isZeroLiteral(elementExpr)) {
      this.context.report(messages.argumentMismatch, elementExpr.span, {
        index: 1,
        name,
        expected: describeType(accType),
        actual: describeType(element),
      });
      return ERROR;
    }
    return name === "scan" ? { kind: "list", element: accType } : accType;
  }

  /**
   * `{ im: a, mm: b }`: a record named after its fields and their types (`{im: USD, mm: USD}`),
   * which stands where a declared record with exactly those fields is expected (see `assignable`).
   */
  private recordExpr(expr: A.RecordExpr, env: ExprEnv): Type {
    const fields = new Map<string, RecordField>();
    let failed = false;
    for (const field of expr.fields) {
      const type = this.check(field.value, env);
      if (fields.has(field.name.text)) {
        this.context.report(messages.duplicateRecordField, field.name.span, { name: field.name.text });
        failed = true;
      } else if (type.kind === "error") failed = true;
      else fields.set(field.name.text, { name: field.name.text, type, optional: false });
    }
    if (failed) return ERROR;
    const parts = [...fields.values()].map((f) => `${f.name}: ${formatType(f.type)}`);
    return { kind: "record", name: `{${parts.join(", ")}}`, fields };
  }

  /**
   * `by (p.currency, p.kind)`: a record named after its parts (`(currency: Text, kind: Kind)`),
   * each part a group key of its own kind, named by its field or name.
   */
  private tupleKey(tuple: A.ListExpr, env: ExprEnv): Type {
    const fields = new Map<string, RecordField>();
    let failed = false;
    for (const item of tuple.items) {
      const type = this.check(item, env);
      const name = item.kind === "MemberExpr" ? item.member.text : item.kind === "NameRef" ? item.name : "";
      if (type.kind === "error") failed = true;
      else if (!["enum", "text", "bool", "number"].includes(type.kind)) {
        this.context.report(messages.invalidGroupKey, item.span, { actual: describeType(type) });
        failed = true;
      } else if (name === "" || fields.has(name)) {
        const problem =
          name === "" ? "this part is neither" : `\`${name}\` names two parts (write \`let\` to rename one)`;
        this.context.report(messages.unnamedTupleKey, item.span, { problem });
        failed = true;
      } else fields.set(name, { name, type, optional: false });
    }
    if (failed) return ERROR;
    const parts = [...fields.values()].map((f) => `${f.name}: ${formatType(f.type)}`);
    return { kind: "record", name: `(${parts.join(", ")})`, fields };
  }

  private groupResult(comprehension: A.Comprehension, element: Type, inner: ExprEnv): Type {
    if (!comprehension.groupKey) {
      this.context.report(messages.groupNeedsKey, comprehension.span);
      return ERROR;
    }
    const groupKey = comprehension.groupKey;
    const key =
      groupKey.kind === "ListExpr" && groupKey.tuple
        ? this.tupleKey(groupKey, inner)
        : this.check(groupKey, inner);
    if (key.kind === "error" || element.kind === "error") return ERROR;
    if (!["enum", "text", "bool", "number"].includes(key.kind) && !isTupleKeyType(key)) {
      this.context.report(messages.invalidGroupKey, comprehension.groupKey.span, {
        actual: describeType(key),
      });
      return ERROR;
    }
    const fields = new Map<string, RecordField>([
      ["key", { name: "key", type: key, optional: false }],
      ["items", { name: "items", type: { kind: "list", element }, optional: false }],
    ]);
    return { kind: "list", element: { kind: "record", name: "Group", fields } };
  }

  /**
   * The object of `.column` when it is a keyed row (`fees[k]`) or a row of a family's table
   * (`brackets[k](x)`): typed here, since neither may stand alone.
   */
  private keyedObject(object: A.Expr, env: ExprEnv): Type | undefined {
    let type: Type | undefined;
    if (object.kind === "IndexExpr") {
      const keyed = this.keyedSymbol(object.object, env);
      if (keyed?.kind === "table") type = this.keyedIndex(object, keyed, env);
    } else if (object.kind === "CallExpr" && object.callee.kind === "IndexExpr") {
      const family = this.keyedSymbol(object.callee.object, env);
      if (family?.kind === "tiers" && family.decl.family) {
        const table = this.keyedIndex(object.callee, family, env);
        this.context.exprTypes.set(object.callee, table);
        type = table.kind === "error" ? ERROR : this.tierLookup(object, family, env);
      }
    }
    if (type) this.context.exprTypes.set(object, type);
    return type;
  }

  /** The keyed table or tier table family an index applies to (`fees[k]`, `brackets[k]`), if any. */
  private keyedSymbol(object: A.Expr, env: ExprEnv): KeyedSymbol | undefined {
    if (object.kind !== "NameRef" || env.locals.has(object.name)) return undefined;
    const symbol = this.context.values.get(object.name);
    return symbol?.kind === "table" || symbol?.kind === "tiers" ? symbol : undefined;
  }

  /**
   * `fees[key]` (a row of a keyed table, a record of its columns) or `brackets[key]` (one tier table
   * of a family, to be called or given a method). The keys must match the table's key types.
   */
  private keyedIndex(expr: A.IndexExpr, symbol: KeyedSymbol, env: ExprEnv): Type {
    this.reference(symbol, expr.object.span, env);
    const fields =
      symbol.kind === "table" ? symbol.decl.keys : symbol.decl.family ? [symbol.decl.family] : [];
    if (fields.length === 0) {
      this.context.report(messages.tableNotKeyed, expr.object.span, {
        name: symbol.name,
        what: "a tier table without a key (`tiers t[k: K] by ...` declares one per key)",
      });
      return ERROR;
    }
    if (!this.checkKeys(symbol.name, fields, [expr.index, ...(expr.more ?? [])], expr.span, env))
      return ERROR;
    return symbol.kind === "table" ? this.keyedRowType(symbol) : { kind: "tiers", name: symbol.name };
  }

  private checkKeys(
    table: string,
    fields: readonly A.TableKeyField[],
    keys: readonly A.Expr[],
    span: A.Span,
    env: ExprEnv,
  ): boolean {
    const actual = keys.map((k) => this.check(k, env));
    if (keys.length !== fields.length) {
      this.context.report(messages.tableKeyCount, span, {
        table,
        expected: fields.length,
        actual: keys.length,
      });
      return false;
    }
    return fields.every((field, i) => {
      const expected = this.context.resolveType(field.type);
      const type = actual[i]!;
      if (expected.kind === "error" || type.kind === "error") return false;
      if (assignable(expected, type)) return true;
      this.context.report(messages.tierKeyMismatch, keys[i]!.span, {
        table,
        expected: describeType(expected),
        actual: describeType(type),
      });
      return false;
    });
  }

  private tierLookup(expr: A.CallExpr, symbol: Extract<ValueSymbol, { kind: "tiers" }>, env: ExprEnv): Type {
    this.reference(symbol, expr.callee.span, env);
    if (expr.args.length !== 1 || expr.comprehension) {
      this.context.report(messages.argumentCount, expr.span, {
        name: symbol.name,
        expected: 1,
        actual: expr.args.length,
      });
      return ERROR;
    }
    return this.checkTierKey(symbol, expr.args[0]!, env) ? this.tierRowType(symbol) : ERROR;
  }

  private checkTierKey(symbol: Extract<ValueSymbol, { kind: "tiers" }>, arg: A.Expr, env: ExprEnv): boolean {
    const keyType = this.context.resolveType(symbol.decl.keyType);
    const actual = this.check(arg, env);
    if (keyType.kind === "error" || actual.kind === "error") return false;
    if (!assignable(keyType, actual)) {
      this.context.report(messages.tierKeyMismatch, arg.span, {
        table: symbol.name,
        expected: describeType(keyType),
        actual: describeType(actual),
      });
      return false;
    }
    return true;
  }

  private tierMethod(
    expr: A.CallExpr,
    callee: A.MemberExpr,
    symbol: Extract<ValueSymbol, { kind: "tiers" }>,
    env: ExprEnv,
  ): Type {
    this.reference(symbol, callee.object.span, env);
    const method = callee.member.text;
    const spec = tierMethodsByName.get(method);
    if (!spec) {
      this.context.report(
        messages.unknownTierMethod,
        callee.member.span,
        { name: method },
        this.context.didYouMean(
          method,
          callee.member.span,
          tierMethods.map((m) => m.name),
        ),
      );
      return ERROR;
    }
    const name = `${symbol.name}.${method}`;
    if (expr.args.length !== spec.arity) {
      this.context.report(messages.argumentCount, expr.span, {
        name,
        expected: spec.arity,
        actual: expr.args.length,
      });
      return ERROR;
    }
    // `margin` and `deduction` take a key; other methods type their leading arguments with their rule.
    const leading = spec.typeRule
      ? expr.args.slice(0, -1).map((arg): BuiltinArgument => ({ expr: arg, type: this.check(arg, env) }))
      : [];
    const keyOk = spec.typeRule ? true : this.checkTierKey(symbol, expr.args[0]!, env);
    const columnArg = expr.args[expr.args.length - 1]!;
    const columns = symbol.decl.columns;
    const column =
      columnArg.kind === "NameRef" ? columns.find((c) => c.name.text === columnArg.name) : undefined;
    if (!column) {
      const written = columnArg.kind === "NameRef" ? columnArg.name : "";
      this.context.report(
        messages.unknownTierColumn,
        columnArg.span,
        { table: symbol.name, name: written || "?" },
        this.context.didYouMean(
          written,
          columnArg.span,
          columns.map((c) => c.name.text),
        ),
      );
      return ERROR;
    }
    const columnType = this.context.resolveType(column.type);
    this.context.exprTypes.set(columnArg, columnType);
    const keyType = this.context.resolveType(symbol.decl.keyType);
    if (!keyOk || columnType.kind === "error" || keyType.kind === "error") return ERROR;
    if (!isNumeric(columnType) || !isDimensionless(columnType.unit)) {
      this.context.report(messages.marginColumnNotRate, columnArg.span, {
        method,
        column: column.name.text,
        actual: describeType(columnType),
      });
      return ERROR;
    }
    if (!spec.typeRule) return keyType;
    const convention = checkOptions(expr, name, spec.options ?? [], this.context, (v) => this.check(v, env));
    if (!convention) return ERROR;
    return spec.typeRule(keyType, leading, this.builtinContext(name, leading), convention);
  }
}

function describeCallee(callee: A.Expr): string {
  if (callee.kind === "NameRef") return callee.name;
  if (callee.kind === "MemberExpr") return `${describeCallee(callee.object)}.${callee.member.text}`;
  return "this expression";
}

/** A hint for the two most common unit slips: a rate where money was meant, and two currencies. */
function unitHelp(
  left: Extract<Type, { kind: "number" }>,
  right: Extract<Type, { kind: "number" }>,
): { help?: string } {
  const l = isDimensionless(left.unit);
  const r = isDimensionless(right.unit);
  if (l !== r) {
    const side = l ? "left" : "right";
    const plain = l ? left : right;
    const what = plain.rate ? "a Rate, a fraction" : "a plain Number";
    return {
      help: `the ${side}-hand side is ${what}, not an amount: multiply it by an amount first (for example \`notional * rate\`)`,
    };
  }
  const currencies = [left, right]
    .map((t) => Object.keys(t.unit))
    .flat()
    .filter((k) => /^[A-Z]{2,}/.test(k) && k !== "Quantity");
  if (new Set(currencies).size >= 2)
    return {
      help: `convert with a declared price first, for example \`amount * price\` where \`price\` is ${[...new Set(currencies)].join(" / ")}`,
    };
  return {};
}

/** How a builtin's type rule reports a problem with one of its arguments (allocated per call: no closures). */
class ArgumentReporter implements BuiltinContext {
  constructor(
    private readonly context: CheckContext,
    private readonly name: string,
    private readonly args: readonly BuiltinArgument[],
  ) {}

  mismatch(i: number, expected: string): void {
    this.context.report(messages.argumentMismatch, this.args[i]!.expr.span, {
      index: i + 1,
      name: this.name,
      expected,
      actual: describeType(this.args[i]!.type),
    });
  }

  notDimensionless(i: number): void {
    this.context.report(messages.dimensionlessExpected, this.args[i]!.expr.span, {
      name: this.name,
      actual: describeType(this.args[i]!.type),
    });
  }

  oddRoot(i: number): void {
    this.context.report(messages.oddUnitRoot, this.args[i]!.expr.span, {
      actual: describeType(this.args[i]!.type),
    });
  }
}
