/**
 * The checker's shared state: the symbol tables, the reporter, and type resolution of `TypeRef`s.
 */
import type * as A from "../syntax/ast.js";
import type { MessageSpec, TemplateArgs } from "../semantics/catalog.js";
import { messages } from "../semantics/catalog.js";
import { type Reporter, type ReportExtras } from "../diagnostics/diagnostic.js";
import { evaluateConstant, foldingFailure, type ConstantValue } from "./constants.js";
import { didYouMean as suggest, SUGGESTION_BUDGET, type SuggestionBudget } from "../syntax/suggest.js";
import {
  BOOL,
  DURATION,
  ERROR,
  INTEGER,
  NUMBER,
  QUANTITY,
  RATE,
  TEXT,
  TIMESTAMP,
  type RecordField,
  type Type,
  type Unit,
  isCurrencyCode,
  isNumeric,
  multiplyUnits,
  numeric,
  powerUnit,
} from "./types.js";

/** A declaration together with the file it came from (a base rulebook's, or the checked file's). */
export interface Origin {
  file: string;
  /** True for declarations of the checked file itself; base declarations are not re-reported. */
  own: boolean;
}

/** A declaration and the file it comes from. */
export interface SourcedDeclaration {
  decl: A.Declaration;
  origin: Origin;
}

export type ValueSymbol =
  | { kind: "input"; name: string; decl: A.InputDecl; origin: Origin; type: Type }
  | { kind: "param"; name: string; decl: A.ParamDecl; origin: Origin }
  | { kind: "let"; name: string; decl: A.LetDecl; origin: Origin }
  | { kind: "output"; name: string; decl: A.OutputDecl; origin: Origin }
  | { kind: "tiers"; name: string; decl: A.TiersDecl; origin: Origin }
  | { kind: "table"; name: string; decl: A.TableDecl; origin: Origin }
  | { kind: "scenarios"; name: string; decl: A.ScenariosDecl; origin: Origin }
  | { kind: "quantity"; name: string; firstSet: A.Step; rule: A.RuleDecl; origin: Origin };

export type SymbolKind = ValueSymbol["kind"];

/** A user function (`fn`): its parameters' types, its declared result type, and its checked body. */
export interface FnSymbol {
  name: string;
  decl: A.FnDecl;
  origin: Origin;
  params: { name: string; type: Type }[];
  /** The declared result type, when written. */
  returnType?: Type;
  /** The body's type, once checked; ERROR while a reported problem prevents one. */
  bodyType?: Type;
}

export const SYMBOL_KIND_NAMES: Record<SymbolKind, string> = {
  input: "an input",
  param: "a parameter",
  let: "a let-binding",
  output: "an output",
  tiers: "a tier table",
  table: "a keyed table",
  scenarios: "a scenario set",
  quantity: "a quantity",
};

const QUANTITY_TYPE = numeric({ [QUANTITY]: 1 });

const BUILTIN_TYPES = [
  "Number",
  "Integer",
  "Rate",
  "Bool",
  "Text",
  "Timestamp",
  "Duration",
  "Quantity",
  "Price",
  "List",
];

export class CheckContext {
  readonly values = new Map<string, ValueSymbol>();
  /** User functions (`fn`), by name. */
  readonly functions = new Map<string, FnSymbol>();
  /** Named types: enums and records. */
  readonly types = new Map<string, Type>();
  readonly typeDecls = new Map<string, A.EnumDecl | A.RecordDecl>();
  /** Enum member name -> the enums that declare it (bare members resolve when unique). */
  readonly enumMembers = new Map<string, Type[]>();
  /** The type of every checked expression, for the compiler and the editor's hover. */
  readonly exprTypes = new Map<A.Expr, Type>();
  /** The resolved type of every value symbol, filled lazily. */
  readonly valueTypes = new Map<string, Type>();
  /**
   * The folded value of every cell of a keyed table (by its expression) and of every tier cell
   * written as an expression (by the cell): what the compiler puts in the IR.
   */
  readonly cellValues = new Map<A.Expr | A.TierCell, number | boolean | string>();
  /** Names referenced anywhere (for unused warnings). */
  readonly used = new Set<string>();
  currency?: string;
  origin: Origin;
  /** What is left of this check's work for did-you-mean suggestions. */
  private readonly suggestionBudget: SuggestionBudget = { left: SUGGESTION_BUDGET };
  /** Each written type is resolved (and its problems reported) once. */
  private readonly resolvedTypes = new Map<A.TypeRef, Type>();
  /** The type of each currency named in a written type (`USDT`), made once. */
  private readonly currencyTypes = new Map<string, Type>();

  constructor(readonly reporter: Reporter) {
    this.origin = { file: reporter.file, own: true };
  }

