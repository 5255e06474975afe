/**
 * The checker: name resolution, types and units, and rulebook semantics, run as an ordered table
 * of passes over one rulebook (merged with its base, when it `extends` one).
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { Reporter, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LIMITS } from "../syntax/limits.js";
import { checkHeader } from "./check-header.js";
import { ExpressionChecker, TOP_LEVEL } from "./check-expr.js";
import { checkFields, checkParam } from "./check-values.js";
import { checkRules, collectQuantities } from "./check-rules.js";
import { checkScenarios } from "./check-scenarios.js";
import { checkTiers, tierRowType } from "./check-tiers.js";
import { checkKeyedTable, keyedRowType } from "./check-keyed-tables.js";
import { checkVerify } from "./check-verify.js";
import { declareFunctions } from "./check-functions.js";
import { mergeImports, type ImportedRulebook } from "./check-imports.js";
import { CheckContext, type Origin, type SourcedDeclaration, type ValueSymbol } from "./context.js";
import { evaluateConstant } from "./constants.js";
import { checkIrLimits } from "./check-limits.js";
import {
  ERROR,
  type RecordField,
  type Type,
  assignable,
  describeType,
  isNumeric,
  isDimensionless,
} from "./types.js";
import { isZeroLiteral } from "./builtins.js";

export type { SourcedDeclaration } from "./context.js";

/** What a base rulebook contributes to a rulebook that `extends` it. */
export interface BaseRulebook {
  file: string;
  declarations: SourcedDeclaration[];
  currency?: string;
  errorCount: number;
}

/** The checked rulebook: everything later stages (compiler, language service) need. */
export interface CheckedRulebook {
  file: string;
  ast: A.Rulebook;
  header: Map<A.HeaderKey, A.HeaderField>;
  currency?: string;
  /** The declarations in force, base ones first, overrides applied. */
  declarations: SourcedDeclaration[];
  context: CheckContext;
  diagnostics: Diagnostic[];
}

/**
 * Checks one parsed rulebook. Never throws on user input. `partial` marks a tree recovered from
 * syntax errors: whole-rulebook warnings (unused names, no outputs) are then left out as noise.
 */
export function checkAst(
  ast: A.Rulebook,
  file: string,
  base?: BaseRulebook,
  partial = false,
  imports: readonly ImportedRulebook[] = [],
): CheckedRulebook {
  const context = new CheckContext(new Reporter(file));
  if (ast.declarations.length > LIMITS.declarations) {
    context.report(messages.tooManyDeclarations, ast.header?.name.span ?? { start: 0, end: 0 }, {
      count: ast.declarations.length,
      what: "declarations",
      limit: LIMITS.declarations,
    });
    return {
      file,
      ast,
      header: new Map(),
      declarations: [],
      context,
      diagnostics: context.reporter.diagnostics,
    };
  }
  // The passes run in this order, each for a reason:
  // 1. the header first: the settlement currency gives `Price` its meaning;
  const header = checkHeader(context, ast);
  checkIrLimits(context, ast, partial);
  context.currency = header.get("currency")?.value ?? base?.currency;
  // 2. merge with the base rulebook, applying overrides, so later passes see one program;
  // then put imported declarations first, under their namespace, and read `ns.name` as their names;
  const declarations = mergeImports(
    context,
    ast,
    mergeWithBase(context, ast, file, base, header),
    imports,
    header,
  );
  // 3. named types before values, since fields and inputs refer to records and enums by name;
  declareTypes(context, declarations);
  // 4. every value name before any expression, since declarations may appear in any order;
  declareValues(context, declarations);
  declareFunctions(context, declarations);
  collectQuantities(context, declarations);
  context.foldParameters();
  // 5. then types of everything, lazily, so that each definition is typed once and cycles are found.
  // A table's row type is the same at every lookup: made once.
  const rowTypes = new Map<A.TiersDecl, Type>();
  const expressions: ExpressionChecker = new ExpressionChecker(
    context,
    (symbol, span) => typer.typeOf(symbol, span),
    (symbol) => {
      let type = rowTypes.get(symbol.decl);
      if (!type) rowTypes.set(symbol.decl, (type = tierRowType(context, symbol.decl)));
      return type;
    },
    (symbol) => keyedRowType(context, symbol.decl),
  );
  const typer: SymbolTyper = new SymbolTyper(context, expressions);
  context.eachDeclaration(declarations, (decl) => checkDeclaration(context, expressions, typer, decl));
  // 6. rules in order (they depend on the types above), then whole-rulebook warnings.
  checkRules(context, expressions, declarations);
  if (!partial) reportUnused(context, ast, declarations);
  return {
    file,
    ast,
    header,
    currency: context.currency,
    declarations,
    context,
    diagnostics: context.reporter.diagnostics,
  };
}

