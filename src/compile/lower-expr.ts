/**
 * Lowering of expressions: checked AST expressions to IR expressions, with every name resolved
 * (input paths, inlined parameters, slots, locals, enum members) and constants folded.
 *
 * Folding uses the runtime's own operations ({@link binaryOp}, {@link callBuiltin}), so a folded
 * constant is bit for bit what the evaluators would compute. An operation that would fail at run time
 * (`1 / 0`) or produce NaN, an infinity or -0 is left unfolded, so that the evaluation reports it.
 */
import { BINANCE_CONVENTION, type LiquidationConvention } from "../semantics/liquidation.js";
import type * as A from "../syntax/ast.js";
import type { CheckContext, FnSymbol, ValueSymbol } from "../check/context.js";
import { formatType, type Type } from "../check/types.js";
import { childExprs, type IrArithmetic, type IrConstValue, type IrExpr, type IrFunction } from "../ir/ir.js";
import { Dec, decText, isDec, toDec } from "../semantics/decimal.js";
import { decimalBinary, decimalCall, decimalConst, decimalUnary } from "../semantics/decimal-operations.js";
import { BUILTINS, isBuiltin } from "../semantics/builtins.js";
import type { Raise } from "../semantics/errors.js";
import { LoweringError } from "./lowering-error.js";
import { isDefaultGroup, familyTableName, keyedChain, keyValues } from "./lower-keyed.js";
import { binaryOp, callBuiltin, unaryOp, type Value } from "../semantics/operations.js";

/** What expression lowering needs from the rulebook lowerer. */
export interface LoweringScope {
  /** A new error site at `span` in the current declaration, involving the inputs of `inputsOf`. */
  site(span: A.Span, inputsOf?: IrExpr[]): number;
  readonly slotIndex: ReadonlyMap<string, number>;
  readonly tableIndex: ReadonlyMap<string, number>;
  readonly scenarioIndex: ReadonlyMap<string, number>;
  /** Runs `body` with sites placed in function `fn` (its file, `fn name`). */
  inFunction<T>(fn: FnSymbol, body: () => T): T;
}

type Locals = ReadonlyMap<string, number>;

const NO_LOCALS: Locals = new Map();
const FOLD_ABORTED = Symbol("fold aborted");
const abort: Raise = () => {
  throw FOLD_ABORTED;
};

/** Lowers the expressions of one rulebook; comprehension variables are numbered across all of them. */
export class ExpressionLowerer {
  /** The names of the comprehension variables, indexed by local number. */
  readonly locals: string[] = [];
  /** The user functions called so far, lowered once each, by index. */
  readonly functions: IrFunction[] = [];
  private readonly functionIndex = new Map<string, number>();
  private readonly params = new Map<string, IrExpr>();
  private readonly paramsInProgress = new Set<string>();

  /**
   * @param decimal the rulebook computes in decimal arithmetic: numeric operations are not folded
   *   (folding is binary64), parameters are inlined as their expressions, and literals keep their
   *   exact text where the double does not spell it.
   */
  constructor(
    private readonly context: CheckContext,
    private readonly scope: LoweringScope,
    private readonly decimal?: IrArithmetic,
  ) {}

  /** Folds an operation on constants, in the rulebook's arithmetic. */
  private fold(expr: IrExpr): IrExpr {
    return this.decimal ? foldDecimal(expr, this.decimal) : fold(expr);
  }

