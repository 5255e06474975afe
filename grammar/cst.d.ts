// Generated from grammar/parser.ts by grammar/generate-cst-dts.ts. Do not edit.
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface RulebookCstNode extends CstNode {
  name: "rulebook";
  children: RulebookCstChildren;
}

export type RulebookCstChildren = {
  header?: HeaderCstNode[];
  importDecl?: ImportDeclCstNode[];
  declaration?: DeclarationCstNode[];
};

export interface ImportDeclCstNode extends CstNode {
  name: "importDecl";
  children: ImportDeclCstChildren;
}

export type ImportDeclCstChildren = {
  KwImport: IToken[];
  path?: (IToken)[];
  KwAs?: IToken[];
  alias?: IToken[];
  importName?: ImportNameCstNode[];
  Comma?: IToken[];
  KwFrom?: IToken[];
  KwVersion?: IToken[];
  version?: IToken[];
};

export interface ImportNameCstNode extends CstNode {
  name: "importName";
  children: ImportNameCstChildren;
}

export type ImportNameCstChildren = {
  name?: (IToken)[];
};

export interface HeaderCstNode extends CstNode {
  name: "header";
  children: HeaderCstChildren;
}

export type HeaderCstChildren = {
  KwRulebook: IToken[];
  name: IToken[];
  headerField?: HeaderFieldCstNode[];
};

export interface HeaderFieldCstNode extends CstNode {
  name: "headerField";
  children: HeaderFieldCstChildren;
}

export type HeaderFieldCstChildren = {
  key?: (IToken)[];
  value?: (IToken)[];
};

export interface DeclarationCstNode extends CstNode {
  name: "declaration";
  children: DeclarationCstChildren;
}

export type DeclarationCstChildren = {
  enumDecl?: EnumDeclCstNode[];
  recordDecl?: RecordDeclCstNode[];
  inputDecl?: InputDeclCstNode[];
  paramDecl?: ParamDeclCstNode[];
  overrideDecl?: OverrideDeclCstNode[];
  tiersDecl?: TiersDeclCstNode[];
  tableDecl?: TableDeclCstNode[];
  letDecl?: LetDeclCstNode[];
  ruleDecl?: RuleDeclCstNode[];
  outputDecl?: OutputDeclCstNode[];
  assertDecl?: AssertDeclCstNode[];
  scenariosDecl?: ScenariosDeclCstNode[];
  verifyDecl?: VerifyDeclCstNode[];
  fnDecl?: FnDeclCstNode[];
};

export interface FnDeclCstNode extends CstNode {
  name: "fnDecl";
  children: FnDeclCstChildren;
}

