/**
 * The CST visitor that builds the typed AST (`ast.ts`) from the parser's concrete syntax tree.
 *
 * It is total: every CST, including the partial ones error recovery produces, becomes an AST.
 * Missing names get empty text and missing expressions become `MissingExpr`.
 */
import type { CstNode, IToken } from "../../grammar/chevrotain.js";
import type * as C from "../../grammar/cst.js";
import type * as A from "./ast.js";

/** Builds the AST of a whole rulebook. `comments` come from the lexer's comment group. */
export function buildRulebook(
  cst: C.RulebookCstNode,
  comments: IToken[],
  source: string,
  /** The lexer and the parser reported no error: every token of a node's stretch is in the node. */
  clean = false,
): A.Rulebook {
  const outer = currentSource;
  currentSource = clean ? source : undefined;
  try {
    return buildWhole(cst, comments, source);
  } finally {
    currentSource = outer;
  }
}

function buildWhole(cst: C.RulebookCstNode, comments: IToken[], source: string): A.Rulebook {
  const commentNodes: A.Comment[] = comments.map((t) => ({
    text: t.image,
    span: tokenSpan(t),
    doc: t.image.startsWith("///"),
  }));
  const c = cst.children;
  const declarations = (c.declaration ?? [])
    .map(buildDeclaration)
    .filter((d): d is A.Declaration => d !== undefined);
  // Only a `///` comment on a line of its own documents what follows it.
  attachDocComments(
    declarations,
    commentNodes.filter((c) => c.doc && onOwnLine(source, c.span.start)),
  );
  return {
    kind: "Rulebook",
    span: { start: 0, end: source.length },
    header: c.header?.[0] ? buildHeader(c.header[0]) : undefined,
    ...(c.importDecl ? { imports: c.importDecl.map(buildImport) } : {}),
    declarations,
    comments: commentNodes,
  };
}

// ---- spans ----

const NO_SPAN: A.Span = { start: 0, end: 0 };

function tokenSpan(token: IToken | undefined): A.Span {
  if (!token || Number.isNaN(token.startOffset)) return NO_SPAN;
  return { start: token.startOffset, end: (token.endOffset ?? token.startOffset) + 1 };
}

function nodeSpan(node: CstNode | undefined): A.Span {
  const loc = node?.location;
  if (!loc || Number.isNaN(loc.startOffset)) return NO_SPAN;
  return {
    start: loc.startOffset,
    end: (Number.isNaN(loc.endOffset ?? NaN) ? loc.startOffset : loc.endOffset!) + 1,
  };
}