  /** The IR of a checked expression. */
  lower(expr: A.Expr, locals: ReadonlyMap<string, number> = NO_LOCALS): IrExpr {
    switch (expr.kind) {
      case "NumberLit":
        return this.decimal ? decimalLiteral(expr) : constant(expr.value);
      case "DurationLit":
        return constant(expr.seconds);
      case "TimestampLit":
        return constant(Date.parse(expr.text) / 1000);
      case "StringLit":
        return constant(expr.value);
      case "BoolLit":
        return constant(expr.value);
      case "NameRef":
        return this.name(expr, locals);
      case "EnumRef":
        return constant(expr.member.text);
      case "MemberExpr":
        return this.member(expr, locals);
      case "CallExpr":
        return this.call(expr, locals);
      case "IndexExpr": {
        this.rejectTimestampList(expr.object);
        const x = this.lower(expr.object, locals);
        const index = this.lower(expr.index, locals);
        return { k: "index", x, index, site: this.scope.site(expr.span, [x, index]) };
      }
      case "UnaryExpr": {
        const x = this.lower(expr.operand, locals);
        if (expr.op === "+") return x;
        return this.fold({ k: "unary", op: expr.op === "-" ? "neg" : "not", x });
      }
      case "BinaryExpr":
        return this.binary(expr, locals);
      case "IfExpr": {
        const c = this.lower(expr.condition, locals);
        if (c.k === "const") return this.lower(c.v === true ? expr.then : expr.else, locals);
        return { k: "if", c, t: this.lower(expr.then, locals), e: this.lower(expr.else, locals) };
      }
      case "LetExpr":
        return this.letExpr(expr, locals);
      case "ListExpr":
        if (expr.comprehension)
          return this.aggregate(expr.items[0]!, "list", expr.comprehension, expr.span, locals);
        // A tuple (only ever a group key, the checker says): a record named by its parts.
        if (expr.tuple)
          return {
            k: "record",
            names: expr.items.map((item) =>
              item.kind === "MemberExpr" ? item.member.text : item.kind === "NameRef" ? item.name : "",
            ),
            values: expr.items.map((item) => this.lower(item, locals)),
          };
        return { k: "list", items: expr.items.map((item) => this.lower(item, locals)) };
      case "RecordExpr":
        return {
          k: "record",
          names: expr.fields.map((f) => f.name.text),
          values: expr.fields.map((f) => this.lower(f.value, locals)),
        };
      case "MissingExpr":
        throw new Error("cannot lower a missing expression");
    }
  }

  /** `let a = x, b = y in body`: one `let` node per name, outermost first. */
  private letExpr(expr: A.LetExpr, locals: Locals): IrExpr {
    const bound = this.bindAll(expr.bindings, locals);
    return wrapLets(bound.lets, this.lower(expr.body, bound.locals));
  }

  /** Numbers and lowers local names in order, each visible to the later ones. */
  bindAll(
    bindings: readonly A.LocalBinding[],
    locals: Locals,
  ): { lets: { local: number; value: IrExpr }[]; locals: Locals } {
    const lets: { local: number; value: IrExpr }[] = [];
    let inner = locals;
    for (const binding of bindings) {
      const value = this.lower(binding.value, inner);
      const local = this.locals.push(binding.name.text) - 1;
      inner = new Map(inner).set(binding.name.text, local);
      lets.push({ local, value });
    }
    return { lets, locals: inner };
  }

  /** A call of a user function; its body is lowered once, into {@link functions}. */
  private apply(expr: A.CallExpr, fn: FnSymbol, locals: Locals): IrExpr {
    const args = expr.args.map((a) => this.lower(a, locals));
    return { k: "apply", fn: this.lowerFunction(fn), args, site: this.scope.site(expr.span, args) };
  }

  /** Lowers a function's body (callees first, so a function only calls those before it). */
  private lowerFunction(fn: FnSymbol): number {
    const known = this.functionIndex.get(fn.name);
    if (known !== undefined) return known;
    const params = fn.params.map((p) => this.locals.push(p.name) - 1);
    const lowered = this.scope.inFunction(fn, () => ({
      site: this.scope.site(fn.decl.name.span),
      body: this.lower(fn.decl.value, new Map(fn.params.map((p, i) => [p.name, params[i]!]))),
    }));
    const index = this.functions.push({ name: fn.name, params, ...lowered }) - 1;
    this.functionIndex.set(fn.name, index);
    return index;
  }

  /** The constant value of an expression (a default, a bound, a scenario value); throws when it has none. */
  constant(expr: A.Expr): IrConstValue {
    const lowered = this.lower(expr);
    if (lowered.k !== "const") throw new Error(`expected a constant at offset ${expr.span.start}`);
    return lowered.v;
  }

  /** The top-level names an expression reads (not those hidden by comprehension variables). */
  references(expr: A.Expr): string[] {
    const found = new Set<string>();
    walk(expr, new Set(), (name) => {
      if (this.context.values.has(name)) found.add(name);
    });
    return [...found];
  }

