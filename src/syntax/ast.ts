/**
 * The typed AST of a marginbook rulebook. Every node carries a source span.
 *
 * A partial parse is still a tree: after a syntax error, missing names have empty text and missing
 * expressions are `Missing` nodes, so later stages (and the editor) always have something to work on.
 */

import type { Span } from "../diagnostics/span.js";

export type { Span };

export interface Name {
  text: string;
  span: Span;
}

export interface Comment {
  text: string;
  span: Span;
  /** `///` comments document the declaration that follows them. */
  doc: boolean;
}

export interface Rulebook {
  kind: "Rulebook";
  span: Span;
  header?: Header;
  declarations: Declaration[];
  comments: Comment[];
}

export type HeaderKey =
  | "version"
  | "effective"
  | "currency"
  | "owner"
  | "description"
  | "extends"
  | "arithmetic"
  | "decimal_scale"
  | "decimal_rounding";
export type HeaderValueKind = "semver" | "number" | "string" | "timestamp" | "type" | "name";

export interface Header {
  kind: "Header";
  span: Span;
  name: Name;
  fields: HeaderField[];
}

export interface HeaderField {
  kind: "HeaderField";
  span: Span;
  key: HeaderKey;
  keySpan: Span;
  /** The value as written; for strings, the unquoted text. */
  value: string;
  valueKind: HeaderValueKind;
  valueSpan: Span;
}

export type Declaration =
  | EnumDecl
  | RecordDecl
  | InputDecl
  | ParamDecl
  | TiersDecl
  | LetDecl
  | RuleDecl
  | OutputDecl
  | AssertDecl
  | ScenariosDecl
  | VerifyDecl;

interface DeclarationBase {
  span: Span;
  /** Text of the `///` comments right before the declaration, joined by newlines. */
  doc?: string;
}

export interface EnumDecl extends DeclarationBase {
  kind: "EnumDecl";
  name: Name;
  members: Name[];
}

export interface RecordDecl extends DeclarationBase {
  kind: "RecordDecl";
  name: Name;
  fields: FieldDecl[];
}

export type DomainOperator = ">" | ">=" | "<" | "<=";

export interface DomainBound {
  span: Span;
  op: DomainOperator;
  bound: Expr;
}

export interface FieldDecl {
  kind: "FieldDecl";
  span: Span;
  doc?: string;
  name: Name;
  type: TypeRef;
  domain: DomainBound[];
  default?: Expr;
}

/** `input position { ... }` (an inline record) or `input account: Account`. */
export interface InputDecl extends DeclarationBase {
  kind: "InputDecl";
  name: Name;
  type?: TypeRef;
  fields?: FieldDecl[];
}

export interface ParamDecl extends DeclarationBase {
  kind: "ParamDecl";
  name: Name;
  type?: TypeRef;
  domain: DomainBound[];
  value: Expr;
  /** Set for `override param`: replaces the value of a parameter of the base rulebook. */
  override?: Span;
}

export type TierMode = "flat" | "marginal";

export interface TiersDecl extends DeclarationBase {
  kind: "TiersDecl";
  name: Name;
  keyName: Name;
  keyType: TypeRef;
  mode?: TierMode;
  modeSpan?: Span;
  columns: TierColumn[];
  rows: TierRow[];
  override?: Span;
}

export interface TierColumn {
  span: Span;
  name: Name;
  type: TypeRef;
}

export interface TierRow {
  span: Span;
  lower: TierBound;
  upper: TierBound;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  cells: TierCell[];
}

export interface TierBound {
  span: Span;
  /** `inf` is `Infinity` (or `-Infinity` when written `-inf`, which the grammar does not allow). */
  value: number;
  text: string;
}

export interface TierCell {
  span: Span;
  /** The value as a fraction: `0.80%` is 0.008. */
  value: number;
  text: string;
  suffix?: "%" | "bps";
}

export interface LetDecl extends DeclarationBase {
  kind: "LetDecl";
  name: Name;
  type?: TypeRef;
  value: Expr;
}

export interface RuleDecl extends DeclarationBase {
  kind: "RuleDecl";
  name: Name;
  condition?: Expr;
  steps: Step[];
}

export type StepVerb = "set" | "scale" | "add" | "floor" | "cap";

export interface Step {
  kind: "Step";
  span: Span;
  verb: StepVerb;
  verbSpan: Span;
  target: Name;
  type?: TypeRef;
  value: Expr;
  condition?: Expr;
}

export type RoundingDirection = "up" | "down" | "half_even";

export interface Rounding {
  span: Span;
  direction: RoundingDirection;
  step: Expr;
}

export interface OutputDecl extends DeclarationBase {
  kind: "OutputDecl";
  name: Name;
  type?: TypeRef;
  value: Expr;
  rounding?: Rounding;
}

export interface AssertDecl extends DeclarationBase {
  kind: "AssertDecl";
  condition: Expr;
  message?: string;
}

/**
 * What a `verify` declaration states: `invariant` is a condition (`verify im >= mm`); the others
 * are about the values named as targets (`verify nondecreasing im, mm in position.size`).
 */