function join(a: A.Span, b: A.Span): A.Span {
  if (a === NO_SPAN) return b;
  if (b === NO_SPAN) return a;
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

function name(token: IToken | undefined): A.Name {
  const missing = !token || token.isInsertedInRecovery || Number.isNaN(token.startOffset);
  return { text: missing ? "" : token.image, span: tokenSpan(token) };
}

// ---- header and declarations ----

function buildHeader(node: C.HeaderCstNode): A.Header {
  const nameToken = node.children.name?.[0];
  return {
    kind: "Header",
    span: nodeSpan(node),
    name: { text: nameToken ? unquote(nameToken.image) : "", span: tokenSpan(nameToken) },
    fields: (node.children.headerField ?? []).flatMap((f) => {
      const key = f.children.key?.[0];
      const value = f.children.value?.[0];
      if (!key || !value) return [];
      return [
        {
          kind: "HeaderField" as const,
          span: nodeSpan(f),
          key: key.image as A.HeaderKey,
          keySpan: tokenSpan(key),
          value: isString(value) ? unquote(value.image) : value.image,
          valueKind: headerValueKind(value),
          valueSpan: tokenSpan(value),
        },
      ];
    }),
  };
}

function buildImport(node: C.ImportDeclCstNode): A.ImportDecl {
  const c = node.children;
  const path = c.path?.[0];
  return {
    kind: "ImportDecl",
    span: nodeSpan(node),
    path: path && !path.isInsertedInRecovery ? unquote(path.image) : "",
    pathSpan: tokenSpan(path),
    ...(c.alias ? { alias: name(c.alias[0]) } : {}),
    names: (c.importName ?? []).map((n) => name(n.children.name?.[0])),
    ...(c.version ? { version: name(c.version[0]) } : {}),
  };
}

function headerValueKind(token: IToken): A.HeaderValueKind {
  switch (token.tokenType.name) {
    case "SemverLiteral":
      return "semver";
    case "NumberLiteral":
      return "number";
    case "StringLiteral":
    case "UnterminatedString":
      return "string";
    case "TimestampLiteral":
      return "timestamp";
    case "TypeName":
      return "type";
    default:
      return "name";
  }
}

function buildDeclaration(node: C.DeclarationCstNode): A.Declaration | undefined {
  const c = node.children;
  if (c.enumDecl) return buildEnum(c.enumDecl[0]!);
  if (c.recordDecl) return buildRecord(c.recordDecl[0]!);
  if (c.inputDecl) return buildInput(c.inputDecl[0]!);
  if (c.paramDecl) return buildParam(c.paramDecl[0]!);
  if (c.overrideDecl) return buildOverride(c.overrideDecl[0]!);
  if (c.tiersDecl) return buildTiers(c.tiersDecl[0]!);
  if (c.tableDecl) return buildTable(c.tableDecl[0]!);
  if (c.letDecl) return buildLet(c.letDecl[0]!);
  if (c.ruleDecl) return buildRule(c.ruleDecl[0]!);
  if (c.outputDecl) return buildOutput(c.outputDecl[0]!);
  if (c.assertDecl) return buildAssert(c.assertDecl[0]!);
  if (c.scenariosDecl) return buildScenarios(c.scenariosDecl[0]!);
  if (c.verifyDecl) return buildVerify(c.verifyDecl[0]!);
  if (c.fnDecl) return buildFn(c.fnDecl[0]!);
  return undefined;
}

function buildEnum(node: C.EnumDeclCstNode): A.EnumDecl {
  return {
    kind: "EnumDecl",
    span: nodeSpan(node),
    name: name(node.children.name?.[0]),
    members: (node.children.member ?? []).map(memberName),
  };
}

/** An enum member as written (`long`, `BTCUSDT`, `` `2026-03` ``), without its backquotes. */
function memberName(node: C.MemberNameCstNode | undefined): A.Name {
  const token = node?.children.name?.[0];
  const result = name(token);
  if (token?.tokenType.name === "QuotedName") result.text = result.text.slice(1, -1);
  return result;
}

function buildRecord(node: C.RecordDeclCstNode): A.RecordDecl {
  return {
    kind: "RecordDecl",
    span: nodeSpan(node),
    name: name(node.children.name?.[0]),
    fields: buildFields(node.children.fieldList?.[0]),
  };
}

function buildFields(node: C.FieldListCstNode | undefined): A.FieldDecl[] {
  return (node?.children.field ?? []).map((f) => ({
    kind: "FieldDecl" as const,
    span: nodeSpan(f),
    name: name(f.children.name?.[0]),
    type: buildTypeRef(f.children.typeRef?.[0]),
    domain: (f.children.domainBound ?? []).map(buildDomainBound),
    default: f.children.default ? buildExpression(f.children.default[0]) : undefined,
  }));
}

function buildDomainBound(node: C.DomainBoundCstNode): A.DomainBound {
  return {
    span: nodeSpan(node),
    op: (node.children.op?.[0]?.image ?? ">") as A.DomainOperator,
    bound: buildAdditive(node.children.bound?.[0]),
  };
}

function buildInput(node: C.InputDeclCstNode): A.InputDecl {
  const c = node.children;
  return {
    kind: "InputDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    type: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
    fields: c.fieldList ? buildFields(c.fieldList[0]) : undefined,
  };
}

function buildParam(node: C.ParamDeclCstNode, override?: A.Span): A.ParamDecl {
  const c = node.children;
  return {
    kind: "ParamDecl",
    span: override ? join(override, nodeSpan(node)) : nodeSpan(node),
    name: name(c.name?.[0]),
    type: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
    domain: (c.domainBound ?? []).map(buildDomainBound),
    value: buildExpression(c.value?.[0]),
    override,
  };
}

function buildOverride(node: C.OverrideDeclCstNode): A.ParamDecl | A.TiersDecl | undefined {
  const overrideSpan = tokenSpan(node.children.KwOverride?.[0]);
  const tiers = node.children.tiersDecl?.[0];
  if (tiers) return buildTiers(tiers, overrideSpan);
  const param = node.children.paramDecl?.[0];
  return param ? buildParam(param, overrideSpan) : undefined;
}

function buildTiers(node: C.TiersDeclCstNode, override?: A.Span): A.TiersDecl {
  const c = node.children;
  const modeToken = c.mode?.[0];
  return {
    kind: "TiersDecl",
    span: override ? join(override, nodeSpan(node)) : nodeSpan(node),
    name: name(c.name?.[0]),
    keyName: name(c.keyName?.[0]),
    keyType: buildTypeRef(c.typeRef?.[0]),
    mode: modeToken && !modeToken.isInsertedInRecovery ? (modeToken.image as A.TierMode) : undefined,
    modeSpan: modeToken ? tokenSpan(modeToken) : undefined,
    columns: (c.tierColumns?.[0]?.children.tierColumn ?? []).map(buildTierColumn),
    limitSpan: c.limit?.[0] ? tokenSpan(c.limit[0]) : undefined,
    ...tierRowsAndGroups(c),
    override,
  };
}

/** The rows of a tier table, or, for a family, the rows before the first label and the groups. */
function tierRowsAndGroups(c: C.TiersDeclCstChildren): Pick<A.TiersDecl, "rows" | "family" | "groups"> {
  const rows = (c.tierRow ?? []).map((row) => ({
    offset: row.location?.startOffset ?? 0,
    row: buildTierRow(row),
  }));
  const familyNode = c.family?.[0];
  if (!familyNode) return { rows: rows.map((r) => r.row) };
  const labels = (c.tableKeyLabel ?? []).map((label) => ({
    offset: label.location?.startOffset ?? 0,
    span: nodeSpan(label),
    key: buildKeyLabel(label),
  }));
  const groups: A.TierGroup[] = labels.map((label, i) => {
    const next = labels[i + 1]?.offset ?? Infinity;
    const own = rows.filter((r) => r.offset > label.offset && r.offset < next).map((r) => r.row);
    const end = own.length ? own[own.length - 1]!.span : label.span;
    return { span: join(label.span, end), key: label.key, rows: own };
  });
  const first = labels[0]?.offset ?? Infinity;
  return {
    rows: rows.filter((r) => r.offset < first).map((r) => r.row),
    family: buildKeyField(familyNode),
    groups,
  };
}

function buildTierColumn(col: C.TierColumnCstNode): A.TierColumn {
  const start = col.children.start?.[0];
  return {
    span: nodeSpan(col),
    name: name(col.children.name?.[0]),
    type: buildTypeRef(col.children.typeRef?.[0]),
    ...(start ? { start: buildCellExpr(start) } : {}),
  };
}

function buildKeyField(node: C.TableKeyFieldCstNode): A.TableKeyField {
  return {
    span: nodeSpan(node),
    name: name(node.children.name?.[0]),
    type: buildTypeRef(node.children.typeRef?.[0]),
  };
}

function buildKeyLabel(node: C.TableKeyLabelCstNode): A.TableKeyValue[] {
  return (node.children.key ?? []).map((key): A.TableKeyValue => {
    const token = key.children.value?.[0];
    const span = nodeSpan(key);
    if (!token || token.isInsertedInRecovery) return { span, text: "", kind: "name", value: "" };
    switch (token.tokenType.name) {
      case "StringLiteral":
        return { span, text: unquote(token.image), kind: "string", value: unquote(token.image) };
      case "NumberLiteral": {
        const magnitude = parseDecimal(token.image, 0);
        const value = key.children.minus ? -magnitude : magnitude;
        return { span, text: sourceTextOf(key), kind: "number", value };
      }
      case "QuotedName":
        return { span, text: token.image.slice(1, -1), kind: "name", value: token.image.slice(1, -1) };
      default:
        return { span, text: token.image, kind: "name", value: token.image };
    }
  });
}

function buildTable(node: C.TableDeclCstNode): A.TableDecl {
  const c = node.children;
  return {
    kind: "TableDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    keys: (c.key ?? []).map(buildKeyField),
    columns: (c.tierColumns?.[0]?.children.tierColumn ?? []).map(buildTierColumn),
    rows: (c.tableRow ?? []).map((row): A.TableRow => {
      const label = row.children.label?.[0];
      const key = label ? buildKeyLabel(label) : [];
      const isDefault = key.length === 1 && key[0]!.kind === "name" && key[0]!.text === "default";
      return {
        span: nodeSpan(row),
        key: isDefault ? [] : key,
        keySpan: nodeSpan(label),
        isDefault,
        cells: (row.children.cell ?? []).map(buildCellExpr),
      };
    }),
  };
}

/** A table cell: the same expression nodes as anywhere else. */
function buildCellExpr(node: C.CellExprCstNode): A.Expr {
  return foldBinary(node.children.operand?.map(buildCellUnary) ?? [], node.children.operator ?? []);
}

function buildCellUnary(node: C.CellUnaryCstNode): A.Expr {
  const c = node.children;
  const span = nodeSpan(node);
  const operator = c.operator?.[0];
  if (operator) {
    const inner = c.operand?.[0] ? buildCellUnary(c.operand[0]) : missing();
    return {
      kind: "UnaryExpr",
      span: join(tokenSpan(operator), inner.span),
      op: operator.image as A.UnaryOperator,
      operand: inner,
    };
  }
  if (c.digits) return buildNumberLiteral(c);
  if (c.StringLiteral) return { kind: "StringLit", span, value: unquote(c.StringLiteral[0]!.image) };
  if (c.KwTrue) return { kind: "BoolLit", span, value: true };
  if (c.KwFalse) return { kind: "BoolLit", span, value: false };
  if (c.enumName)
    return { kind: "EnumRef", span, enumName: name(c.enumName[0]), member: memberName(c.enumMember?.[0]) };
  if (c.Identifier) {
    const token = c.Identifier[0]!;
    if (token.isInsertedInRecovery) return missing(span);
    const ref: A.NameRef = { kind: "NameRef", span: tokenSpan(token), name: token.image };
    return c.callArguments ? buildCall(ref, c.callArguments[0]!) : ref;
  }
  if (c.inner) return buildExpression(c.inner[0]);
  return missing(span);
}

function buildTierRow(node: C.TierRowCstNode): A.TierRow {
  const c = node.children;
  return {
    span: nodeSpan(node),
    lower: buildTierBound(c.lower?.[0]),
    upper: buildTierBound(c.upper?.[0]),
    lowerInclusive: c.open?.[0]?.image === "[",
    upperInclusive: c.close?.[0]?.image === "]",
    cells: (c.tierCell ?? []).map(buildTierCell),
  };
}

/** A literal cell keeps its value as read; anything else is an expression for the checker to fold. */
function buildTierCell(cell: C.TierCellCstNode): A.TierCell {
  const operands = cell.children.operand;
  const expr = operands
    ? foldBinary(operands.map(buildCellUnary), cell.children.operator ?? [])
    : missing(nodeSpan(cell));
  const literal =
    expr.kind === "UnaryExpr" && expr.op === "-" && expr.operand.kind === "NumberLit" && !expr.operand.unit
      ? { value: -expr.operand.value, suffix: expr.operand.suffix }
      : expr.kind === "NumberLit" && !expr.unit
        ? { value: expr.value, suffix: expr.suffix }
        : undefined;
  const text = sourceTextOf(cell);
  if (literal) return { span: nodeSpan(cell), value: literal.value, text, suffix: literal.suffix };
  return { span: nodeSpan(cell), value: NaN, text, expr };
}

function buildTierBound(node: C.TierBoundCstNode | undefined): A.TierBound {
  if (!node) return { span: NO_SPAN, value: NaN, text: "" };
  const c = node.children;
  if (c.KwInf) return { span: nodeSpan(node), value: Infinity, text: "inf" };
  const magnitude = parseDecimal(c.NumberLiteral?.[0]?.image ?? "NaN", 0);
  return { span: nodeSpan(node), value: c.Minus ? -magnitude : magnitude, text: sourceTextOf(node) };
}

function buildFn(node: C.FnDeclCstNode): A.FnDecl {
  const c = node.children;
  return {
    kind: "FnDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    params: buildFnParams(c.fnParams?.[0]),
    returnType: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
    value: buildExpression(c.value?.[0]),
  };
}

function buildFnParams(node: C.FnParamsCstNode | undefined): A.FnParam[] {
  return (node?.children.fnParam ?? []).map((p) => ({
    span: nodeSpan(p),
    name: name(p.children.name?.[0]),
    type: p.children.typeRef ? buildTypeRef(p.children.typeRef[0]) : undefined,
  }));
}

function buildBinding(node: C.LocalBindingCstNode): A.LocalBinding {
  return {
    span: nodeSpan(node),
    name: name(node.children.name?.[0]),
    value: buildExpression(node.children.value?.[0]),
  };
}

function buildLet(node: C.LetDeclCstNode): A.LetDecl | A.FnDecl {
  const c = node.children;
  if (c.fnParams)
    return {
      kind: "FnDecl",
      span: nodeSpan(node),
      name: name(c.name?.[0]),
      params: buildFnParams(c.fnParams[0]),
      returnType: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
      value: buildExpression(c.value?.[0]),
      letSpan: join(tokenSpan(c.KwLet?.[0]), nodeSpan(c.fnParams[0])),
    };
  return {
    kind: "LetDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    type: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
    value: buildExpression(c.value?.[0]),
  };
}

function buildRule(node: C.RuleDeclCstNode): A.RuleDecl {
  const c = node.children;
  return {
    kind: "RuleDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    condition: c.condition ? buildExpression(c.condition[0]) : undefined,
    steps: (c.step ?? []).map(buildStep),
    ...(c.binding
      ? {
          bindings: c.binding.map((b) => ({
            ...buildBinding(b),
            after: (c.step ?? []).filter((s) => nodeSpan(s).start < nodeSpan(b).start).length,
          })),
        }
      : {}),
  };
}

function buildStep(node: C.StepCstNode): A.Step {
  const c = node.children;
  const verb = c.verb?.[0];
  return {
    kind: "Step",
    span: nodeSpan(node),
    verb: (verb?.image ?? "set") as A.StepVerb,
    verbSpan: tokenSpan(verb),
    target: name(c.target?.[0]),
    type: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
    value: buildExpression(c.value?.[0]),
    condition: c.condition ? buildExpression(c.condition[0]) : undefined,
  };
}

function buildOutput(node: C.OutputDeclCstNode): A.OutputDecl {
  const c = node.children;
  const rounding = c.rounding?.[0];
  return {
    kind: "OutputDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    type: c.typeRef ? buildTypeRef(c.typeRef[0]) : undefined,
    value: buildExpression(c.value?.[0]),
    rounding: rounding
      ? {
          span: nodeSpan(rounding),
          direction: (rounding.children.direction?.[0]?.image ?? "up") as A.RoundingDirection,
          step: buildAdditive(rounding.children.step?.[0]),
        }
      : undefined,
  };
}

function buildAssert(node: C.AssertDeclCstNode): A.AssertDecl {
  const message = node.children.message?.[0];
  return {
    kind: "AssertDecl",
    span: nodeSpan(node),
    condition: buildExpression(node.children.condition?.[0]),
    message: message ? unquote(message.image) : undefined,
  };
}

function buildVerify(node: C.VerifyDeclCstNode): A.VerifyDecl {
  const c = node.children;
  const message = c.message?.[0];
  const property = c.property?.[0];
  return {
    kind: "VerifyDecl",
    span: nodeSpan(node),
    property: property ? (property.image as A.VerifyProperty) : "invariant",
    propertySpan: property ? tokenSpan(property) : undefined,
    condition: property ? undefined : buildExpression(c.condition?.[0]),
    targets: (c.target ?? []).map(name),
    variable: c.variable?.[0]
      ? buildPostfix(c.variable[0])
      : c.KwIn
        ? missing(tokenSpan(c.KwIn[0]))
        : undefined,
    message: message ? unquote(message.image) : undefined,
  };
}

function buildScenarios(node: C.ScenariosDeclCstNode): A.ScenariosDecl {
  const c = node.children;
  const statements: A.ScenarioStatement[] = [
    ...(c.gridStmt ?? []).map((g): A.ScenarioStatement => ({
      kind: "GridStatement",
      span: nodeSpan(g),
      axes: (g.children.gridAxis ?? []).map((axis) => ({
        axis: name(axis.children.axis?.[0]),
        values: (axis.children.gridValue ?? []).map((v) => ({
          span: nodeSpan(v),
          from: buildExpression(v.children.from?.[0]),
          to: v.children.to ? buildExpression(v.children.to[0]) : undefined,
          step: v.children.step ? buildExpression(v.children.step[0]) : undefined,
        })),
      })),
      weight: g.children.weight ? buildExpression(g.children.weight[0]) : undefined,
    })),
    ...(c.namedScenario ?? []).map((s): A.ScenarioStatement => {
      const axes = s.children.axis ?? [];
      const values = s.children.value ?? [];
      const nameToken = s.children.name?.[0];
      return {
        kind: "NamedScenario",
        span: nodeSpan(s),
        name: { text: nameToken ? unquote(nameToken.image) : "", span: tokenSpan(nameToken) },
        values: axes.map((axis, i) => ({ axis: name(axis), value: buildAdditive(values[i]) })),
        weight: s.children.weight ? buildExpression(s.children.weight[0]) : undefined,
      };
    }),
  ].sort((a, b) => a.span.start - b.span.start);
  return {
    kind: "ScenariosDecl",
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    axes: (c.scenarioAxis ?? []).map((axis) => ({
      span: nodeSpan(axis),
      name: name(axis.children.name?.[0]),
      type: buildTypeRef(axis.children.typeRef?.[0]),
    })),
    statements,
  };
}

// ---- types ----

function buildTypeRef(node: C.TypeRefCstNode | undefined): A.TypeRef {
  if (!node) return { kind: "TypeRef", span: NO_SPAN, factors: [] };
  const c = node.children;
  const factors: A.TypeFactor[] = [];
  if (c.first?.[0]) factors.push(buildTypeAtom(c.first[0], 1));
  (c.rest ?? []).forEach((atom, i) => factors.push(buildTypeAtom(atom, c.op?.[i]?.image === "/" ? -1 : 1)));
  return { kind: "TypeRef", span: nodeSpan(node), factors };
}

function buildTypeAtom(node: C.TypeAtomCstNode, sign: number): A.TypeFactor {
  const c = node.children;
  const exponentToken = c.exponent?.[0];
  const exponent = exponentToken ? Number(exponentToken.image) * (c.Minus ? -1 : 1) : 1;
  return {
    span: nodeSpan(node),
    name: name(c.name?.[0]),
    argument: c.argument ? buildTypeRef(c.argument[0]) : undefined,
    ...(c.valueArgument ? { valueArgument: name(c.valueArgument[0]) } : {}),
    exponent: sign * exponent,
  };
}

// ---- expressions ----

/**
 * An expression node holds its operands and every operator in source order (grammar/parser.ts); a
 * `not` is always a prefix and every other operator infix, so the order alone says which is which.
 * Precedence, loosest first: `or`, `and`, `not`, comparison (one at most).
 */
function buildExpression(node: C.ExpressionCstNode | undefined): A.Expr {
  if (!node) return missing();
  const operands = node.children.operand ?? [];
  const operators = node.children.operator;
  if (!operators) return buildAdditive(operands[0]);
  const at: Cursor = { operator: 0, operand: 0 };
  let or: A.Expr | undefined;
  let orOperator: IToken | undefined;
  let and = buildConjunct(operators, operands, at);
  while (at.operator < operators.length) {
    const op = operators[at.operator++]!;
    const next = buildConjunct(operators, operands, at);
    if (op.image === "and") and = binary(and, op, next);
    else {
      or = or ? binary(or, orOperator, and) : and;
      orOperator = op;
      and = next;
    }
  }
  return or ? binary(or, orOperator, and) : and;
}

/** Where {@link buildExpression} is in its node's operators and operands. */
interface Cursor {
  operator: number;
  operand: number;
}

/** `not`s, an operand, and a comparison with a second operand if one follows. */
function buildConjunct(operators: IToken[], operands: C.AdditiveCstNode[], at: Cursor): A.Expr {
  const first = at.operator;
  while (operators[at.operator]?.tokenType.name === "KwNot") at.operator++;
  const nots = at.operator;
  let result = buildAdditive(operands[at.operand++]);
  const op = operators[at.operator];
  if (op && COMPARISONS.has(op.image)) {
    at.operator++;
    result = binary(result, op, buildAdditive(operands[at.operand++]));
  }
  for (let k = nots - 1; k >= first; k--) result = unary(operators[k]!, result);
  return result;
}

const COMPARISONS = new Set(["<", "<=", ">", ">=", "==", "!="]);

/**
 * Arithmetic: operands with the signs before each (matched by offset) and `+ - * /` between them,
 * in source order. Precedence, loosest first: `+ -`, `* /`, sign; all left-associative.
 */
function buildAdditive(node: C.AdditiveCstNode | undefined): A.Expr {
  if (!node) return missing();
  const c = node.children;
  const operands = c.operand ?? [];
  const signs = c.sign;
  const operators = c.operator ?? [];
  if (!signs && operators.length === 0) return buildOperand(operands[0]);
  const at: Cursor = { operator: 0, operand: 0 };
  let sum: A.Expr | undefined;
  let sumOperator: IToken | undefined;
  let product = buildSigned(operands[0], signs, at);
  for (let k = 0; k < operators.length; k++) {
    const op = operators[k]!;
    const right = buildSigned(operands[k + 1], signs, at);
    if (op.image === "*" || op.image === "/") product = binary(product, op, right);
    else {
      sum = sum ? binary(sum, sumOperator, product) : product;
      sumOperator = op;
      product = right;
    }
  }
  return sum ? binary(sum, sumOperator, product) : product;
}

/** An operand with the signs before it: those of `signs`, from `at.operator`, that start before it. */
function buildSigned(operand: C.PostfixCstNode | undefined, signs: IToken[] | undefined, at: Cursor): A.Expr {
  let result = buildOperand(operand);
  if (!signs) return result;
  const start = operand?.location?.startOffset;
  const before = start === undefined || Number.isNaN(start) ? Infinity : start;
  const first = at.operator;
  while (at.operator < signs.length && signs[at.operator]!.startOffset < before) at.operator++;
  for (let x = at.operator - 1; x >= first; x--) result = unary(signs[x]!, result);
  return result;
}

function buildOperand(node: C.PostfixCstNode | undefined): A.Expr {
  return node ? buildPostfix(node) : missing();
}

function binary(left: A.Expr, op: IToken | undefined, right: A.Expr): A.BinaryExpr {
  return {
    kind: "BinaryExpr",
    span: join(left.span, right.span),
    op: (op?.image ?? "+") as A.BinaryOperator,
    opSpan: tokenSpan(op),
    left,
    right,
  };
}

function unary(op: IToken, operand: A.Expr): A.UnaryExpr {
  return {
    kind: "UnaryExpr",
    span: join(tokenSpan(op), operand.span),
    op: op.image as A.UnaryOperator,
    operand,
  };
}

function foldBinary(operands: A.Expr[], operators: IToken[]): A.Expr {
  if (operands.length === 0) return missing();
  let result = operands[0]!;
  for (let i = 1; i < operands.length; i++) result = binary(result, operators[i - 1], operands[i]!);
  return result;
}

function buildPostfix(node: C.PostfixCstNode): A.Expr {
  const c = node.children;
  let result = buildPrimary(c);
  // Without suffixes (most operands), nothing to order.
  if (!c.member && !c.callArguments && !c.LBracket) return result;
  // Only `.member`s (`position.size`): in order already.
  if (!c.callArguments && !c.LBracket) {
    for (const member of c.member!) result = memberExpr(result, member);
    return result;
  }
  // The suffixes (`.member`, `(args)`, `[index]`) come back from the CST grouped by kind; put them
  // back in source order.
  const suffixes: { offset: number; apply: (object: A.Expr) => A.Expr }[] = [];
  (c.member ?? []).forEach((member) =>
    suffixes.push({
      offset: member.startOffset,
      apply: (object) => memberExpr(object, member),
    }),
  );
  (c.callArguments ?? []).forEach((call) =>
    suffixes.push({ offset: call.location?.startOffset ?? 0, apply: (callee) => buildCall(callee, call) }),
  );
  (c.LBracket ?? []).forEach((open, i) => {
    const close = c.RBracket?.[i];
    const end = close && !close.isInsertedInRecovery ? close.startOffset : Infinity;
    const inside = (c.index ?? []).filter((e) => {
      const at = e.location?.startOffset ?? -1;
      return at > open.startOffset && at < end;
    });
    const [first, ...more] = inside.map((e) => buildExpression(e));
    suffixes.push({
      offset: open.startOffset,
      apply: (object) => ({
        kind: "IndexExpr",
        span: join(object.span, tokenSpan(close)),
        object,
        index: first ?? missing(),
        ...(more.length ? { more } : {}),
      }),
    });
  });
  suffixes.sort((a, b) => a.offset - b.offset);
  for (const suffix of suffixes) result = suffix.apply(result);
  return result;
}

function memberExpr(object: A.Expr, member: IToken): A.MemberExpr {
  return { kind: "MemberExpr", span: join(object.span, tokenSpan(member)), object, member: name(member) };
}

function buildCall(callee: A.Expr, node: C.CallArgumentsCstNode): A.CallExpr {
  const c = node.children;
  const comprehension = c.comprehension?.[0];
  const args: A.Expr[] = [];
  const options: A.CallOption[] = [];
  // An option's name ends just before its value: pair each `name:` with the argument after it.
  const names = [...(c.optionName ?? [])];
  for (const arg of c.argument ?? []) {
    const value = buildExpression(arg);
    const at = arg.location?.startOffset ?? 0;
    const label = names[0]?.children.name?.[0];
    if (label && label.startOffset < at) {
      names.shift();
      const optionName = name(label);
      options.push({ span: join(optionName.span, value.span), name: optionName, value });
    } else args.push(value);
  }
  return {
    kind: "CallExpr",
    span: join(callee.span, nodeSpan(node)),
    callee,
    args,
    comprehension: comprehension ? buildComprehension(comprehension) : undefined,
    ...(options.length ? { options } : {}),
  };
}

function buildComprehension(node: C.ComprehensionCstNode): A.Comprehension {
  const c = node.children;
  return {
    span: nodeSpan(node),
    variable: name(c.variable?.[0]),
    ...(c.indexVariable ? { indexVariable: name(c.indexVariable[0]) } : {}),
    source: buildExpression(c.source?.[0]),
    filter: c.filter ? buildExpression(c.filter[0]) : undefined,
    groupKey: c.groupKey ? buildExpression(c.groupKey[0]) : undefined,
    fallback: c.fallback ? buildExpression(c.fallback[0]) : undefined,
    ...(c.binding ? { bindings: c.binding.map(buildBinding) } : {}),
    ...(c.accumulator ? { accumulator: name(c.accumulator[0]), init: buildExpression(c.init?.[0]) } : {}),
  };
}

/**
 * The operand itself, before its suffixes: the first part of a `postfix` node. Its span is that of
 * its one token or node (an enum member: from the type name to the member).
 */
function buildPrimary(c: C.PostfixCstChildren): A.Expr {
  if (c.digits) return buildNumberLiteral(c);
  if (c.Identifier) {
    const token = c.Identifier[0]!;
    if (token.isInsertedInRecovery) return missing(tokenSpan(token));
    return { kind: "NameRef", span: tokenSpan(token), name: token.image };
  }
  if (c.DurationLiteral) {
    const token = c.DurationLiteral[0]!;
    return {
      kind: "DurationLit",
      span: tokenSpan(token),
      seconds: durationSeconds(token.image),
      text: token.image,
    };
  }
  if (c.TimestampLiteral) {
    const token = c.TimestampLiteral[0]!;
    return { kind: "TimestampLit", span: tokenSpan(token), text: token.image };
  }
  if (c.StringLiteral) {
    const token = c.StringLiteral[0]!;
    return { kind: "StringLit", span: tokenSpan(token), value: unquote(token.image) };
  }
  if (c.KwTrue) return { kind: "BoolLit", span: tokenSpan(c.KwTrue[0]), value: true };
  if (c.KwFalse) return { kind: "BoolLit", span: tokenSpan(c.KwFalse[0]), value: false };
  if (c.enumName && !c.enumDot)
    return { kind: "NameRef", span: tokenSpan(c.enumName[0]), name: c.enumName[0]!.image };
  if (c.enumName) {
    const member = c.enumMember?.[0];
    return {
      kind: "EnumRef",
      span: join(join(tokenSpan(c.enumName[0]), tokenSpan(c.enumDot?.[0])), nodeSpan(member)),
      enumName: name(c.enumName[0]),
      member: memberName(member),
    };
  }
  if (c.recordExpr) {
    const node = c.recordExpr[0]!;
    const names = node.children.field ?? [];
    const values = node.children.value ?? [];
    return {
      kind: "RecordExpr",
      span: nodeSpan(node),
      fields: names.map((token, i) => ({ name: name(token), value: buildExpression(values[i]) })),
    };
  }
  if (c.parenthesisedExpr) {
    const node = c.parenthesisedExpr[0]!;
    const inner = node.children.inner ?? [];
    if (inner.length > 1)
      return {
        kind: "ListExpr",
        span: nodeSpan(node),
        items: inner.map((e) => buildExpression(e)),
        tuple: true,
      };
    return buildExpression(inner[0]);
  }
  if (c.letExpr) {
    const node = c.letExpr[0]!;
    const l = node.children;
    const names = l.name ?? [];
    return {
      kind: "LetExpr",
      span: nodeSpan(node),
      bindings: names.map((n, i) => ({
        span: join(tokenSpan(n), nodeSpan(l.value?.[i])),
        name: name(n),
        value: buildExpression(l.value?.[i]),
      })),
      body: buildExpression(l.body?.[0]),
    };
  }
  if (c.listExpr) {
    const node = c.listExpr[0]!;
    const comprehension = node.children.comprehension?.[0];
    return {
      kind: "ListExpr",
      span: nodeSpan(node),
      items: (node.children.item ?? []).map(buildExpression),
      ...(comprehension ? { comprehension: buildComprehension(comprehension) } : {}),
    };
  }
  if (c.ifExpr) {
    const node = c.ifExpr[0]!;
    const i = node.children;
    return {
      kind: "IfExpr",
      span: nodeSpan(node),
      condition: buildExpression(i.condition?.[0]),
      then: buildExpression(i.then?.[0]),
      else: buildExpression(i.else?.[0]),
    };
  }
  return missing();
}

/** The digits of a number, with its suffix or unit (the grammar writes a number out in each rule using one). */
interface NumberParts {
  digits?: IToken[];
  suffix?: IToken[];
  unit?: C.TypeRefCstNode[];
}

function buildNumberLiteral(c: NumberParts): A.NumberLit {
  const digitsToken = c.digits?.[0];
  const digits = digitsToken?.image ?? "0";
  const suffixToken = c.suffix?.[0];
  const suffix = suffixToken?.image as "%" | "bps" | undefined;
  const unit = c.unit?.[0];
  return {
    kind: "NumberLit",
    span: join(join(tokenSpan(digitsToken), tokenSpan(suffixToken)), nodeSpan(unit)),
    value: parseDecimal(digits, suffix === "%" ? -2 : suffix === "bps" ? -4 : 0),
    text: digits,
    suffix,
    unit: unit ? buildTypeRef(unit) : undefined,
  };
}

function missing(span: A.Span = NO_SPAN): A.MissingExpr {
  return { kind: "MissingExpr", span };
}

// ---- literals ----

/**
 * Parses a decimal literal (underscores allowed) shifted by `shift` powers of ten, rounding once:
 * `0.80%` is read as the decimal 0.80e-2, so it is exactly the double nearest 0.008.
 */
export function parseDecimal(text: string, shift: number): number {
  const clean = text.includes("_") ? text.replace(/_/g, "") : text;
  // Digits with at most one point: `Number` reads them, shifted by an exponent, to the same double.
  if (PLAIN_DECIMAL.test(clean)) return Number(shift === 0 ? clean : `${clean}e${shift}`);
  const match = /^(\d*\.?\d*)(?:[eE]([+-]?\d+))?$/.exec(clean);
  if (!match || match[1] === "") return NaN;
  const exponent = Number(match[2] ?? 0) + shift;
  return Number(`${match[1]}e${exponent}`);
}

const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

const SECONDS_PER: Record<string, number> = { s: 1, min: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** `30d` is 2,592,000 seconds; a year is 365 days. */
export function durationSeconds(text: string): number {
  const match = /^([\d_.]+)(min|y|w|d|h|s)$/.exec(text);
  if (!match) return NaN;
  return parseDecimal(match[1]!, 0) * SECONDS_PER[match[2]!]!;
}

function isString(token: IToken): boolean {
  return token.tokenType.name === "StringLiteral" || token.tokenType.name === "UnterminatedString";
}

/** The text of a string literal; an unterminated one (already reported) has no closing quote. */
function unquote(image: string): string {
  const body = image.length >= 2 && image.endsWith('"') ? image.slice(1, -1) : image.slice(1);
  return body.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch === "t" ? "\t" : ch));
}