  /** Timestamps are converted where a record field or an input is read; list elements are not. */
  private rejectTimestampList(list: A.Expr): void {
    const type = this.context.exprTypes.get(list);
    if (type?.kind === "list" && type.element.kind === "timestamp")
      throw new LoweringError(
        "lists of timestamps cannot be evaluated yet: use a list of records with a Timestamp field",
      );
  }

  private name(expr: A.NameRef, locals: Locals): IrExpr {
    const local = locals.get(expr.name);
    if (local !== undefined) return { k: "local", local };
    const symbol = this.context.values.get(expr.name);
    if (!symbol) {
      if (this.context.enumMembers.get(expr.name)?.length === 1) return constant(expr.name);
      throw new Error(`unknown name \`${expr.name}\``);
    }
    switch (symbol.kind) {
      case "input":
        return {
          k: "input",
          path: [symbol.name],
          ...(symbol.type.kind === "timestamp" ? { timestamp: true as const } : {}),
        };
      case "param":
        return this.param(symbol);
      case "scenarios":
        return { k: "scenarios", set: this.scope.scenarioIndex.get(symbol.name)! };
      case "tiers":
        throw new Error(`tier table \`${symbol.name}\` used as a value`);
      default:
        return { k: "slot", slot: this.scope.slotIndex.get(symbol.name)! };
    }
  }

  private param(symbol: Extract<ValueSymbol, { kind: "param" }>): IrExpr {
    const known = this.params.get(symbol.name);
    if (known) return known;
    if (this.paramsInProgress.has(symbol.name))
      throw new Error(`parameter \`${symbol.name}\` depends on itself`);
    // The checker folded it already (once, memoised): a long chain of parameters is not walked again.
    const folded = this.context.parameterConstant(symbol.name);
    if (
      (!this.decimal || typeof folded === "boolean") &&
      (typeof folded === "boolean" ||
        (typeof folded === "number" && Number.isFinite(folded) && !Object.is(folded, -0)))
    ) {
      const value = constant(folded);
      this.params.set(symbol.name, value);
      return value;
    }
    this.paramsInProgress.add(symbol.name);
    const value = this.lower(symbol.decl.value);
    this.paramsInProgress.delete(symbol.name);
    this.params.set(symbol.name, value);
    return value;
  }

  private member(expr: A.MemberExpr, locals: Locals): IrExpr {
    const keyed = this.keyedMember(expr, locals);
    if (keyed) return keyed;
    const objectType = this.context.exprTypes.get(expr.object);
    const name = expr.member.text;
    if (objectType?.kind === "record" && objectType.name.startsWith("row of ")) {
      const table = this.scope.tableIndex.get(objectType.name.slice(7))!;
      const row = this.lower(expr.object, locals);
      const decl = this.tierDecl(objectType.name.slice(7));
      const column = decl.columns.findIndex((c) => c.name.text === name);
      return { k: "cell", table, row, column: column >= 0 ? column : (name as "tier" | "lower" | "upper") };
    }
    const object = this.lower(expr.object, locals);
    const info = objectType ? this.fieldInfo(objectType, name) : {};
    if (object.k === "input" && object.default === undefined && !object.timestamp)
      return { k: "input", path: [...object.path, name], ...info };
    return { k: "field", x: object, name, ...info };
  }

  /** The default and timestamp flag of a record field, from its declaration. */
  private fieldInfo(type: Type, name: string): { default?: IrConstValue; timestamp?: true } {
    if (type.kind !== "record") return {};
    const field = type.fields.get(name);
    const info: { default?: IrConstValue; timestamp?: true } =
      field?.type.kind === "timestamp" ? { timestamp: true } : {};
    const decl = this.context.typeDecls.get(type.name);
    const input = this.context.values.get(type.name);
    const fields =
      decl?.kind === "RecordDecl" ? decl.fields : input?.kind === "input" ? input.decl.fields : undefined;
    const fieldDecl = fields?.find((f) => f.name.text === name);
    if (fieldDecl?.default) info.default = this.constant(fieldDecl.default);
    return info;
  }