function mergeWithBase(
  context: CheckContext,
  ast: A.Rulebook,
  file: string,
  base: BaseRulebook | undefined,
  header: Map<A.HeaderKey, A.HeaderField>,
): SourcedDeclaration[] {
  const own: Origin = { file, own: true };
  const mine = ast.declarations.map((decl) => ({ decl, origin: own }));
  const extendsField = header.get("extends");
  if (base && extendsField && base.errorCount > 0)
    context.report(messages.baseHasErrors, extendsField.valueSpan, {
      path: extendsField.value,
      count: base.errorCount,
    });
  const inherited = (base?.declarations ?? []).map((d) => ({
    decl: d.decl,
    origin: { file: d.origin.file, own: false },
  }));
  const merged = [...inherited];
  for (const entry of mine) {
    const decl = entry.decl;
    const override = (decl.kind === "ParamDecl" || decl.kind === "TiersDecl") && decl.override;
    if (!override) {
      merged.push(entry);
      continue;
    }
    if (!extendsField) {
      context.report(messages.overrideWithoutBase, decl.override!);
      merged.push(entry);
      continue;
    }
    const index = merged.findIndex((d) => d.decl.kind === decl.kind && declName(d.decl) === declName(decl));
    const earlier = merged[index];
    if (earlier?.origin.own) {
      context.report(
        messages.duplicateOverride,
        decl.name.span,
        { name: decl.name.text },
        { related: [{ message: "first overridden here", span: earlier.decl.span }] },
      );
    } else if (index < 0) {
      context.report(messages.overrideOfUnknown, decl.name.span, {
        what: decl.kind === "ParamDecl" ? "parameter" : "tier table",
        name: decl.name.text,
      });
      merged.push(entry);
    } else {
      checkOverrideType(context, merged[index]!, entry);
      merged[index] = entry;
    }
  }
  return merged;
}

function checkOverrideType(
  context: CheckContext,
  original: SourcedDeclaration,
  replacement: SourcedDeclaration,
): void {
  if (original.decl.kind === "TiersDecl" && replacement.decl.kind === "TiersDecl")
    return checkTiersOverride(context, original.decl, replacement.decl);
  if (original.decl.kind !== "ParamDecl" || replacement.decl.kind !== "ParamDecl") return;
  const declared = original.decl.type;
  if (!declared || replacement.decl.type) return;
  // An override without a type inherits the base's declared type and domain.
  replacement.decl.type = declared;
  replacement.decl.domain = original.decl.domain;
}

/** An overriding tier table keeps the key's unit and every column of the base, with the same units. */
function checkTiersOverride(context: CheckContext, base: A.TiersDecl, replacement: A.TiersDecl): void {
  const baseKey = context.withOrigin({ file: "", own: false }, () => context.resolveType(base.keyType));
  const key = context.resolveType(replacement.keyType);
  if (baseKey.kind !== "error" && key.kind !== "error" && !assignable(baseKey, key))
    context.report(messages.overrideTypeMismatch, replacement.keyType.span, {
      name: replacement.name.text,
      actual: `keyed by ${describeType(key)}`,
      expected: `${describeType(baseKey)} keys`,
    });
  for (const column of base.columns) {
    const mine = replacement.columns.find((c) => c.name.text === column.name.text);
    if (!mine) {
      context.report(messages.overrideDropsColumn, replacement.name.span, {
        name: replacement.name.text,
        column: column.name.text,
      });
      continue;
    }
    const expected = context.withOrigin({ file: "", own: false }, () => context.resolveType(column.type));
    const actual = context.resolveType(mine.type);
    if (expected.kind !== "error" && actual.kind !== "error" && !assignable(expected, actual))
      context.report(messages.overrideTypeMismatch, mine.type.span, {
        name: `${replacement.name.text}.${column.name.text}`,
        actual: describeType(actual),
        expected: describeType(expected),
      });
  }
}