  /** Reports against the current declaration; diagnostics inside a base rulebook are muted here. */
  report<S extends MessageSpec>(
    spec: S,
    span: A.Span,
    args: TemplateArgs<S> = {} as TemplateArgs<S>,
    extras: ReportExtras = {},
  ): void {
    if (!this.origin.own) return;
    this.reporter.report(spec, span, args, extras);
  }

  /** A did-you-mean help for an unknown name, within this check's budget for suggestions. */
  didYouMean(
    name: string,
    span: A.Span,
    candidates: Iterable<string> | (() => Iterable<string>),
  ): ReturnType<typeof suggest> {
    if (this.suggestionBudget.left <= 0) return {};
    return suggest(
      name,
      span,
      typeof candidates === "function" ? candidates() : candidates,
      this.suggestionBudget,
    );
  }

  /**
   * Calls `body` on each declaration, with the origin set to the declaration's: one closure for a
   * whole pass instead of one per declaration (`withOrigin`).
   */
  eachDeclaration<D>(
    declarations: readonly { decl: D; origin: Origin }[],
    body: (decl: D, origin: Origin) => void,
  ): void {
    const saved = this.origin;
    try {
      // Indexed: this runs a few times per check, often before the JIT has optimised it, and an
      // unoptimised `for...of` allocates an iterator result per declaration.
      for (let i = 0; i < declarations.length; i++) {
        const { decl, origin } = declarations[i]!;
        this.origin = origin;
        body(decl, origin);
      }
    } finally {
      this.origin = saved;
    }
  }

  withOrigin<T>(origin: Origin, body: () => T): T {
    const saved = this.origin;
    this.origin = origin;
    try {
      return body();
    } finally {
      this.origin = saved;
    }
  }

  /**
   * Reports that `expr` must be constant unless it is; an expression lost to a syntax error
   * (already reported) is left alone. Returns the constant, if any.
   */
  requireConstant(expr: A.Expr, what: string): ConstantValue | undefined {
    const value = this.constant(expr);
    if (value === undefined && expr.kind !== "MissingExpr") this.reportNotConstant(expr, what);
    return this.requireFinite(value, expr, what);
  }

  /**
   * Reports a constant that folds to an infinity or NaN from finite literals (`1e308 * 10`): no
   * evaluator may compute it silently. Returns undefined for it, so that nothing builds on it.
   */
  requireFinite(value: ConstantValue | undefined, expr: A.Expr, what: string): ConstantValue | undefined {
    if (typeof value !== "number" || Number.isFinite(value)) return value;
    this.report(messages.constantNotFinite, expr.span, { what, value: String(value) });
    return undefined;
  }

  /** `expr` has no constant value: because evaluating it fails (MB3036), or because it is not constant (MB3022). */
  reportNotConstant(expr: A.Expr, what: string): void {
    const reason = foldingFailure(expr, this.lookupParameter);
    if (reason) this.report(messages.constantFails, expr.span, { what, reason });
    else this.report(messages.notConstant, expr.span, { what });
  }

  /** The constant value of an expression built from literals and parameters, if it has one. */
  constant(expr: A.Expr): ConstantValue | undefined {
    return evaluateConstant(expr, this.lookupParameter);
  }

  /** `parameterValue` as a function value, made once (constants are folded all over the checker). */
  private readonly lookupParameter = (name: string): ConstantValue | undefined => this.parameterValue(name);

  /**
   * The folded value of each parameter, computed once: `param p1 = p0 + p0`, `param p2 = p1 + p1`, ...
   * would otherwise refold every parameter at every reference (exponential in the chain's length).
   */
  private readonly parameterValues = new Map<A.ParamDecl, ConstantValue | undefined>();
  /** The parameters being folded: meeting one again is a cycle (none of them is constant then). */
  private readonly parametersFolding = new Set<A.ParamDecl>();

  /** The folded value of a parameter, if it has one (memoised). */
  parameterConstant(name: string): ConstantValue | undefined {
    return this.parameterValue(name);
  }

  /**
   * Folds every parameter in declaration order, so that a chain declared in that order is folded one
   * link at a time instead of recursing down its whole length from the last link.
   */
  foldParameters(): void {
    for (const symbol of this.values.values()) if (symbol.kind === "param") this.parameterValue(symbol.name);
  }

  private parameterValue(name: string): ConstantValue | undefined {
    const symbol = this.values.get(name);
    if (symbol?.kind !== "param") return undefined;
    const decl = symbol.decl;
    if (this.parameterValues.has(decl)) return this.parameterValues.get(decl);
    if (this.parametersFolding.has(decl)) return undefined;
    this.parametersFolding.add(decl);
    let value: ConstantValue | undefined;
    try {
      value = evaluateConstant(decl.value, this.lookupParameter);
    } finally {
      this.parametersFolding.delete(decl);
    }
    // A parameter met while it was itself being folded is on a cycle, and so is every one on the
    // path between: none of them is constant, so caching `undefined` for them is exact.
    this.parameterValues.set(decl, value);
    return value;
  }

