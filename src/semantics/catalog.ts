/**
 * The catalog of every code marginbook reports, front end and runtime alike: stable code, severity,
 * message template. It lives in the semantics layer so that the checker, the compiler, the runtime,
 * the registry and the evaluation server all draw from this one table.
 *
 * Codes are grouped by the stage that reports them, in code order:
 *   MB1xxx lexing and parsing, MB2xxx names, MB3xxx types and units, MB4xxx rulebook semantics
 *   (header, tiers, rules, outputs), MB5xxx code generation (the SQL target), MB6xxx the runtime
 *   (MB60xx evaluation, MB61xx artifacts, signatures and the registry, MB62xx the evaluation
 *   server), MB7xxx the review of a change.
 * A code, once published, never changes meaning. Templates use `{placeholder}` fields; their types
 * are checked: a report that leaves a placeholder without a value does not compile. The refusals of
 * artifacts, signatures, the registry and the server (MB61xx, MB62xx) carry a summary: their
 * messages add the specific reason at the site. A test checks that codes are unique, in order,
 * in their stage's range, and that every code written anywhere in src/ is in this catalog.
 */

/** How serious a diagnostic is. */
export type Severity = "error" | "warning" | "info";

export interface MessageSpec {
  code: string;
  severity: Severity;
  template: string;
  help?: string;
}

/**
 * The `{name}` placeholders of a template, as a union of names. Braces around anything but a plain
 * name (`record Fixing { at: Timestamp }` in a help text) are text, as in {@link fillTemplate}.
 */
