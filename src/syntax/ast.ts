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
  /** `import` lines, after the header and before every declaration. */
  imports?: ImportDecl[];
  declarations: Declaration[];
  comments: Comment[];
}

/** The fields a header may have. */
export const HEADER_KEYS = [
  "version",
  "effective",
  "currency",
  "owner",
  "description",
  "extends",
  "arithmetic",
  "decimal_scale",
  "decimal_rounding",
] as const;
export type HeaderKey = (typeof HEADER_KEYS)[number];
export type HeaderValueKind = "semver" | "number" | "string" | "timestamp" | "type" | "name";

export interface Header {
  kind: "Header";
  span: Span;
  name: Name;
  fields: HeaderField[];
  /** A syntax error ended the header early: fields after it were not read. */
  cutShort?: boolean;
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

/**
 * `import "./book.margin" as alias [version 1.2.0]`: another rulebook under a namespace (its values
 * read as `alias.name`); or `import a, b from "./book.margin" [version 1.2.0]`: chosen declarations
 * of it under their own names.
 */
export interface ImportDecl {
  kind: "ImportDecl";
  span: Span;
  /** The path as written, without quotes. */
  path: string;
  pathSpan: Span;
  /** The namespace of a whole-book import. */
  alias?: Name;
  /** The declarations named by a selective import (empty for a whole-book import). */
  names: Name[];
  /** The pinned version (`version 1.2.0`), as written. */
  version?: Name;
}

export type Declaration =
  | EnumDecl
  | RecordDecl
  | InputDecl
  | ParamDecl
  | TiersDecl
  | TableDecl
  | LetDecl
  | RuleDecl
  | OutputDecl
  | AssertDecl
  | ScenariosDecl
  | VerifyDecl
  | FnDecl;

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
  /** `, limit`: the last tier's finite upper bound is a deliberate risk limit. */
  limitSpan?: Span;
  columns: TierColumn[];
  /** The rows; for a table family (`tiers t[symbol: Symbol]`), the rows before any `KEY:` label. */
  rows: TierRow[];
  /** `tiers brackets[symbol: Symbol] by ...`: one table per key, each after its `KEY:` label. */
  family?: TableKeyField;
  groups?: TierGroup[];
  override?: Span;
}

/** One table of a family: `BTCUSDT:` and its rows. */
export interface TierGroup {
  span: Span;
  key: TableKeyValue[];
  rows: TierRow[];
}

/** `name: Type`, a key of a keyed table or a tier table family. */
export interface TableKeyField {
  span: Span;
  name: Name;
  type: TypeRef;
}

/** A key as written in a row: an enum member (`BTCUSDT`, `` `2026-03` ``), a text or an integer. */
export interface TableKeyValue {
  span: Span;
  /** The text without quotes or backquotes. */
  text: string;
  kind: "name" | "string" | "number";
  /** The value: the text for names and strings, the number for numbers. */
  value: string | number;
}

/**
 * `table fees by symbol: Symbol { columns a: T, ...  BTCUSDT: cells ...  default: cells }`: a
 * lookup table read as `fees[p.symbol].a`. Keys are enum members, texts or integers, or tuples of
 * them (`by (front: Month, back: Month)`, read `t[a, b]`).
 */
export interface TableDecl extends DeclarationBase {
  kind: "TableDecl";
  name: Name;
  keys: TableKeyField[];
  columns: TierColumn[];
  rows: TableRow[];
}

export interface TableRow {
  span: Span;
  /** Empty for the `default:` row. */
  key: TableKeyValue[];
  keySpan: Span;
  isDefault: boolean;
  cells: Expr[];
}