  /** A scenario set is a list of `{ name, index, number, weight, <axes> }` records. */
  scenarioSetType(decl: A.ScenariosDecl): Type {
    const fields = new Map<string, RecordField>([
      ["name", { name: "name", type: TEXT, optional: false }],
      ["index", { name: "index", type: NUMBER, optional: false }],
      // The 1-based number exchanges print (CME's scenario 14 is index 13).
      ["number", { name: "number", type: NUMBER, optional: false }],
      ["weight", { name: "weight", type: RATE, optional: false }],
    ]);
    for (const axis of decl.axes)
      fields.set(axis.name.text, {
        name: axis.name.text,
        type: this.resolveType(axis.type),
        optional: false,
      });
    return { kind: "list", element: { kind: "record", name: `scenario of ${decl.name.text}`, fields } };
  }

  /** Resolves a written type. Reports unknown names (with did-you-mean) and returns ERROR for them. */
  resolveType(ref: A.TypeRef): Type {
    const known = this.resolvedTypes.get(ref);
    if (known) return known;
    const type = this.resolveUncached(ref);
    this.resolvedTypes.set(ref, type);
    return type;
  }

  private resolveUncached(ref: A.TypeRef): Type {
    if (ref.factors.length === 0) return ERROR;
    if (ref.factors.length === 1 && ref.factors[0]!.exponent === 1)
      return this.resolveFactor(ref.factors[0]!);
    let unit: Unit = {};
    for (const factor of ref.factors) {
      const type = this.resolveFactor(factor);
      if (type.kind === "error") return ERROR;
      if (!isNumeric(type)) {
        this.report(messages.unitFactorNotUnit, factor.span, { name: factor.name.text });
        return ERROR;
      }
      if (!Number.isInteger(factor.exponent)) {
        this.report(messages.invalidExponent, factor.span, { text: String(Math.abs(factor.exponent)) });
        return ERROR;
      }
      unit = multiplyUnits(unit, powerUnit(type.unit, factor.exponent));
    }
    return numeric(unit);
  }

  private resolveFactor(factor: A.TypeFactor): Type {
    const name = factor.name.text;
    if (name === "") return ERROR;
    if (name === "List") {
      if (!factor.argument) {
        this.report(messages.listNeedsElement, factor.span);
        return ERROR;
      }
      const element = this.resolveType(factor.argument);
      return element.kind === "error" ? ERROR : { kind: "list", element };
    }
    if (name === "Scenario" && factor.valueArgument) {
      const set = this.values.get(factor.valueArgument.text);
      if (set?.kind === "scenarios") {
        const list = this.scenarioSetType(set.decl);
        return list.kind === "list" ? list.element : ERROR;
      }
      this.report(
        messages.unknownName,
        factor.valueArgument.span,
        { name: factor.valueArgument.text },
        this.didYouMean(
          factor.valueArgument.text,
          factor.valueArgument.span,
          [...this.values.values()].filter((v) => v.kind === "scenarios").map((v) => v.name),
        ),
      );
      return ERROR;
    }
    if (factor.argument || factor.valueArgument) {
      this.report(messages.typeArgumentNotList, factor.span, { name });
      return ERROR;
    }
    switch (name) {
      case "Number":
        return NUMBER;
      case "Integer":
        return INTEGER;
      case "Rate":
        return RATE;
      case "Bool":
        return BOOL;
      case "Text":
        return TEXT;
      case "Timestamp":
        return TIMESTAMP;
      case "Duration":
        return DURATION;
      case "Quantity":
        return QUANTITY_TYPE;
      case "Price":
        return this.currency ? numeric({ [this.currency]: 1, [QUANTITY]: -1 }) : ERROR;
    }
    const named = this.types.get(name);
    if (named) return named;
    if (isCurrencyCode(name)) {
      let money = this.currencyTypes.get(name);
      if (!money) this.currencyTypes.set(name, (money = numeric({ [name]: 1 })));
      return money;
    }
    this.report(
      messages.unknownType,
      factor.name.span,
      { name },
      this.didYouMean(name, factor.name.span, [...BUILTIN_TYPES, ...this.types.keys()]),
    );
    return ERROR;
  }

  /** The record type of a list of fields (an input's inline record, or a `record` declaration). */
  recordType(name: string, fields: readonly A.FieldDecl[]): Type {
    const map = new Map<string, RecordField>();
    for (const field of fields) {
      if (field.name.text === "") continue;
      if (map.has(field.name.text)) {
        this.report(messages.duplicateField, field.name.span, { name: field.name.text });
        continue;
      }
      map.set(field.name.text, {
        name: field.name.text,
        type: this.resolveType(field.type),
        optional: field.default !== undefined,
      });
    }
    return { kind: "record", name, fields: map };
  }
}