export type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `${string}${" " | ":" | "`" | "," | "{"}${string}` ? never : Name) | Placeholders<Rest>
  : never;

/** The values a spec's template (and help) need: exactly its placeholders. */
export type TemplateArgs<S extends MessageSpec> = Record<
  Placeholders<S["template"]> | Placeholders<NonNullable<S["help"]> & string>,
  string | number
>;

const error = <C extends string, T extends string, H extends string = never>(
  code: C,
  template: T,
  help?: H,
): { code: C; severity: "error"; template: T; help?: H } => ({ code, severity: "error", template, help });
const warning = <C extends string, T extends string, H extends string = never>(
  code: C,
  template: T,
  help?: H,
): { code: C; severity: "warning"; template: T; help?: H } => ({
  code,
  severity: "warning",
  template,
  help,
});

export const messages = {
  // ---- MB1xxx: lexing and parsing ----
  unexpectedCharacter: error("MB1001", "unexpected character `{text}`"),
  unexpectedToken: error("MB1002", "expected {expected} but found `{found}`"),
  noViableAlternative: error("MB1003", "expected {expected} but found `{found}`"),
  unexpectedEndOfFile: error("MB1004", "unexpected end of file: expected {expected}"),
  unterminatedString: error("MB1005", "unterminated string", 'close the string with `"` on the same line'),
  capitalisedValueName: error(
    "MB1006",
    "`{found}` cannot name a value here: names of values start with a lowercase letter",
    "names starting with an uppercase letter are types (records, enums, currencies)",
  ),
  reservedWordAsName: error("MB1007", "`{found}` is a reserved word and cannot be used as a name"),
  fileTooLarge: error(
    "MB1010",
    "the file is {size} bytes; the limit is {limit}",
    "split the rulebook, or use `extends` to share a base",
  ),
  nestingTooDeep: error("MB1011", "{what} nested more than {limit} levels deep"),
  nameTooLong: error("MB1012", "this name is {length} characters long; the limit is {limit}"),
  tooManySyntaxErrors: error(
    "MB1013",
    "more than {limit} syntax errors: is this a rulebook? Later ones are not reported",
  ),
  bidiCharacter: error(
    "MB1014",
    "bidirectional control character {code}: it can make the text read differently from what runs",
    "remove it; write right-to-left text without control characters",
  ),
  invisibleCharacter: error(
    "MB1015",
    "invisible or control character {code} in a string: the string looks the same without it but never equals it",
    "remove it",
  ),
  unreadableFile: error("MB1016", "cannot read this file: {reason}"),
  letWithParameters: error(
    "MB1060",
    "`let {name}(...)` declares a function: functions are written with `fn`",
    "write `{suggestion}`",
  ),

  // ---- MB2xxx: names ----
  unknownName: error("MB2001", "unknown name `{name}`"),
  unknownField: error("MB2002", "`{type}` has no field `{name}`"),
  unknownType: error("MB2003", "unknown type `{name}`"),
  duplicateDeclaration: error("MB2004", "`{name}` is already declared"),
  duplicateField: error("MB2005", "field `{name}` is declared twice"),
  duplicateEnumMember: error("MB2006", "enum member `{name}` is declared twice"),
  notCallable: error("MB2007", "`{name}` is not a function or a tier table"),
  unknownEnumMember: error("MB2008", "enum `{enum}` has no member `{name}`"),
  ambiguousEnumMember: error(
    "MB2009",
    "`{name}` is a member of several enums ({enums})",
    "qualify it, for example `{example}`",
  ),
  unknownTierColumn: error("MB2010", "tier table `{table}` has no column `{name}`"),
  unknownScenarioAxis: error("MB2011", "scenario set `{set}` has no axis `{name}`"),
  definitionCycle: error("MB2012", "`{name}` depends on itself: {cycle}"),
  overrideWithoutBase: error(
    "MB2013",
    '`override` needs a base rulebook: add `extends "<file>.margin"` to the header',
  ),
  overrideOfUnknown: error("MB2014", "the base rulebook has no {what} `{name}` to override"),
  baseNotFound: error("MB2015", "cannot read the base rulebook `{path}`"),
  unknownTierMethod: error(
    "MB2016",
    "tier tables have no method `{name}`",
    "the methods are `margin(x, column)`, `deduction(x, column)` and `liquidation_price(side, size, entry, balance, column)`",
  ),
  notAQuantity: error("MB2017", "cannot {verb} `{name}`: it is {what}, not a quantity adjusted by rules"),
  baseHasErrors: error(
    "MB2018",
    "the base rulebook `{path}` has {count} error(s)",
    "run `marginbook check {path}`",
  ),
  extendsCycle: error("MB2019", "rulebook `{path}` extends itself through {chain}"),
  shadowedName: warning("MB2020", "`{name}` hides the declaration of the same name"),
  baseRefused: error(
    "MB2021",
    "the base rulebook `{path}` {reason}",
    "`extends` names a `.margin` file of the same project: a folder with `.git` or `package.json` above the rulebook, else the rulebook's own folder",
  ),
  extendsTooDeep: error(
    "MB2022",
    "the chain of `extends` is longer than {limit} rulebooks",
    "extend a rulebook that extends fewer others",
  ),
  importCycle: error("MB2030", "rulebook `{path}` imports itself through {chain}"),
  importNotFound: error("MB2031", "cannot read the imported rulebook `{path}`"),
  importRefused: error(
    "MB2032",
    "the imported rulebook `{path}` {reason}",
    "`import` names a `.margin` file of the same project: a folder with `.git` or `package.json` above the rulebook, else the rulebook's own folder",
  ),
  importHasErrors: error(
    "MB2033",
    "the imported rulebook `{path}` has {count} error(s)",
    "run `marginbook check {path}`",
  ),
  unknownImportedName: error("MB2034", "`{path}` declares no `{name}`"),
  unknownNamespaceMember: error("MB2035", "`{alias}` (the rulebook `{path}`) has no `{name}`"),
  importVersionMismatch: error(
    "MB2036",
    "`{path}` is version {actual}, but this import pins version {expected}",
    "review what changed in `{path}`, then pin `version {actual}`",
  ),
  importNotPinned: warning(
    "MB2037",
    "the import of `{path}` pins no version: a change to it would change this rulebook unreviewed",
    "pin the version you reviewed: `version {actual}`",
  ),
  importConflict: error(
    "MB2038",
    "{what} `{name}` is declared differently here and in `{path}`",
    "inputs, records and enums are shared by name with imported rulebooks: declare `{name}` exactly as `{path}` does, or leave it to the import",
  ),
  importCurrencyMismatch: error(
    "MB2039",
    "`{path}` settles in {theirs}, this rulebook in {ours}: an imported rulebook must settle in the same currency",
  ),
  importAliasClash: error("MB2040", "the namespace `{name}` is already {what}"),
  notImportableByName: error(
    "MB2041",
    "`{name}` is {what}: only parameters, tier tables, tables, functions, scenario sets, enums and records can be imported by name",
    'import the whole rulebook under a namespace: `import "{path}" as {alias}`',
  ),
  importMissingDependency: error(
    "MB2042",
    "`{name}` uses `{dependency}` of `{path}`: import it too",
    'write `import {names} from "{path}"`',
  ),
  importsTooDeep: error(
    "MB2043",
    "rulebooks import (or extend) each other more than {limit} levels deep",
    "import a rulebook that imports fewer others",
  ),
  namespaceAsValue: error(
    "MB2044",
    "`{name}` is an imported rulebook, not a value",
    "name one of its declarations, as in `{name}.{example}`",
  ),
  duplicateImportedName: error("MB2045", "`{name}` is imported twice"),
  importArithmeticMismatch: error(
    "MB2046",
    "`{path}` computes in {theirs}, this rulebook in {ours}: an imported rulebook must compute in the same arithmetic",
  ),

  // ---- MB3xxx: types and units ----
  incompatibleUnits: error("MB3001", "cannot {verb} {left} and {right}: the units differ"),
  incompatibleComparison: error("MB3002", "cannot compare {left} with {right}"),
  declaredTypeMismatch: error("MB3003", "`{name}` is declared as {expected} but its value is {actual}"),
  numericOperandExpected: error("MB3004", "`{op}` needs numbers, not {actual}"),
  booleanExpected: error("MB3005", "{what} must be a Bool, not {actual}"),
  branchMismatch: error("MB3006", "the branches of `if` differ: {then} and {else}"),
  argumentCount: error("MB3007", "`{name}` takes {expected} argument(s), not {actual}"),
  argumentMismatch: error("MB3008", "argument {index} of `{name}` must be {expected}, not {actual}"),
  dimensionlessExpected: error(
    "MB3009",
    "`{name}` needs a dimensionless number, not {actual}",
    "strip the unit explicitly with `number(...)` if that is really meant",
  ),
  notARecord: error("MB3010", "{actual} has no fields, so `.{name}` cannot be read"),
  notAList: error("MB3011", "`for ... in` needs a list, not {actual}"),
  aggregateNeedsList: error("MB3012", "`{name}` aggregates a list: write `{name}(x for v in list)`"),
  roundingStepMismatch: error("MB3013", "the rounding step is {actual}, but the output is {expected}"),
  domainBoundMismatch: error("MB3014", "the bound is {actual}, but the value is {expected}"),
  defaultMismatch: error("MB3015", "the default of `{name}` is {actual}, but the field is {expected}"),
  tierCellMismatch: error("MB3016", "column `{column}` is {expected}, but `{text}` is {actual}"),
  tierKeyMismatch: error("MB3017", "tier table `{table}` is keyed by {expected}, not {actual}"),
  scaleFactorNotDimensionless: error("MB3018", "`scale ... by` needs a dimensionless factor, not {actual}"),
  stepValueMismatch: error("MB3019", "cannot {verb} `{name}` ({expected}) with {actual}"),
  indexNotNumber: error("MB3020", "a list index must be a Number, not {actual}"),
  enumMismatch: error("MB3021", "cannot compare {left} with {right}: they are different enums"),
  notConstant: error("MB3022", "{what} must be a constant (literals and parameters only)"),
  unitNotNumeric: error("MB3023", "`{name}` is not a unit, so it cannot follow a number"),
  invalidExponent: error("MB3024", "a unit exponent must be a whole number, not `{text}`"),
  domainOnNonNumeric: error("MB3025", "a {type} value cannot have a numeric domain"),
  nonNumericColumn: error("MB3026", "tier column `{name}` must be numeric, not {actual}"),
  invalidGroupKey: error("MB3027", "a group key must be an enum, text, bool or number, not {actual}"),
  roundingNonNumeric: error("MB3028", "only numeric outputs can be rounded; `{name}` is {actual}"),
  timestampArithmetic: error(
    "MB3029",
    "cannot {verb} {left} and {right}",
    "a timestamp minus a timestamp is a Duration; a timestamp plus a Duration is a timestamp",
  ),
  oddUnitRoot: error(
    "MB3030",
    "the square root of {actual} has no unit",
    "strip the unit explicitly with `number(...)` if that is really meant",
  ),
  marginColumnNotRate: error(
    "MB3031",
    "`{method}` multiplies the key by column `{column}`, which must be a rate, not {actual}",
  ),
  listNeedsElement: error("MB3032", "`List` needs an element type, as in `List<Position>`"),
  numberOutOfRange: error("MB3033", "`{text}` is too large for a number (binary64 overflows to infinity)"),
  constantNotFinite: error(
    "MB3034",
    "{what} is {value}, not a finite number",
    "binary64 overflows beyond about 1.8e308",
  ),
  timestampListElements: error(
    "MB3035",
    "the elements of {actual} cannot be read",
    "use a list of records with a Timestamp field (`record Fixing { at: Timestamp }` and a `List<Fixing>`)",
  ),
  constantFails: error("MB3036", "{what} has no value: {reason}"),
  outputNotScalar: error(
    "MB3037",
    "output `{name}` is {actual}: an output must be a number, a Bool, Text, an enum member, a timestamp, or a list or record of these",
    "aggregate the list (`sum(...)`, `max(...)`, `count(...)`) or output one element",
  ),
  notAnInteger: error("MB3060", "{what} is an Integer, but `{text}` is not a whole number"),
  severalIndexes: error(
    "MB3061",
    "a list takes one index: several keys, as in `t[a, b]`, index a table keyed by a tuple",
  ),
  recursiveFunction: error(
    "MB3070",
    "function `{name}` calls itself ({cycle}): functions cannot be recursive",
    "iterate with a comprehension, `reduce(... from acc = init)` or `scan(...)` instead",
  ),
  functionReadsValue: error(
    "MB3071",
    "function `{fn}` reads {what} `{name}`: a function reads only its arguments, parameters, tables and constants",
    "pass `{name}` to the function as an argument",
  ),
  untypedFunctionParameter: error(
    "MB3072",
    "parameter `{name}` of function `{fn}` has no type",
    "give it one, as in `{name}: USD` or `{name}: Position`",
  ),
  functionNotAggregate: error(
    "MB3073",
    "`{name}` is a function, not an aggregation",
    "call it inside the element, as in `sum({name}(x) for x in xs)`",
  ),
  listElementMismatch: error(
    "MB3074",
    "the elements of a list must have one type: element {index} is {actual}, the first is {expected}",
  ),
  accumulatorOutsideFold: error(
    "MB3075",
    "`from acc = init` only starts a fold, in `reduce(...)` or `scan(...)`",
  ),
  clauseNotTaken: error("MB3076", "{what} takes no `{clause}`"),
  foldNeedsAccumulator: error(
    "MB3077",
    "`{name}` needs a running value: `{name}(acc * 0.94 + x for x in xs from acc = 0)`",
  ),
  indexNotList: error("MB3081", "only lists can be indexed, not {actual}"),
  notAnAggregate: error("MB3082", "`{name}` does not aggregate a list"),
  byOutsideGroup: error("MB3083", "`by` only groups, in `group(x for v in list by key)`"),
  sumNeedsNoDefault: error("MB3084", "`sum` of an empty list is 0: it needs no `default`"),
  groupNeedsKey: error("MB3085", "`group` needs a key: `group(x for v in list by key)`"),
  typeArgumentNotList: error("MB3086", "only `List` takes a type argument, not `{name}`"),
  unitFactorNotUnit: error(
    "MB3087",
    "{name} is not a unit, so it cannot be multiplied, divided or raised to a power",
  ),
  nonNumericScenarioAxis: error(
    "MB3088",
    "scenario axis `{name}` must be numeric, not {actual}: an axis is a shock (a price move, a volatility)",
    'a scenario\'s label is its name: write `scenario "up" move 10%` and read the label as `s.name`',
  ),
  optionsNotTaken: error(
    "MB3100",
    "`{name}` takes no named options",
    "named options (`name: value`) belong to `liquidation_price` and `bankruptcy_price`",
  ),
  unknownOption: error("MB3101", "`{name}` has no option `{option}`", "its options are {options}"),
  duplicateOption: error("MB3102", "option `{option}` is given twice"),
  invalidOptionWord: error("MB3103", "option `{option}` is one of {words}, not `{text}`"),
  closingFeeOutOfRange: error(
    "MB3104",
    "the closing fee must be a constant Rate from 0 up to (not including) 100%, not {actual}",
    "write the taker fee rate, for example `closing_fee: 0.055%`",
  ),
  optionBeforeArgument: error(
    "MB3105",
    "an argument follows a named option: options come after all the arguments",
  ),
  tupleOutsideGroupKey: error(
    "MB3110",
    "a tuple `(a, b, ...)` is only a group key",
    "group by several keys with `group(p for p in xs by (p.currency, p.kind))`; read them as `g.key.currency`",
  ),
  unnamedTupleKey: error(
    "MB3111",
    "each part of a group key `(a, b, ...)` must be a field or a name, each name once: {problem}",
    "`by (p.currency, p.kind)` names the parts `currency` and `kind`, read as `g.key.currency`",
  ),
  duplicateRecordField: error("MB3112", "field `{name}` is given twice in this record"),
  undeclaredRecordOutput: error(
    "MB3113",
    "output `{name}` is a record: declare its type",
    "declare `record {type} { ... }` with the fields and write `output {name}: {type} = { ... }`",
  ),

  // ---- MB4xxx: rulebook semantics ----
  invalidVersion: error(
    "MB4001",
    "`{text}` is not a semantic version",
    "write MAJOR.MINOR.PATCH, for example `1.0.0`",
  ),
  invalidTimestamp: error(
    "MB4002",
    "`{text}` is not a valid timestamp",
    "write an ISO 8601 UTC time, for example `2026-12-01T00:00:00Z`",
  ),
  missingHeaderField: error(
    "MB4003",
    "the header has no `{key}`",
    "add `{key} {example}` after the rulebook name",
  ),
  duplicateHeaderField: error("MB4004", "`{key}` is given twice in the header"),
  missingHeader: error(
    "MB4005",
    "the file has no `rulebook` header",
    'start the file with `rulebook "<name>" version 1.0.0 effective <timestamp> currency <code>`',
  ),
  tiersNotAscending: error(
    "MB4006",
    "tier rows must ascend: this row starts at {lower}, below the previous row's start {previous}",
  ),
  tierGap: error("MB4007", "gap between tiers: {gap} falls in no tier"),
  tierOverlap: error("MB4008", "tiers overlap: {overlap} falls in this row and in the previous one"),
  imBelowMm: error("MB4009", "initial margin rate {imr} is below maintenance margin rate {mmr} in this tier"),
  rateDecreases: warning("MB4010", "`{column}` decreases from {previous} to {current} as size grows"),
  tierCellCount: error("MB4011", "this row has {actual} value(s) but the table has {expected} column(s)"),
  emptyTierTable: error("MB4012", "tier table `{name}` has no rows"),
  missingTierMode: error(
    "MB4013",
    "tier table `{name}` does not say whether it is `flat` or `marginal`",
    "add `, marginal` (each slice at its own rate) or `, flat` (the whole position at one rate) after the key type",
  ),
  tiersStartAboveZero: warning("MB4014", "the first tier starts at {lower}: smaller values fall in no tier"),
  tiersEndBelowInfinity: warning(
    "MB4015",
    "the last tier ends at {upper}: larger values fall in no tier",
    "end the last row with `inf)`",
  ),
  emptyTierInterval: error("MB4016", "this tier is empty: {interval} contains no value"),
  ruleNeverFires: warning("MB4017", "rule `{name}` can never fire: {reason}"),
  unusedParameter: warning("MB4018", "parameter `{name}` is never used"),
  unusedInput: warning("MB4019", "input `{name}` is never used"),
  unusedLet: warning("MB4020", "`{name}` is never used"),
  adjustedBeforeSet: error("MB4021", "`{name}` is used before any rule sets it"),
  conditionalFirstSet: error(
    "MB4022",
    "`{name}` is first set under a condition, so it may have no value",
    "set it unconditionally in an earlier rule",
  ),
  emptyRule: warning("MB4023", "rule `{name}` has no steps"),
  assertionConstant: warning("MB4024", "this {what} is always {value}"),
  noOutputs: warning("MB4025", "the rulebook declares no outputs"),
  letDependsOnQuantity: error(
    "MB4026",
    "`{name}` depends on `{quantity}`, which rules are still adjusting here",
    "use `{quantity}` directly, or move the computation into a rule step",
  ),
  nonPositiveRoundingStep: error("MB4027", "the rounding step must be positive, not {value}"),
  emptyDomain: error("MB4028", "the domain of `{name}` is empty: {bounds}"),
  valueOutsideDomain: error("MB4029", "the value {value} of `{name}` is outside its domain {domain}"),
  rangeStepNotPositive: error("MB4030", "the step of a range must be positive"),
  marginRoundsDown: warning(
    "MB4031",
    "`{name}` is a margin requirement but rounds {direction}",
    "margin requirements round up, so that rounding never under-collects",
  ),
  duplicateRuleName: error("MB4032", "rule `{name}` is declared twice"),
  emptyScenarioSet: error("MB4033", "scenario set `{name}` has no scenarios"),
  duplicateScenarioAxis: error("MB4034", "axis `{name}` is given twice in this scenario"),
  overrideTypeMismatch: error(
    "MB4035",
    "the override of `{name}` is {actual}, but the base declares {expected}",
  ),
  noInputs: warning("MB4036", "the rulebook declares no inputs"),
  extendsWithoutFile: error("MB4037", "`extends` needs the path of a `.margin` file in quotes"),
  headerValueKind: error("MB4038", "`{key}` expects {expected}"),
  tooManyScenarios: error(
    "MB4039",
    "scenario set `{name}` expands to {count} scenarios; the limit is {limit}",
  ),
  overrideDropsColumn: error(
    "MB4040",
    "the override of tier table `{name}` has no column `{column}`, which the base declares",
  ),
  duplicateOverride: error("MB4041", "`{name}` is overridden twice"),
  tooManyDeclarations: error("MB4042", "the rulebook has {count} {what}; the limit is {limit}"),
  verifyTargetNotNumeric: error(
    "MB4043",
    "`verify {property}` is about numeric outputs, lets and quantities, but `{name}` is {what}",
  ),
  verifyVariableNotInputField: error(
    "MB4044",
    "`in` needs a numeric field of an input, but this is {what}",
    "name the input field the values vary with, for example `in position.size`",
  ),
  verifyMissingVariable: error(
    "MB4045",
    "`verify {property}` needs the input field it varies",
    "add `in <input field>`, for example `in position.size`",
  ),
  verifyUnexpectedVariable: error(
    "MB4046",
    "`verify nonnegative` holds for every input at once: it takes no `in`",
    "remove `in {text}`",
  ),
  textTooLong: error("MB4047", "{what} is {length} characters long; the limit is {limit}"),
  tooManyArguments: error("MB4048", "this call has {count} arguments; the limit is {limit}"),
  // Keyed tables and tier table families (`table t by k: K { ... }`, `tiers t[k: K] by ...`).
  tableMissingKeys: error(
    "MB4060",
    "table `{table}` has no row for {missing}",
    "add the missing rows, or a `default:` row for every key not listed",
  ),
  tableDuplicateKey: error("MB4061", "table `{table}` has two rows for {key}"),
  tableKeyMismatch: error("MB4062", "{key} is not a key of table `{table}`: its keys are {expected}"),
  tableKeyType: error(
    "MB4063",
    "the key `{name}` of table `{table}` is {actual}: a key is an enum, a Text or an Integer",
  ),
  tableNeedsKey: error(
    "MB4064",
    "`{table}` holds one tier table per `{key}`: pick one with `{table}[{key}]`",
  ),
  tableNotKeyed: error("MB4065", "`{name}` is {what}, so it cannot be indexed by a key"),
  tableRowOutsideGroup: error(
    "MB4066",
    "this row of `{table}` comes before any `KEY:` label",
    "start the rows of each table with its key, as in `BTCUSDT:`",
  ),
  tableKeyCount: error("MB4067", "table `{table}` is keyed by {expected} value(s), not {actual}"),
  tableTwoDefaults: error("MB4068", "table `{table}` has two `default:` rows"),
  tableLimitUnbounded: warning(
    "MB4069",
    "`limit` marks a finite last tier, but the last tier of `{table}` ends at inf",
    "remove `, limit`, or give the last tier its upper bound",
  ),
  tableRowValue: error("MB4070", "`{text}` is {what}"),
  startNotDerived: error(
    "MB4071",
    "`start` gives the first derived deduction of `{column}`, which only a rate column of a `marginal` tier table has",
  ),
  rangeDownwards: error("MB4081", "a range must run upwards: `from` is above `to`"),
  decimalFieldWithoutDecimal: error(
    "MB4090",
    "`{key}` applies only to decimal arithmetic, and this rulebook computes in binary64",
    "add `arithmetic decimal` to the header, or remove `{key}`",
  ),

  // ---- MB51xx: the SQL target (marginbook compile --target sql) ----
  sqlUnsupported: error(
    "MB5101",
    "{what} cannot be compiled to SQL ({dialect}): {reason}",
    "evaluate this rulebook with the runtime (`marginbook eval`, `batch --engine js`)",
  ),
  sqlRuntimeStep: error(
    "MB5102",
    "`{fn}` with a step computed at run time cannot be compiled to SQL ({dialect})",
    "give the rounding step as a constant or a parameter",
  ),
  sqlUnknownInput: error(
    "MB5103",
    "input `{path}` of type {type} cannot be a column of the input relation ({dialect})",
  ),
  sqlDecimalUnsupported: error(
    "MB5110",
    "{what} cannot be computed exactly in decimal arithmetic in SQL ({dialect}): {reason}",
    "evaluate this rulebook with the runtime (`marginbook eval`, `batch --engine js`), which computes it exactly",
  ),
  /** A row error of the SQL target in decimal arithmetic (in the query's error column). */
  sqlDecimalRange: error(
    "MB5111",
    "a decimal value reaches 10^19, or an input has more than 18 decimal places, beyond the SQL target's DECIMAL(38, 18): the row is not computed",
    "evaluate this row with the runtime, which has no such limit",
  ),
  /** A row error of the SQL target in decimal arithmetic (in the query's error column). */
  sqlDecimalPlaces: error(
    "MB5112",
    "an exact product needs more than 18 decimal places, which the SQL target's DECIMAL(38, 18) does not hold",
    "evaluate this row with the runtime, which keeps every digit",
  ),

  // ---- MB60xx: evaluation (both evaluators raise these, from the same sites) ----
  /** Reported by input validation (the evaluators assume validated inputs). */
  invalidInput: error("MB6001", "invalid input: {detail}"),
  divisionByZero: error("MB6002", "division by zero"),
  sqrtOfNegative: error("MB6003", "square root of a negative number ({value})"),
  lnOfNonPositive: error("MB6004", "logarithm of {value}, which is not positive"),
  emptyAggregate: error("MB6005", "`{fn}` of an empty list, and no `default`"),
  outsideTiers: error("MB6006", "{value} falls in no tier of `{table}`"),
  nonFiniteOutput: error("MB6007", "output `{name}` is {value}"),
  assertionFailed: error("MB6008", "assertion failed: {message}"),
  indexOutOfRange: error("MB6009", "index {index} is outside the list (length {length})"),
  invalidArgument: error("MB6010", "`{fn}`: {detail}"),
  nonFiniteValue: error("MB6011", "`{name}` is {value}: a computation overflowed binary64"),
  missingKey: error("MB6020", "table `{table}` has no row for {key}"),
  aboveLimit: error(
    "MB6021",
    "{value} is above the limit of `{table}` ({limit}): the table ends there by design",
  ),
  noLiquidationPrice: error("MB6030", "`{fn}` has no price: {detail}"),
  emptyOrderStatistic: error("MB6040", "`{fn}` of an empty list"),
  rankOutOfRange: error("MB6041", "`{fn}`: k = {k} is not a whole number from 1 to {length}"),
  quantileOutOfRange: error("MB6042", "`quantile`: q = {q} is outside [0, 1]"),

  // ---- MB61xx: artifacts, signatures and the registry (the message adds the reason) ----
  artifactNotJson: error("MB6101", "the artifact is not JSON, or cannot be copied as JSON"),
  notAnArtifact: error("MB6102", "not a marginbook artifact (`format` is missing or different)"),
  artifactVersionUnsupported: error("MB6103", "a format or IR version this runtime does not read"),
  artifactInvalidStructure: error("MB6104", "the artifact does not match its JSON Schema"),
  artifactHashMismatch: error("MB6105", "the IR does not match `irHash`: modified after compilation"),
  artifactInconsistent: error(
    "MB6106",
    "the IR is inconsistent (an index out of range, a header that differs)",
  ),
  artifactTooLarge: error("MB6107", "the artifact is larger or deeper than this runtime accepts"),
  artifactCodegenFailed: error("MB6108", "the evaluator could not be generated (a bug in marginbook)"),
  artifactUnsigned: error("MB6151", "the artifact carries no signature, and one is required"),
  artifactUntrusted: error("MB6152", "the artifact is signed by a key that is not trusted"),
  signatureInvalid: error("MB6153", "the signature does not hold: modified after signing, or malformed"),
  versionConflict: error("MB6161", "this version is loaded already, with a different IR"),
  rulebookNotFound: error("MB6162", "no such rulebook, or no version of it in force at that time"),
  checksFailed: error("MB6163", "the version failed the engine's checks"),
  notApproved: error("MB6164", "fewer approvals from distinct trusted keys than the registry requires"),
  versionWithdrawn: error("MB6165", "the version was withdrawn: it never serves again"),
  belowMinimumVersion: error("MB6166", "the version is below the rulebook's minimum version"),

  // ---- MB62xx: the evaluation server (the message adds the reason) ----
  malformedRequest: error("MB6201", "the body is not JSON, or not the shape the route takes"),
  bodyTooLarge: error("MB6202", "the body is larger than the server accepts"),
  batchTooLarge: error("MB6203", "the batch has more inputs than the server accepts"),
  timeLimit: error("MB6204", "the request took longer than the server's time limit"),
  unauthorized: error("MB6205", "the request has no valid bearer token"),
  noRoute: error("MB6206", "no such route, or a method the route does not take"),
  notReady: error("MB6207", "the server has no rulebook loaded yet"),

  // ---- MB7xxx: review of a change between two versions ----
  versionNotBumped: warning(
    "MB7001",
    "behaviour changed but the version is still {version}",
    "a {impact} change needs at least version {suggested}",
  ),
  bumpTooSmall: warning(
    "MB7002",
    "{old} -> {new} is a {actual} bump, but the change is {impact}",
    "use at least version {suggested}",
  ),
  effectiveNotForward: warning("MB7003", "the effective date does not move forward: {old} -> {new}"),
  versionDecreased: warning("MB7004", "the version goes backwards: {old} -> {new}"),
} as const satisfies Record<string, MessageSpec>;

export type MessageName = keyof typeof messages;

/** The stage each code range belongs to (used by the catalog test and by SARIF rule metadata). */
export const codeRanges: ReadonlyArray<{ prefix: string; stage: string }> = [
  { prefix: "MB1", stage: "syntax" },
  { prefix: "MB2", stage: "names" },
  { prefix: "MB3", stage: "types and units" },
  { prefix: "MB4", stage: "rulebook semantics" },
  { prefix: "MB5", stage: "code generation" },
  { prefix: "MB6", stage: "evaluation" },
  { prefix: "MB7", stage: "review" },
];

/** Fills `{name}` placeholders; a placeholder without a value is a bug in the tool, so it throws. */
export function fillTemplate(template: string, args: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = args[key];
    if (value === undefined)
      throw new Error(`diagnostic template "${template}" is missing a value for {${key}}`);
    return String(value);
  });
}