export type FnDeclCstChildren = {
  KwFn: IToken[];
  name: IToken[];
  fnParams: FnParamsCstNode[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
  Assign: IToken[];
  value: ExpressionCstNode[];
};

export interface FnParamsCstNode extends CstNode {
  name: "fnParams";
  children: FnParamsCstChildren;
}

export type FnParamsCstChildren = {
  LParen: IToken[];
  fnParam?: FnParamCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface FnParamCstNode extends CstNode {
  name: "fnParam";
  children: FnParamCstChildren;
}

export type FnParamCstChildren = {
  name: IToken[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
};

export interface EnumDeclCstNode extends CstNode {
  name: "enumDecl";
  children: EnumDeclCstChildren;
}

export type EnumDeclCstChildren = {
  KwEnum: IToken[];
  name: IToken[];
  LBrace: IToken[];
  member?: MemberNameCstNode[];
  Comma?: IToken[];
  RBrace: IToken[];
};

export interface MemberNameCstNode extends CstNode {
  name: "memberName";
  children: MemberNameCstChildren;
}

export type MemberNameCstChildren = {
  name?: (IToken)[];
};

export interface RecordDeclCstNode extends CstNode {
  name: "recordDecl";
  children: RecordDeclCstChildren;
}

export type RecordDeclCstChildren = {
  KwRecord: IToken[];
  name: IToken[];
  fieldList: FieldListCstNode[];
};

export interface FieldListCstNode extends CstNode {
  name: "fieldList";
  children: FieldListCstChildren;
}

export type FieldListCstChildren = {
  LBrace: IToken[];
  field?: FieldCstNode[];
  Comma?: IToken[];
  RBrace: IToken[];
};

export interface FieldCstNode extends CstNode {
  name: "field";
  children: FieldCstChildren;
}

export type FieldCstChildren = {
  name: IToken[];
  Colon: IToken[];
  typeRef: TypeRefCstNode[];
  domainBound?: DomainBoundCstNode[];
  Assign?: IToken[];
  default?: ExpressionCstNode[];
};

export interface DomainBoundCstNode extends CstNode {
  name: "domainBound";
  children: DomainBoundCstChildren;
}

export type DomainBoundCstChildren = {
  op?: (IToken)[];
  bound: AdditiveCstNode[];
};

export interface InputDeclCstNode extends CstNode {
  name: "inputDecl";
  children: InputDeclCstChildren;
}

export type InputDeclCstChildren = {
  KwInput: IToken[];
  name: IToken[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
  fieldList?: FieldListCstNode[];
};

export interface ParamDeclCstNode extends CstNode {
  name: "paramDecl";
  children: ParamDeclCstChildren;
}

export type ParamDeclCstChildren = {
  KwParam: IToken[];
  name: IToken[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
  domainBound?: DomainBoundCstNode[];
  Assign: IToken[];
  value: ExpressionCstNode[];
};

export interface OverrideDeclCstNode extends CstNode {
  name: "overrideDecl";
  children: OverrideDeclCstChildren;
}

export type OverrideDeclCstChildren = {
  KwOverride: IToken[];
  paramDecl?: ParamDeclCstNode[];
  tiersDecl?: TiersDeclCstNode[];
};

export interface TiersDeclCstNode extends CstNode {
  name: "tiersDecl";
  children: TiersDeclCstChildren;
}

export type TiersDeclCstChildren = {
  KwTiers: IToken[];
  name: IToken[];
  LBracket?: IToken[];
  family?: TableKeyFieldCstNode[];
  RBracket?: IToken[];
  KwBy: IToken[];
  keyName: IToken[];
  Colon: IToken[];
  typeRef: TypeRefCstNode[];
  Comma?: (IToken)[];
  mode?: (IToken)[];
  limit?: IToken[];
  LBrace: IToken[];
  tierColumns: TierColumnsCstNode[];
  tableKeyLabel?: TableKeyLabelCstNode[];
  tierRow?: TierRowCstNode[];
  RBrace: IToken[];
};

export interface TableDeclCstNode extends CstNode {
  name: "tableDecl";
  children: TableDeclCstChildren;
}

export type TableDeclCstChildren = {
  KwTable: IToken[];
  name: IToken[];
  KwBy: IToken[];
  LParen?: IToken[];
  key?: (TableKeyFieldCstNode)[];
  Comma?: IToken[];
  RParen?: IToken[];
  LBrace: IToken[];
  tierColumns: TierColumnsCstNode[];
  tableRow?: TableRowCstNode[];
  RBrace: IToken[];
};

export interface TableKeyFieldCstNode extends CstNode {
  name: "tableKeyField";
  children: TableKeyFieldCstChildren;
}

export type TableKeyFieldCstChildren = {
  name: IToken[];
  Colon: IToken[];
  typeRef: TypeRefCstNode[];
};

export interface TableRowCstNode extends CstNode {
  name: "tableRow";
  children: TableRowCstChildren;
}

export type TableRowCstChildren = {
  label: TableKeyLabelCstNode[];
  cell?: CellExprCstNode[];
};

export interface TableKeyLabelCstNode extends CstNode {
  name: "tableKeyLabel";
  children: TableKeyLabelCstChildren;
}

export type TableKeyLabelCstChildren = {
  LParen?: IToken[];
  key?: (TableKeyCstNode)[];
  Comma?: IToken[];
  RParen?: IToken[];
  Colon: IToken[];
};

export interface TableKeyCstNode extends CstNode {
  name: "tableKey";
  children: TableKeyCstChildren;
}

export type TableKeyCstChildren = {
  value?: (IToken)[];
  minus?: IToken[];
};

export interface TierColumnsCstNode extends CstNode {
  name: "tierColumns";
  children: TierColumnsCstChildren;
}

export type TierColumnsCstChildren = {
  KwColumns: IToken[];
  tierColumn: TierColumnCstNode[];
  Comma?: IToken[];
};

export interface TierColumnCstNode extends CstNode {
  name: "tierColumn";
  children: TierColumnCstChildren;
}

export type TierColumnCstChildren = {
  name: IToken[];
  Colon: IToken[];
  typeRef: TypeRefCstNode[];
  KwStart?: IToken[];
  start?: CellExprCstNode[];
};

export interface TierRowCstNode extends CstNode {
  name: "tierRow";
  children: TierRowCstChildren;
}

export type TierRowCstChildren = {
  open?: (IToken)[];
  lower: TierBoundCstNode[];
  Comma: IToken[];
  upper: TierBoundCstNode[];
  close?: (IToken)[];
  tierCell?: TierCellCstNode[];
};

export interface TierBoundCstNode extends CstNode {
  name: "tierBound";
  children: TierBoundCstChildren;
}

export type TierBoundCstChildren = {
  KwInf?: IToken[];
  Minus?: IToken[];
  NumberLiteral?: IToken[];
};

export interface TierCellCstNode extends CstNode {
  name: "tierCell";
  children: TierCellCstChildren;
}

export type TierCellCstChildren = {
  operand: (CellUnaryCstNode)[];
  operator?: (IToken)[];
};

export interface CellExprCstNode extends CstNode {
  name: "cellExpr";
  children: CellExprCstChildren;
}

export type CellExprCstChildren = {
  operand: (CellUnaryCstNode)[];
  operator?: (IToken)[];
};

export interface CellUnaryCstNode extends CstNode {
  name: "cellUnary";
  children: CellUnaryCstChildren;
}

export type CellUnaryCstChildren = {
  operator?: (IToken)[];
  operand?: CellUnaryCstNode[];
  digits?: IToken[];
  suffix?: (IToken)[];
  unit?: TypeRefCstNode[];
  StringLiteral?: IToken[];
  KwTrue?: IToken[];
  KwFalse?: IToken[];
  Identifier?: IToken[];
  callArguments?: CallArgumentsCstNode[];
  enumName?: IToken[];
  Dot?: IToken[];
  enumMember?: MemberNameCstNode[];
  LParen?: IToken[];
  inner?: ExpressionCstNode[];
  RParen?: IToken[];
};

export interface LetDeclCstNode extends CstNode {
  name: "letDecl";
  children: LetDeclCstChildren;
}

export type LetDeclCstChildren = {
  KwLet: IToken[];
  name: IToken[];
  fnParams?: FnParamsCstNode[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
  Assign: IToken[];
  value: ExpressionCstNode[];
};

export interface RuleDeclCstNode extends CstNode {
  name: "ruleDecl";
  children: RuleDeclCstChildren;
}

export type RuleDeclCstChildren = {
  KwRule: IToken[];
  name: IToken[];
  KwWhen?: IToken[];
  condition?: ExpressionCstNode[];
  LBrace: IToken[];
  step?: StepCstNode[];
  binding?: LocalBindingCstNode[];
  RBrace: IToken[];
};

export interface StepCstNode extends CstNode {
  name: "step";
  children: StepCstChildren;
}

export type StepCstChildren = {
  verb?: (IToken)[];
  target?: (IToken)[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
  Assign?: IToken[];
  value?: (ExpressionCstNode)[];
  KwBy?: IToken[];
  KwTo?: IToken[];
  KwAt?: (IToken)[];
  KwWhen?: IToken[];
  condition?: ExpressionCstNode[];
};

export interface OutputDeclCstNode extends CstNode {
  name: "outputDecl";
  children: OutputDeclCstChildren;
}

export type OutputDeclCstChildren = {
  KwOutput: IToken[];
  name: IToken[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
  Assign: IToken[];
  value: ExpressionCstNode[];
  rounding?: RoundingCstNode[];
};

export interface RoundingCstNode extends CstNode {
  name: "rounding";
  children: RoundingCstChildren;
}

export type RoundingCstChildren = {
  KwRound: IToken[];
  direction?: (IToken)[];
  KwTo: IToken[];
  step: AdditiveCstNode[];
};

export interface AssertDeclCstNode extends CstNode {
  name: "assertDecl";
  children: AssertDeclCstChildren;
}

export type AssertDeclCstChildren = {
  KwAssert: IToken[];
  condition: ExpressionCstNode[];
  message?: IToken[];
};

export interface VerifyDeclCstNode extends CstNode {
  name: "verifyDecl";
  children: VerifyDeclCstChildren;
}

export type VerifyDeclCstChildren = {
  KwVerify: IToken[];
  property?: (IToken)[];
  target?: IToken[];
  Comma?: IToken[];
  KwIn?: IToken[];
  variable?: PostfixCstNode[];
  condition?: ExpressionCstNode[];
  message?: IToken[];
};

export interface ScenariosDeclCstNode extends CstNode {
  name: "scenariosDecl";
  children: ScenariosDeclCstChildren;
}

export type ScenariosDeclCstChildren = {
  KwScenarios: IToken[];
  name: IToken[];
  LParen: IToken[];
  scenarioAxis?: ScenarioAxisCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
  LBrace: IToken[];
  gridStmt?: GridStmtCstNode[];
  namedScenario?: NamedScenarioCstNode[];
  RBrace: IToken[];
};

export interface ScenarioAxisCstNode extends CstNode {
  name: "scenarioAxis";
  children: ScenarioAxisCstChildren;
}

export type ScenarioAxisCstChildren = {
  name: IToken[];
  Colon: IToken[];
  typeRef: TypeRefCstNode[];
};

export interface GridStmtCstNode extends CstNode {
  name: "gridStmt";
  children: GridStmtCstChildren;
}

export type GridStmtCstChildren = {
  KwGrid: IToken[];
  gridAxis: GridAxisCstNode[];
  KwWeight?: IToken[];
  weight?: ExpressionCstNode[];
};

export interface GridAxisCstNode extends CstNode {
  name: "gridAxis";
  children: GridAxisCstChildren;
}

export type GridAxisCstChildren = {
  axis: IToken[];
  LBracket: IToken[];
  gridValue?: GridValueCstNode[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface GridValueCstNode extends CstNode {
  name: "gridValue";
  children: GridValueCstChildren;
}

export type GridValueCstChildren = {
  from: ExpressionCstNode[];
  KwTo?: IToken[];
  to?: ExpressionCstNode[];
  KwStep?: IToken[];
  step?: ExpressionCstNode[];
};

export interface NamedScenarioCstNode extends CstNode {
  name: "namedScenario";
  children: NamedScenarioCstChildren;
}

export type NamedScenarioCstChildren = {
  KwScenario: IToken[];
  name: IToken[];
  axis?: IToken[];
  value?: AdditiveCstNode[];
  KwWeight?: IToken[];
  weight?: ExpressionCstNode[];
};

export interface TypeRefCstNode extends CstNode {
  name: "typeRef";
  children: TypeRefCstChildren;
}

export type TypeRefCstChildren = {
  first: TypeAtomCstNode[];
  op?: (IToken)[];
  rest?: TypeAtomCstNode[];
};

export interface TypeAtomCstNode extends CstNode {
  name: "typeAtom";
  children: TypeAtomCstChildren;
}

export type TypeAtomCstChildren = {
  name: IToken[];
  Less?: (IToken)[];
  argument?: TypeRefCstNode[];
  Greater?: (IToken)[];
  valueArgument?: IToken[];
  Caret?: IToken[];
  Minus?: IToken[];
  exponent?: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  operator?: (IToken)[];
  operand: (AdditiveCstNode)[];
};

export interface AdditiveCstNode extends CstNode {
  name: "additive";
  children: AdditiveCstChildren;
}

export type AdditiveCstChildren = {
  sign?: (IToken)[];
  operand: (PostfixCstNode)[];
  operator?: (IToken)[];
};

export interface PostfixCstNode extends CstNode {
  name: "postfix";
  children: PostfixCstChildren;
}

export type PostfixCstChildren = {
  letExpr?: LetExprCstNode[];
  listExpr?: ListExprCstNode[];
  digits?: IToken[];
  suffix?: (IToken)[];
  unit?: TypeRefCstNode[];
  DurationLiteral?: IToken[];
  TimestampLiteral?: IToken[];
  StringLiteral?: IToken[];
  KwTrue?: IToken[];
  KwFalse?: IToken[];
  Identifier?: IToken[];
  enumName?: IToken[];
  enumDot?: IToken[];
  enumMember?: MemberNameCstNode[];
  parenthesisedExpr?: ParenthesisedExprCstNode[];
  ifExpr?: IfExprCstNode[];
  recordExpr?: RecordExprCstNode[];
  Dot?: IToken[];
  member?: IToken[];
  callArguments?: CallArgumentsCstNode[];
  LBracket?: IToken[];
  index?: (ExpressionCstNode)[];
  Comma?: IToken[];
  RBracket?: IToken[];
};

export interface ParenthesisedExprCstNode extends CstNode {
  name: "parenthesisedExpr";
  children: ParenthesisedExprCstChildren;
}

export type ParenthesisedExprCstChildren = {
  LParen: IToken[];
  inner: (ExpressionCstNode)[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface CallArgumentsCstNode extends CstNode {
  name: "callArguments";
  children: CallArgumentsCstChildren;
}

export type CallArgumentsCstChildren = {
  LParen: IToken[];
  optionName?: (OptionNameCstNode)[];
  argument?: (ExpressionCstNode)[];
  comprehension?: ComprehensionCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface OptionNameCstNode extends CstNode {
  name: "optionName";
  children: OptionNameCstChildren;
}

export type OptionNameCstChildren = {
  name: IToken[];
  Colon: IToken[];
};

export interface ComprehensionCstNode extends CstNode {
  name: "comprehension";
  children: ComprehensionCstChildren;
}

export type ComprehensionCstChildren = {
  KwFor: IToken[];
  variable: IToken[];
  Comma?: IToken[];
  indexVariable?: IToken[];
  KwIn: IToken[];
  source: ExpressionCstNode[];
  binding?: LocalBindingCstNode[];
  KwFrom?: IToken[];
  accumulator?: IToken[];
  Assign?: IToken[];
  init?: ExpressionCstNode[];
  KwWhere?: IToken[];
  filter?: ExpressionCstNode[];
  KwBy?: IToken[];
  groupKey?: ExpressionCstNode[];
  KwDefault?: IToken[];
  fallback?: ExpressionCstNode[];
};

export interface LocalBindingCstNode extends CstNode {
  name: "localBinding";
  children: LocalBindingCstChildren;
}

export type LocalBindingCstChildren = {
  KwLet: IToken[];
  name: IToken[];
  Assign: IToken[];
  value: ExpressionCstNode[];
};

export interface LetExprCstNode extends CstNode {
  name: "letExpr";
  children: LetExprCstChildren;
}

export type LetExprCstChildren = {
  KwLet: IToken[];
  name: IToken[];
  Assign: IToken[];
  value: ExpressionCstNode[];
  Comma?: IToken[];
  KwIn: IToken[];
  body: ExpressionCstNode[];
};

export interface ListExprCstNode extends CstNode {
  name: "listExpr";
  children: ListExprCstChildren;
}

export type ListExprCstChildren = {
  LBracket: IToken[];
  item?: (ExpressionCstNode)[];
  comprehension?: ComprehensionCstNode[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface RecordExprCstNode extends CstNode {
  name: "recordExpr";
  children: RecordExprCstChildren;
}

export type RecordExprCstChildren = {
  LBrace: IToken[];
  field?: IToken[];
  Colon?: IToken[];
  value?: ExpressionCstNode[];
  Comma?: IToken[];
  RBrace: IToken[];
};

export interface IfExprCstNode extends CstNode {
  name: "ifExpr";
  children: IfExprCstChildren;
}

export type IfExprCstChildren = {
  KwIf: IToken[];
  condition: ExpressionCstNode[];
  KwThen: IToken[];
  then: ExpressionCstNode[];
  KwElse: IToken[];
  else: ExpressionCstNode[];
};

export interface MarginbookCstVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  rulebook(children: RulebookCstChildren, param?: IN): OUT;
  importDecl(children: ImportDeclCstChildren, param?: IN): OUT;
  importName(children: ImportNameCstChildren, param?: IN): OUT;
  header(children: HeaderCstChildren, param?: IN): OUT;
  headerField(children: HeaderFieldCstChildren, param?: IN): OUT;
  declaration(children: DeclarationCstChildren, param?: IN): OUT;
  fnDecl(children: FnDeclCstChildren, param?: IN): OUT;
  fnParams(children: FnParamsCstChildren, param?: IN): OUT;
  fnParam(children: FnParamCstChildren, param?: IN): OUT;
  enumDecl(children: EnumDeclCstChildren, param?: IN): OUT;
  memberName(children: MemberNameCstChildren, param?: IN): OUT;
  recordDecl(children: RecordDeclCstChildren, param?: IN): OUT;
  fieldList(children: FieldListCstChildren, param?: IN): OUT;
  field(children: FieldCstChildren, param?: IN): OUT;
  domainBound(children: DomainBoundCstChildren, param?: IN): OUT;
  inputDecl(children: InputDeclCstChildren, param?: IN): OUT;
  paramDecl(children: ParamDeclCstChildren, param?: IN): OUT;
  overrideDecl(children: OverrideDeclCstChildren, param?: IN): OUT;
  tiersDecl(children: TiersDeclCstChildren, param?: IN): OUT;
  tableDecl(children: TableDeclCstChildren, param?: IN): OUT;
  tableKeyField(children: TableKeyFieldCstChildren, param?: IN): OUT;
  tableRow(children: TableRowCstChildren, param?: IN): OUT;
  tableKeyLabel(children: TableKeyLabelCstChildren, param?: IN): OUT;
  tableKey(children: TableKeyCstChildren, param?: IN): OUT;
  tierColumns(children: TierColumnsCstChildren, param?: IN): OUT;
  tierColumn(children: TierColumnCstChildren, param?: IN): OUT;
  tierRow(children: TierRowCstChildren, param?: IN): OUT;
  tierBound(children: TierBoundCstChildren, param?: IN): OUT;
  tierCell(children: TierCellCstChildren, param?: IN): OUT;
  cellExpr(children: CellExprCstChildren, param?: IN): OUT;
  cellUnary(children: CellUnaryCstChildren, param?: IN): OUT;
  letDecl(children: LetDeclCstChildren, param?: IN): OUT;
  ruleDecl(children: RuleDeclCstChildren, param?: IN): OUT;
  step(children: StepCstChildren, param?: IN): OUT;
  outputDecl(children: OutputDeclCstChildren, param?: IN): OUT;
  rounding(children: RoundingCstChildren, param?: IN): OUT;
  assertDecl(children: AssertDeclCstChildren, param?: IN): OUT;
  verifyDecl(children: VerifyDeclCstChildren, param?: IN): OUT;
  scenariosDecl(children: ScenariosDeclCstChildren, param?: IN): OUT;
  scenarioAxis(children: ScenarioAxisCstChildren, param?: IN): OUT;
  gridStmt(children: GridStmtCstChildren, param?: IN): OUT;
  gridAxis(children: GridAxisCstChildren, param?: IN): OUT;
  gridValue(children: GridValueCstChildren, param?: IN): OUT;
  namedScenario(children: NamedScenarioCstChildren, param?: IN): OUT;
  typeRef(children: TypeRefCstChildren, param?: IN): OUT;
  typeAtom(children: TypeAtomCstChildren, param?: IN): OUT;
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  additive(children: AdditiveCstChildren, param?: IN): OUT;
  postfix(children: PostfixCstChildren, param?: IN): OUT;
  parenthesisedExpr(children: ParenthesisedExprCstChildren, param?: IN): OUT;
  callArguments(children: CallArgumentsCstChildren, param?: IN): OUT;
  optionName(children: OptionNameCstChildren, param?: IN): OUT;
  comprehension(children: ComprehensionCstChildren, param?: IN): OUT;
  localBinding(children: LocalBindingCstChildren, param?: IN): OUT;
  letExpr(children: LetExprCstChildren, param?: IN): OUT;
  listExpr(children: ListExprCstChildren, param?: IN): OUT;
  recordExpr(children: RecordExprCstChildren, param?: IN): OUT;
  ifExpr(children: IfExprCstChildren, param?: IN): OUT;
}