export function declName(decl: A.Declaration): string | undefined {
  return decl.kind === "AssertDecl" || decl.kind === "VerifyDecl" ? undefined : decl.name.text;
}

function declareTypes(context: CheckContext, declarations: SourcedDeclaration[]): void {
  const records: { decl: A.RecordDecl; fields: Map<string, RecordField> }[] = [];
  for (const { decl, origin } of declarations) {
    if (decl.kind !== "EnumDecl" && decl.kind !== "RecordDecl") continue;
    context.withOrigin(origin, () => {
      const name = decl.name.text;
      if (name === "") return;
      const previous = context.typeDecls.get(name);
      if (previous) {
        context.report(
          messages.duplicateDeclaration,
          decl.name.span,
          { name },
          { related: [{ message: "first declared here", span: previous.name.span }] },
        );
        return;
      }
      context.typeDecls.set(name, decl);
      if (decl.kind === "EnumDecl") {
        const members: string[] = [];
        const seen = new Set<string>();
        for (const member of decl.members) {
          if (seen.has(member.text))
            context.report(messages.duplicateEnumMember, member.span, { name: member.text });
          else members.push(member.text);
          seen.add(member.text);
        }
        const type: Type = { kind: "enum", name, members };
        context.types.set(name, type);
        for (const member of members)
          context.enumMembers.set(member, [...(context.enumMembers.get(member) ?? []), type]);
      } else {
        const fields = new Map<string, RecordField>();
        context.types.set(name, { kind: "record", name, fields });
        records.push({ decl, fields });
      }
    });
  }
  // Record fields may name any record or enum, so they are resolved once all names are known.
  for (const { decl, fields } of records) {
    const origin = declarations.find((d) => d.decl === decl)!.origin;
    context.withOrigin(origin, () => {
      const type = context.recordType(decl.name.text, decl.fields);
      if (type.kind === "record") for (const [k, v] of type.fields) fields.set(k, v);
    });
  }
}

function declareValues(context: CheckContext, declarations: SourcedDeclaration[]): void {
  context.eachDeclaration(declarations, (decl, origin) => {
    const symbol = valueSymbol(context, decl, origin);
    if (!symbol || symbol.name === "") return;
    const previous = context.values.get(symbol.name);
    if (previous) {
      const previousDecl = previous.kind === "quantity" ? previous.firstSet : previous.decl;
      const related = [
        {
          message: "first declared here",
          span: "name" in previousDecl ? (previousDecl as { name: A.Name }).name.span : previousDecl.span,
          file: previous.origin.file === origin.file ? undefined : previous.origin.file,
        },
      ];
      context.report(
        messages.duplicateDeclaration,
        (decl as { name: A.Name }).name.span,
        { name: symbol.name },
        { related },
      );
      return;
    }
    context.values.set(symbol.name, symbol);
  });
}

function valueSymbol(context: CheckContext, decl: A.Declaration, origin: Origin): ValueSymbol | undefined {
  switch (decl.kind) {
    case "InputDecl": {
      const type = decl.fields
        ? context.recordType(decl.name.text, decl.fields)
        : decl.type
          ? context.resolveType(decl.type)
          : ERROR;
      return { kind: "input", name: decl.name.text, decl, origin, type };
    }
    case "ParamDecl":
      return { kind: "param", name: decl.name.text, decl, origin };
    case "LetDecl":
      return { kind: "let", name: decl.name.text, decl, origin };
    case "OutputDecl":
      return { kind: "output", name: decl.name.text, decl, origin };
    case "TiersDecl":
      return { kind: "tiers", name: decl.name.text, decl, origin };
    case "TableDecl":
      return { kind: "table", name: decl.name.text, decl, origin };
    case "ScenariosDecl":
      return { kind: "scenarios", name: decl.name.text, decl, origin };
    default:
      return undefined;
  }
}

/**
 * Types top-level values on first use, remembering the result. A value met again while its own
 * type is being worked out is a cycle.
 */
export class SymbolTyper {
  private readonly inProgress: string[] = [];