/**
 * For offsets asked in increasing order, the first declaration (in `declarations` order) whose span
 * holds the offset strictly inside, or undefined. Declarations in source order that do not overlap
 * (what the parser makes) are walked once; otherwise each question searches them all.
 */
function declarationContaining(
  declarations: readonly A.Declaration[],
): (offset: number) => A.Declaration | undefined {
  const search = (offset: number) => declarations.find((d) => d.span.start < offset && offset < d.span.end);
  const ordered = declarations.every(
    (d, i) => d.span.start <= d.span.end && (i === 0 || declarations[i - 1]!.span.end <= d.span.start),
  );
  if (!ordered) return search;
  let next = 0;
  let last = -Infinity;
  return (offset) => {
    if (offset < last) return search(offset);
    last = offset;
    while (next < declarations.length && declarations[next]!.span.end <= offset) next++;
    const d = declarations[next];
    return d && d.span.start < offset && offset < d.span.end ? d : undefined;
  };
}

/**
 * The source of the rulebook being built, when it parsed without errors (for {@link sourceTextOf});
 * set by {@link buildRulebook}.
 */
let currentSource: string | undefined;

/**
 * The text of a node's tokens, joined without what separates them (`[ 0 , 1 )` reads `[0,1)`).
 * When the file parsed cleanly and the node's own stretch of source holds no space and no comment,
 * that stretch is the answer (the common case: `0.80%`, `50_000`); otherwise its tokens are joined
 * in order (after error recovery, a stretch may hold tokens the node skipped).
 */