export type VerifyProperty = "invariant" | "nonnegative" | "nondecreasing" | "nonincreasing" | "continuous";

/**
 * `verify <condition> ["message"]` or `verify <property> <name>, ... [in <input field>] ["message"]`:
 * a property checked by `marginbook verify` for every valid input, never at run time.
 */
export interface VerifyDecl extends DeclarationBase {
  kind: "VerifyDecl";
  property: VerifyProperty;
  /** The property word (`nondecreasing`, ...); absent for an invariant. */
  propertySpan?: Span;
  /** The condition of an invariant. */
  condition?: Expr;
  /** The values a property is about (outputs, lets, quantities); empty for an invariant. */
  targets: Name[];
  /** The input field after `in` (`position.size`), as written. */
  variable?: Expr;
  message?: string;
}

export interface ScenariosDecl extends DeclarationBase {
  kind: "ScenariosDecl";
  name: Name;
  axes: ScenarioAxis[];
  statements: ScenarioStatement[];
}

export interface ScenarioAxis {
  span: Span;
  name: Name;
  type: TypeRef;
}

export type ScenarioStatement = GridStatement | NamedScenario;

/** `grid price [...] vol [...] weight 35%`: the cartesian product, the last axis varying fastest. */
export interface GridStatement {
  kind: "GridStatement";
  span: Span;
  axes: { axis: Name; values: GridValue[] }[];
  weight?: Expr;
}

export interface GridValue {
  span: Span;
  from: Expr;
  /** `a to b step c` expands to a, a+c, ... up to b. */
  to?: Expr;
  step?: Expr;
}

export interface NamedScenario {
  kind: "NamedScenario";
  span: Span;
  name: Name;
  values: { axis: Name; value: Expr }[];
  weight?: Expr;
}

/** A type as written: `USDT`, `USDT / Quantity`, `List<Position>`, `Quantity^2`. */
export interface TypeRef {
  kind: "TypeRef";
  span: Span;
  factors: TypeFactor[];
}

export interface TypeFactor {
  span: Span;
  name: Name;
  argument?: TypeRef;
  /** The exponent, negated for factors after `/`. */
  exponent: number;
}

export type Expr =
  | NumberLit
  | DurationLit
  | TimestampLit
  | StringLit
  | BoolLit
  | NameRef
  | EnumRef
  | MemberExpr
  | CallExpr
  | IndexExpr
  | UnaryExpr
  | BinaryExpr
  | IfExpr
  | MissingExpr;

export interface NumberLit {
  kind: "NumberLit";
  span: Span;
  /** The value with `%` and `bps` applied: `50bps` is 0.005. */
  value: number;
  text: string;
  suffix?: "%" | "bps";
  unit?: TypeRef;
}

export interface DurationLit {
  kind: "DurationLit";
  span: Span;
  seconds: number;
  text: string;
}

export interface TimestampLit {
  kind: "TimestampLit";
  span: Span;
  text: string;
}

export interface StringLit {
  kind: "StringLit";
  span: Span;
  value: string;
}

export interface BoolLit {
  kind: "BoolLit";
  span: Span;
  value: boolean;
}

export interface NameRef {
  kind: "NameRef";
  span: Span;
  name: string;
}

/** `Side.long`. A bare `long` is a `NameRef` that the checker resolves to the enum member. */
export interface EnumRef {
  kind: "EnumRef";
  span: Span;
  enumName: Name;
  member: Name;
}

export interface MemberExpr {
  kind: "MemberExpr";
  span: Span;
  object: Expr;
  member: Name;
}

export interface CallExpr {
  kind: "CallExpr";
  span: Span;
  callee: Expr;
  args: Expr[];
  comprehension?: Comprehension;
}

/** `sum(p.size for p in account.positions where p.side == long)`: the call's one argument is the element. */
export interface Comprehension {
  span: Span;
  variable: Name;
  source: Expr;
  filter?: Expr;
  groupKey?: Expr;
  fallback?: Expr;
}

export interface IndexExpr {
  kind: "IndexExpr";
  span: Span;
  object: Expr;
  index: Expr;
}

export type UnaryOperator = "-" | "+" | "not";
export type BinaryOperator = "+" | "-" | "*" | "/" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "and" | "or";

export interface UnaryExpr {
  kind: "UnaryExpr";
  span: Span;
  op: UnaryOperator;
  operand: Expr;
}

export interface BinaryExpr {
  kind: "BinaryExpr";
  span: Span;
  op: BinaryOperator;
  opSpan: Span;
  left: Expr;
  right: Expr;
}

export interface IfExpr {
  kind: "IfExpr";
  span: Span;
  condition: Expr;
  then: Expr;
  else: Expr;
}

/** Stands where the parser expected an expression and recovered without one. */
export interface MissingExpr {
  kind: "MissingExpr";
  span: Span;
}

/** The declarations that introduce a top-level name, in the namespace of values. */
export type NamedValueDecl = InputDecl | ParamDecl | TiersDecl | LetDecl | OutputDecl | ScenariosDecl;