export interface TierColumn {
  span: Span;
  name: Name;
  type: TypeRef;
  /**
   * `start <amount>`: the first row's derived deduction (maintenance amount), in the key's unit,
   * for a table whose published amounts do not start at 0; the later rows build on it.
   */
  start?: Expr;
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
  /** The value of a literal as a fraction (`0.80%` is 0.008); NaN for an expression, which the checker folds. */
  value: number;
  /** The cell as written. */
  text: string;
  suffix?: "%" | "bps";
  /** The cell when it is not a plain literal: a parameter or a constant expression. */
  expr?: Expr;
}

export interface LetDecl extends DeclarationBase {
  kind: "LetDecl";
  name: Name;
  type?: TypeRef;
  value: Expr;
}

/** A parameter of a user function; `type` is missing only after an error (`let f(x) = ...`). */
export interface FnParam {
  span: Span;
  name: Name;
  type?: TypeRef;
}

/**
 * `fn name(p: Type, ...): Type = body`: a pure, typed user function. `letSpan` marks one written
 * `let f(x) = ...`, which the checker reports once (did you mean `fn`?) and otherwise ignores.
 */
export interface FnDecl extends DeclarationBase {
  kind: "FnDecl";
  name: Name;
  params: FnParam[];
  returnType?: TypeRef;
  value: Expr;
  letSpan?: Span;
}

/** `let name = value` inside a comprehension, a `let ... in` expression or a rule body. */
export interface LocalBinding {
  span: Span;
  name: Name;
  value: Expr;
}

export interface RuleDecl extends DeclarationBase {
  kind: "RuleDecl";
  name: Name;
  condition?: Expr;
  steps: Step[];
  /** Local names of the rule body, each visible in the steps after it (`after` is the number of steps before it). */
  bindings?: (LocalBinding & { after: number })[];
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
  /** `Scenario<span16>`: a value name as the argument. */
  valueArgument?: Name;
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
  | LetExpr
  | ListExpr
  | RecordExpr
  | MissingExpr;

/** `{ im: a, mm: b }`: a record value; its type is a declared record with exactly these fields. */
export interface RecordExpr {
  kind: "RecordExpr";
  span: Span;
  fields: { name: Name; value: Expr }[];
}

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
  /** Named options after the arguments: `contract: inverse`, `closing_fee: 0.06%`. */
  options?: CallOption[];
}

/** A named option of a call, `name: value`; a word option's value is a bare name (`inverse`). */
export interface CallOption {
  span: Span;
  name: Name;
  value: Expr;
}

/** `sum(p.size for p in account.positions where p.side == long)`: the call's one argument is the element. */
export interface Comprehension {
  span: Span;
  variable: Name;
  source: Expr;
  filter?: Expr;
  groupKey?: Expr;
  fallback?: Expr;
  /** `for x, i in xs`: the element's 0-based position in the list. */
  indexVariable?: Name;
  /** `let y = ...` clauses, visible in the element, the filter and the key. */
  bindings?: LocalBinding[];
  /** `from acc = init` (`reduce`, `scan`): the running value, visible in the element. */
  accumulator?: Name;
  init?: Expr;
}

/** `let a = x, b = y in body`: local names, each visible in the later ones and in the body. */
export interface LetExpr {
  kind: "LetExpr";
  span: Span;
  bindings: LocalBinding[];
  body: Expr;
}

/** `[a, b, c]`, or `[e for x in xs where c]` (`items` holds the one element expression). */
export interface ListExpr {
  kind: "ListExpr";
  span: Span;
  items: Expr[];
  comprehension?: Comprehension;
  /** `(a, b, c)`: a tuple, written in parentheses; only a group key (`by (p.x, p.y)`) takes one. */
  tuple?: true;
}

export interface IndexExpr {
  kind: "IndexExpr";
  span: Span;
  object: Expr;
  index: Expr;
  /** The further keys of a tuple-keyed table lookup: `spreads[front, back]`. */
  more?: Expr[];
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
export type NamedValueDecl =
  InputDecl | ParamDecl | TiersDecl | TableDecl | LetDecl | OutputDecl | ScenariosDecl;