  constructor(
    private readonly context: CheckContext,
    private readonly expressions: ExpressionChecker,
  ) {}

  typeOf(symbol: ValueSymbol, useSpan: A.Span): Type {
    const known = this.context.valueTypes.get(symbol.name);
    if (known) return known;
    switch (symbol.kind) {
      case "input":
        return symbol.type;
      case "tiers":
      case "table":
        return { kind: "tiers", name: symbol.name };
      case "scenarios":
        return this.remember(symbol, this.context.scenarioSetType(symbol.decl));
      default:
        break; // parameters, lets, quantities and outputs are typed from their values, below
    }
    const at = this.inProgress.indexOf(symbol.name);
    if (at >= 0) {
      const cycle = [...this.inProgress.slice(at), symbol.name].join(" -> ");
      this.context.report(messages.definitionCycle, useSpan, { name: symbol.name, cycle });
      return this.remember(symbol, ERROR);
    }
    // `withOrigin` without its closure: values are typed all over the checker.
    const saved = this.context.origin;
    this.inProgress.push(symbol.name);
    this.context.origin = symbol.origin;
    let type: Type;
    try {
      type = this.compute(symbol);
    } finally {
      this.context.origin = saved;
      this.inProgress.pop();
    }
    return this.remember(symbol, type);
  }

  private remember(symbol: ValueSymbol, type: Type): Type {
    if (!this.context.valueTypes.has(symbol.name)) this.context.valueTypes.set(symbol.name, type);
    return this.context.valueTypes.get(symbol.name)!;
  }

  private compute(symbol: ValueSymbol): Type {
    const env = TOP_LEVEL;
    switch (symbol.kind) {
      case "param":
        return checkParam(this.context, this.expressions, symbol.decl);
      case "let":
        return this.declared(
          symbol.name,
          symbol.decl.type,
          this.expressions.check(symbol.decl.value, env),
          symbol.decl.value,
        );
      case "output":
        return this.output(symbol.decl);
      case "quantity": {
        // The rules pass reports problems in the `set` expression; here it only gives the type.
        const inferred = this.context.withOrigin({ ...symbol.origin, own: false }, () =>
          this.expressions.check(symbol.firstSet.value, env),
        );
        return symbol.firstSet.type ? this.context.resolveType(symbol.firstSet.type) : inferred;
      }
      default:
        return ERROR;
    }
  }

  /** The declared type when there is one (checked against the value), else the inferred one. */
  declared(name: string, ref: A.TypeRef | undefined, actual: Type, value: A.Expr): Type {
    if (!ref) return actual;
    const expected = this.context.resolveType(ref);
    if (
      expected.kind !== "error" &&
      actual.kind !== "error" &&
      !assignable(expected, actual) &&
      !isZeroLiteral(value)
    )
      this.context.report(messages.declaredTypeMismatch, value.span, {
        name,
        expected: describeType(expected),
        actual: describeType(actual),
      });
    return expected;
  }

  private output(decl: A.OutputDecl): Type {
    const type = this.declared(
      decl.name.text,
      decl.type,
      this.expressions.check(decl.value, TOP_LEVEL),
      decl.value,
    );
    const rounding = decl.rounding;
    // A record literal's own type is declared nowhere: the output's type must name its record.
    if (type.kind === "record" && type.name.startsWith("{")) {
      this.context.report(messages.undeclaredRecordOutput, decl.value.span, {
        name: decl.name.text,
        type:
          decl.name.text.charAt(0).toUpperCase() +
          decl.name.text.slice(1).replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
      });
      return ERROR;
    }
    if (!isOutputType(this.context, type)) {
      this.context.report(messages.outputNotScalar, decl.value.span, {
        name: decl.name.text,
        actual: describeType(type),
      });
      return ERROR;
    }
    if (!rounding || type.kind === "error") return type;
    if (!isNumeric(type)) {
      this.context.report(messages.roundingNonNumeric, rounding.span, {
        name: decl.name.text,
        actual: describeType(type),
      });
      return type;
    }
    const stepType = this.expressions.check(rounding.step, TOP_LEVEL);
    const step = this.context.requireConstant(rounding.step, "a rounding step");
    if (typeof step === "number" && step <= 0)
      this.context.report(messages.nonPositiveRoundingStep, rounding.step.span, { value: String(step) });
    if (
      isNumeric(stepType) &&
      !(isDimensionless(stepType.unit) && !stepType.rate) &&
      !assignable(type, stepType)
    )
      this.context.report(messages.roundingStepMismatch, rounding.step.span, {
        actual: describeType(stepType),
        expected: describeType(type),
      });
    if (/margin/.test(decl.name.text) && rounding.direction !== "up")
      this.context.report(messages.marginRoundsDown, rounding.span, {
        name: decl.name.text,
        direction: rounding.direction === "down" ? "down" : "half-even",
      });
    return type;
  }
}