  /** `fees[k].column` and `brackets[k](x).column`: a chain of `if`s on the key. */
  private keyedMember(expr: A.MemberExpr, locals: Locals): IrExpr | undefined {
    const object = expr.object;
    const name = expr.member.text;
    if (object.kind === "IndexExpr" && object.object.kind === "NameRef" && !locals.has(object.object.name)) {
      const symbol = this.context.values.get(object.object.name);
      if (symbol?.kind !== "table") return undefined;
      const decl = symbol.decl;
      const column = decl.columns.findIndex((c) => c.name.text === name);
      const cell = (row: A.TableRow): IrExpr => constant(this.context.cellValues.get(row.cells[column]!)!);
      const keys = [object.index, ...(object.more ?? [])].map((k) => this.lower(k, locals));
      const fallback = decl.rows.find((r) => r.isDefault);
      return keyedChain(
        decl.name.text,
        keys,
        decl.rows.filter((r) => !r.isDefault).map((r) => ({ key: keyValues(r.key), value: cell(r) })),
        fallback ? cell(fallback) : undefined,
        () => this.scope.site(object.span, keys),
      );
    }
    if (object.kind === "CallExpr" && object.callee.kind === "IndexExpr") {
      const decl = this.familyDecl(object.callee.object, locals);
      if (!decl) return undefined;
      const column = decl.columns.findIndex((c) => c.name.text === name);
      const key = this.lower(object.args[0]!, locals);
      return this.familyChain(decl, object.callee, locals, (table) => ({
        k: "cell",
        table,
        row: { k: "tier", table, key, site: this.scope.site(object.span, [key]) },
        column: column >= 0 ? column : (name as "tier" | "lower" | "upper"),
      }));
    }
    return undefined;
  }

  /** The declaration of a tier table family named by `object`, if it is one. */
  private familyDecl(object: A.Expr, locals: Locals): A.TiersDecl | undefined {
    if (object.kind !== "NameRef" || locals.has(object.name)) return undefined;
    const symbol = this.context.values.get(object.name);
    return symbol?.kind === "tiers" && symbol.decl.family ? symbol.decl : undefined;
  }

  /** One branch per table of the family: `make(table index)` gives what that table computes. */
  private familyChain(
    decl: A.TiersDecl,
    index: A.IndexExpr,
    locals: Locals,
    make: (table: number) => IrExpr,
  ): IrExpr {
    const keys = [this.lower(index.index, locals)];
    const groups = decl.groups ?? [];
    const table = (g: A.TierGroup): number =>
      this.scope.tableIndex.get(familyTableName(decl.name.text, g.key, groups.indexOf(g)))!;
    const fallback = groups.find(isDefaultGroup);
    return keyedChain(
      decl.name.text,
      keys,
      groups.filter((g) => !isDefaultGroup(g)).map((g) => ({ key: keyValues(g.key), value: make(table(g)) })),
      fallback ? make(table(fallback)) : undefined,
      () => this.scope.site(index.span, keys),
    );
  }

  private tierDecl(name: string): A.TiersDecl {
    const symbol = this.context.values.get(name);
    if (symbol?.kind !== "tiers") throw new Error(`unknown tier table \`${name}\``);
    return symbol.decl;
  }

  private binary(expr: A.BinaryExpr, locals: Locals): IrExpr {
    const l = this.lower(expr.left, locals);
    if (l.k === "const" && ((expr.op === "and" && l.v === false) || (expr.op === "or" && l.v === true)))
      return l;
    const r = this.lower(expr.right, locals);
    if (l.k === "const" && (expr.op === "and" || expr.op === "or")) return r;
    const folded = this.fold({ k: "binary", op: expr.op, l, r });
    if (folded.k === "const" || expr.op !== "/" || (r.k === "const" && r.v !== 0)) return folded;
    return { k: "binary", op: "/", l, r, site: this.scope.site(expr.span, [r]) };
  }