function sourceTextOf(node: CstNode): string {
  const loc = node.location;
  if (
    currentSource !== undefined &&
    loc &&
    !Number.isNaN(loc.startOffset) &&
    !Number.isNaN(loc.endOffset ?? NaN)
  ) {
    const text = currentSource.slice(loc.startOffset, loc.endOffset! + 1);
    if (!/[\s/]/.test(text)) return text;
  }
  const parts: { offset: number; image: string }[] = [];
  const visit = (n: CstNode): void => {
    for (const children of Object.values(n.children)) {
      for (const child of children) {
        if ("image" in child) parts.push({ offset: child.startOffset, image: child.image });
        else visit(child);
      }
    }
  };
  visit(node);
  return parts
    .sort((a, b) => a.offset - b.offset)
    .map((p) => p.image)
    .join("");
}

function onOwnLine(source: string, offset: number): boolean {
  const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
  return source.slice(lineStart, offset).trim() === "";
}

/**
 * Attaches each run of `///` comments to the declaration or record field that starts right after
 * it. A doc comment with anything else in between (inside an expression, say) documents nothing.
 */
function attachDocComments(declarations: A.Declaration[], comments: readonly A.Comment[]): void {
  /** Something a doc comment can document, and the declaration it sits in (for record fields). */
  interface Target {
    node: { span: A.Span; doc?: string };
    container?: A.Declaration;
  }
  const targets: Target[] = [];
  for (const declaration of declarations) {
    targets.push({ node: declaration });
    const fields =
      declaration.kind === "RecordDecl"
        ? declaration.fields
        : declaration.kind === "InputDecl"
          ? (declaration.fields ?? [])
          : [];
    for (const field of fields) targets.push({ node: field, container: declaration });
  }
  targets.sort((a, b) => a.node.span.start - b.node.span.start);
  const containerOf = declarationContaining(declarations);
  let t = 0;
  let lines: string[] = [];
  comments.forEach((doc, i) => {
    const before = t;
    while (t < targets.length && targets[t]!.node.span.start < doc.span.start) t++;
    // Something started since the previous doc comment: this one begins a new run.
    if (t !== before) lines = [];
    const target = targets[t];
    // A doc comment documents the next target of its own block: one inside a rule or a tier table
    // documents nothing, and certainly not the declaration after that block.
    const container = containerOf(doc.span.start);
    if (!target || target.container !== container) {
      lines = [];
      return;
    }
    lines.push(doc.text.replace(/^\/\/\/ ?/, ""));
    const next = comments[i + 1];
    if (!next || next.span.start > target.node.span.start) {
      target.node.doc = lines.join("\n");
      lines = [];
    }
  });
}