function checkDeclaration(
  context: CheckContext,
  expressions: ExpressionChecker,
  typer: SymbolTyper,
  decl: A.Declaration,
): void {
  switch (decl.kind) {
    case "RecordDecl":
      return checkFields(context, expressions, decl.fields);
    case "InputDecl":
      return checkFields(context, expressions, decl.fields ?? []);
    case "TiersDecl":
      return checkTiers(context, expressions, decl);
    case "TableDecl":
      return checkKeyedTable(context, expressions, decl);
    case "ScenariosDecl":
      return checkScenarios(context, expressions, decl);
    case "VerifyDecl":
      return checkVerify(context, expressions, (symbol, span) => typer.typeOf(symbol, span), decl);
    case "FnDecl":
      return expressions.functions.checkDeclaration(decl);
    case "AssertDecl": {
      expressions.checkCondition(decl.condition, TOP_LEVEL, "an assertion");
      const value = context.constant(decl.condition);
      if (typeof value === "boolean")
        context.report(messages.assertionConstant, decl.condition.span, {
          what: "assertion",
          value: String(value),
        });
      return;
    }
    case "ParamDecl":
    case "LetDecl":
    case "OutputDecl": {
      const symbol = context.values.get(decl.name.text);
      if (symbol && symbol.kind !== "quantity" && symbol.decl === decl) typer.typeOf(symbol, decl.name.span);
      return;
    }
    default:
      return;
  }
}

function reportUnused(context: CheckContext, ast: A.Rulebook, declarations: SourcedDeclaration[]): void {
  let outputs = 0;
  let inputs = 0;
  context.eachDeclaration(declarations, (decl, origin) => {
    if (decl.kind === "OutputDecl") outputs++;
    if (decl.kind === "InputDecl") inputs++;
    if (!origin.own || context.used.has(declName(decl) ?? "")) return;
    const args = { name: declName(decl) ?? "" };
    const symbol = context.values.get(args.name);
    if (args.name === "" || !symbol || symbol.kind === "quantity" || symbol.decl !== decl) return;
    if (decl.kind === "ParamDecl" && !decl.override)
      context.report(messages.unusedParameter, decl.name.span, args);
    if (decl.kind === "InputDecl") context.report(messages.unusedInput, decl.name.span, args);
    if (decl.kind === "LetDecl") context.report(messages.unusedLet, decl.name.span, args);
  });
  const anchor = ast.header?.name.span ?? { start: 0, end: 0 };
  // A rulebook whose imports failed (reported) may well have its inputs and outputs there.
  const imports = (ast.imports ?? []).length > 0;
  if (outputs === 0 && !imports) context.report(messages.noOutputs, anchor);
  if (inputs === 0 && !imports) context.report(messages.noInputs, anchor);
}

/**
 * Whether a value of this type can be an output (an error type has been reported already): a
 * scalar, or a list or record of outputs (a list of lists is a matrix).
 */
function isOutputType(context: CheckContext, type: Type): boolean {
  if (type.kind === "list") return isOutputType(context, type.element);
  if (type.kind === "record") {
    // Only records of the input schema (declared, or an input's own): they have a shape to show.
    const input = context.values.get(type.name);
    const declared =
      context.typeDecls.get(type.name)?.kind === "RecordDecl" ||
      (input?.kind === "input" && input.decl.fields !== undefined);
    return declared && [...type.fields.values()].every((f) => isOutputType(context, f.type));
  }
  return (
    type.kind === "number" ||
    type.kind === "bool" ||
    type.kind === "text" ||
    type.kind === "enum" ||
    type.kind === "timestamp" ||
    type.kind === "error"
  );
}