  private call(expr: A.CallExpr, locals: Locals): IrExpr {
    const callee = expr.callee;
    if (callee.kind === "MemberExpr" && callee.object.kind === "IndexExpr") {
      const decl = this.familyDecl(callee.object.object, locals);
      if (decl)
        return this.familyChain(decl, callee.object, locals, (table) =>
          this.tierMethod(expr, decl, table, locals),
        );
    }
    if (callee.kind === "MemberExpr" && callee.object.kind === "NameRef" && !locals.has(callee.object.name)) {
      const decl = this.tierDecl(callee.object.name);
      return this.tierMethod(expr, decl, this.scope.tableIndex.get(decl.name.text)!, locals);
    }
    return this.plainCall(expr, locals);
  }

  /** `table.margin(key, column)`, `table.deduction(...)`, `table.liquidation_price(...)`. */
  private tierMethod(expr: A.CallExpr, decl: A.TiersDecl, table: number, locals: Locals): IrExpr {
    const callee = expr.callee as A.MemberExpr;
    const columnName = (expr.args[expr.args.length - 1] as A.NameRef).name;
    const column = decl.columns.findIndex((c) => c.name.text === columnName);
    if (callee.member.text === "liquidation_price") {
      const [side, size, entry, balance] = expr.args.slice(0, 4).map((a) => this.lower(a, locals)) as [
        IrExpr,
        IrExpr,
        IrExpr,
        IrExpr,
      ];
      const convention = this.convention(expr);
      return {
        k: "liquidation",
        table,
        column,
        side,
        size,
        entry,
        balance,
        site: this.scope.site(expr.span, [size, entry, balance]),
        ...(convention.marginAt === "entry" ? { marginAt: "entry" as const } : {}),
        ...(convention.contract === "inverse" ? { contract: "inverse" as const } : {}),
        ...(convention.closingFee !== 0 ? { closingFee: convention.closingFee } : {}),
      };
    }
    const key = this.lower(expr.args[0]!, locals);
    return {
      k: "margin",
      table,
      key,
      column,
      deduction: callee.member.text === "deduction",
      site: this.scope.site(expr.span, [key]),
    };
  }

  /** The convention a call's named options select (checked already; absent options are Binance's). */
  private convention(expr: A.CallExpr): LiquidationConvention {
    const convention = { ...BINANCE_CONVENTION };
    for (const option of expr.options ?? []) {
      const word = option.value.kind === "NameRef" ? option.value.name : "";
      if (option.name.text === "margin_at") convention.marginAt = word === "entry" ? "entry" : "liquidation";
      else if (option.name.text === "contract")
        convention.contract = word === "inverse" ? "inverse" : "linear";
      else if (option.name.text === "closing_fee")
        convention.closingFee = this.constant(option.value) as number;
    }
    return convention;
  }

  private plainCall(expr: A.CallExpr, locals: Locals): IrExpr {
    const callee = expr.callee;
    if (callee.kind !== "NameRef" || locals.has(callee.name))
      throw new Error("only built-ins and tier tables can be called");
    const userFn = this.context.functions.get(callee.name);
    if (userFn) return this.apply(expr, userFn, locals);
    const symbol = this.context.values.get(callee.name);
    if (symbol?.kind === "tiers") {
      const key = this.lower(expr.args[0]!, locals);
      return {
        k: "tier",
        table: this.scope.tableIndex.get(symbol.name)!,
        key,
        site: this.scope.site(expr.span, [key]),
      };
    }
    if (expr.comprehension)
      return this.aggregate(expr.args[0]!, callee.name, expr.comprehension, expr.span, locals);
    const args = expr.args.map((a) => this.lower(a, locals));
    if (callee.name === "bankruptcy_price") {
      // The options become the two last arguments: the fee rate and the contract.
      const { closingFee, contract } = this.convention(expr);
      args.push(constant(closingFee), constant(contract));
    }
    if (callee.name === "number") return args[0]!;
    if (callee.name === "count") return { k: "call", fn: "length", args };
    const fn = callee.name;
    if (!isBuiltin(fn) || !BUILTINS[fn].surface) throw new Error(`unknown function \`${fn}\``);
    const folded = this.fold({ k: "call", fn, args });
    if (folded.k === "const" || !BUILTINS[fn].fallible) return folded;
    return { k: "call", fn, args, site: this.scope.site(expr.span, args) };
  }

  private aggregate(
    element: A.Expr,
    name: string,
    comprehension: A.Comprehension,
    span: A.Span,
    locals: Locals,
  ): IrExpr {
    this.rejectTimestampList(comprehension.source);
    const local = this.locals.push(comprehension.variable.text) - 1;
    const source = this.lower(comprehension.source, locals);
    // `let` clauses become `let` nodes around each part that reads them (evaluated per element).
    const variables = new Map(locals).set(comprehension.variable.text, local);
    const position = comprehension.indexVariable
      ? this.locals.push(comprehension.indexVariable.text) - 1
      : undefined;
    if (comprehension.indexVariable) variables.set(comprehension.indexVariable.text, position!);
    const bound = this.bindAll(comprehension.bindings ?? [], variables);
    const inner = bound.locals;
    const wrap = (e: IrExpr): IrExpr => wrapLets(bound.lets, e);
    const filter = comprehension.filter ? wrap(this.lower(comprehension.filter, inner)) : undefined;
    let acc: number | undefined;
    let init: IrExpr | undefined;
    let elemLocals = inner;
    if ((name === "reduce" || name === "scan") && comprehension.accumulator && comprehension.init) {
      init = this.lower(comprehension.init, locals);
      acc = this.locals.push(comprehension.accumulator.text) - 1;
      elemLocals = new Map(inner).set(comprehension.accumulator.text, acc);
    }
    const elem = wrap(this.lower(element, elemLocals));
    const key = comprehension.groupKey ? wrap(this.lower(comprehension.groupKey, inner)) : undefined;
    const fallback =
      comprehension.fallback && name !== "sum" ? this.lower(comprehension.fallback, locals) : undefined;
    // `min` and `max` name the element that wins in explanations, with its value in its unit.
    const elementType =
      name === "min" || name === "max" || name === "argmax" || name === "argmin"
        ? this.context.exprTypes.get(element)
        : undefined;
    return {
      k: "agg",
      op: name as "sum",
      local,
      source,
      elem,
      ...(filter ? { filter } : {}),
      ...(key ? { key } : {}),
      ...(fallback ? { fallback } : {}),
      ...(acc !== undefined && init ? { acc, init } : {}),
      ...(position !== undefined ? { position } : {}),
      site: this.scope.site(span, [source]),
      ...(elementType?.kind === "number" ? { unit: formatType(elementType) } : {}),
    };
  }
}

/** Wraps `body` in the `let`s it reads (directly or through a later `let`), innermost last. */
export function wrapLets(lets: readonly { local: number; value: IrExpr }[], body: IrExpr): IrExpr {
  let result = body;
  for (let i = lets.length - 1; i >= 0; i--) {
    const { local, value } = lets[i]!;
    if (readsLocal(result, local)) result = { k: "let", local, value, body: result };
  }
  return result;
}

function readsLocal(expr: IrExpr, local: number): boolean {
  if (expr.k === "local") return expr.local === local;
  return childExprs(expr).some((child) => readsLocal(child, local));
}

function constant(v: IrConstValue): IrExpr {
  return { k: "const", v };
}

/** A constant in decimal arithmetic: the double, and the exact text when the double does not spell it. */
function decimalConstant(value: Dec): IrExpr {
  const v = value.toNumber() + 0;
  const d = decText(value);
  return String(v) === d ? { k: "const", v } : { k: "const", v, d };
}

/** A number literal in decimal arithmetic: exactly as written (`0.56%` is 0.0056). */
function decimalLiteral(expr: A.NumberLit): IrExpr {
  const text = expr.text
    .replace(/_/g, "")
    .replace(/(%|bps)$/, "")
    .trim();
  let exact: Dec;
  try {
    exact = new Dec(text).times(expr.suffix === "%" ? "0.01" : expr.suffix === "bps" ? "0.0001" : 1);
  } catch {
    return constant(expr.value);
  }
  return exact.toNumber() === expr.value ? decimalConstant(exact) : constant(expr.value);
}

/** Folds an operation on constants in decimal arithmetic, as the decimal evaluator computes it. */
function foldDecimal(expr: IrExpr, context: IrArithmetic): IrExpr {
  const value = (e: IrExpr): Value => decimalConst((e as { v: IrConstValue }).v, (e as { d?: string }).d);
  try {
    let result: Value;
    if (expr.k === "unary" && expr.x.k === "const") result = decimalUnary(expr.op, value(expr.x));
    else if (expr.k === "binary" && expr.l.k === "const" && expr.r.k === "const")
      result = decimalBinary(expr.op, value(expr.l), value(expr.r), context, -1, abort);
    else if (expr.k === "call" && expr.args.every((a) => a.k === "const"))
      result = decimalCall(expr.fn, expr.args.map(value), context, -1, abort);
    else return expr;
    if (isDec(result)) return result.isFinite() && result.abs().lt(1e300) ? decimalConstant(result) : expr;
    return typeof result === "boolean" || typeof result === "string" ? constant(result) : expr;
  } catch (error) {
    if (error === FOLD_ABORTED) return expr;
    throw error;
  }
}

/** Folds an operation on constants with the runtime's semantics, when the result is a plain value. */
function fold(expr: IrExpr): IrExpr {
  try {
    let value: unknown;
    if (expr.k === "unary" && expr.x.k === "const") value = unaryOp(expr.op, expr.x.v);
    else if (expr.k === "binary" && expr.l.k === "const" && expr.r.k === "const")
      value = binaryOp(expr.op, expr.l.v, expr.r.v, -1, abort);
    else if (expr.k === "call" && expr.args.every((a) => a.k === "const"))
      value = callBuiltin(
        expr.fn,
        expr.args.map((a) => (a as { v: IrConstValue }).v),
        -1,
        abort,
      );
    else return expr;
    if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) return expr;
    return typeof value === "number" || typeof value === "boolean" || typeof value === "string"
      ? constant(value)
      : expr;
  } catch (error) {
    if (error === FOLD_ABORTED) return expr;
    throw error;
  }
}

/** Calls `visit` for each name an expression reads, except comprehension variables in scope. */
function walk(expr: A.Expr, bound: ReadonlySet<string>, visit: (name: string) => void): void {
  switch (expr.kind) {
    case "NameRef":
      if (!bound.has(expr.name)) visit(expr.name);
      return;
    case "MemberExpr":
      return walk(expr.object, bound, visit);
    case "IndexExpr":
      walk(expr.object, bound, visit);
      return walk(expr.index, bound, visit);
    case "UnaryExpr":
      return walk(expr.operand, bound, visit);
    case "BinaryExpr":
      walk(expr.left, bound, visit);
      return walk(expr.right, bound, visit);
    case "IfExpr":
      walk(expr.condition, bound, visit);
      walk(expr.then, bound, visit);
      return walk(expr.else, bound, visit);
    case "CallExpr": {
      walk(expr.callee, bound, visit);
      if (!expr.comprehension) return expr.args.forEach((a) => walk(a, bound, visit));
      return walkComprehension(expr.args, expr.comprehension, bound, visit);
    }
    case "ListExpr":
      if (!expr.comprehension) return expr.items.forEach((a) => walk(a, bound, visit));
      return walkComprehension(expr.items, expr.comprehension, bound, visit);
    case "LetExpr": {
      const inner = new Set(bound);
      for (const b of expr.bindings) {
        walk(b.value, inner, visit);
        inner.add(b.name.text);
      }
      return walk(expr.body, inner, visit);
    }
    default:
      return;
  }
}

function walkComprehension(
  elements: readonly A.Expr[],
  c: A.Comprehension,
  bound: ReadonlySet<string>,
  visit: (name: string) => void,
): void {
  walk(c.source, bound, visit);
  if (c.fallback) walk(c.fallback, bound, visit);
  if (c.init) walk(c.init, bound, visit);
  const inner = new Set(bound).add(c.variable.text);
  if (c.indexVariable) inner.add(c.indexVariable.text);
  for (const b of c.bindings ?? []) {
    walk(b.value, inner, visit);
    inner.add(b.name.text);
  }
  if (c.accumulator) inner.add(c.accumulator.text);
  for (const e of [...elements, c.filter, c.groupKey]) if (e) walk(e, inner, visit);
}
