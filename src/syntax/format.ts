/**
 * The canonical formatter for `.margin` files: a printer over the AST that never loses a comment.
 *
 * Layout (one canonical form, whatever the input looked like; `test/format/*.output.margin` shows it):
 * - The header is `rulebook "Name"` and then one field per line, indented two spaces, in source order.
 * - Top-level declarations are separated by exactly one blank line, except that consecutive `param`,
 *   `let`, `output` or `assert` declarations that were on adjacent lines (no blank line between them)
 *   stay together: they read as one group, like the lines of a table.
 * - A block (`enum`, `record`, inline `input`, `rule`) stays on one line, `{ a, b }` with commas, when
 *   it was written with its first item on the line of the `{`, has no comment inside, fits in
 *   `MAX_WIDTH` columns, and, for a rule, has exactly one step. Otherwise it gets one item per line,
 *   indented two spaces, without commas. So the author chooses between the two forms by the line
 *   break after `{`, and formatting twice changes nothing. Tier tables and scenario sets always get
 *   one item per line; empty blocks are `{}`.
 * - Tier rows are aligned as a table: every column is padded to its widest entry, two spaces apart;
 *   the interval column is left-aligned and the number columns right-aligned.
 * - Expressions are printed with the fewest parentheses the grammar's precedence and left
 *   associativity allow (see `printExpression` for the two exceptions); literals keep their text; a
 *   fraction of two plain numbers is written tight (`1/3`), every other operator with spaces.
 * - A `param`, `let`, `fn`, `output`, `assert`, `verify` or `set` step longer than `MAX_WIDTH` is
 *   broken (see `wrapValue`; a message moves to its own line); nothing else is ever wrapped.
 *
 * Comments: each comment goes to the nearest item of its block (declaration, header field, record
 * field, enum member, tier row, rule step, scenario statement). A comment after code on the same line
 * trails that item's last line; one on the line of a `{` trails the `{`; trailing comments on
 * consecutive lines of one indentation are aligned, two spaces after the longest code. Any
 * other comment leads the next item, on its own lines at the item's indentation, or, with no item
 * after it, goes before the `}` (or stays at the end of the file). A comment inside an item that is
 * not a block (inside an expression, say) moves above that item. At the top level a blank line
 * between leading comments, or between a plain comment and its declaration, is kept (one at most);
 * `///` doc comments always sit directly above their declaration.
 */
import { LineMap } from "../diagnostics/line-map.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";
import { parseRulebook } from "./parse.js";
import { reservedWords } from "../../grammar/tokens.js";

/** The line width aimed at: blocks are joined and values left unbroken only within it (comments aside). */
const MAX_WIDTH = 100;
const INDENT = "  ";
/** Between the columns of a tier table, and between code and its trailing comment. */
const GAP = "  ";
/** The declaration kinds that may stay grouped without blank lines (see the file comment). */
const GROUPABLE_KINDS: ReadonlySet<string> = new Set([
  "ImportDecl",
  "ParamDecl",
  "LetDecl",
  "OutputDecl",
  "AssertDecl",
  "VerifyDecl",
]);

/** What `formatSource` returns: the formatted text, the syntax diagnostics, and whether it differs. */
export interface FormatResult {
  text: string;
  diagnostics: Diagnostic[];
  changed: boolean;
}

/**
 * Formats one `.margin` source in the canonical layout. A source with syntax errors is returned
 * unchanged, with those errors: a broken file is never rewritten. `file` only labels diagnostics.
 */
export function formatSource(source: string, file = "<input>"): FormatResult {
  const { ast, diagnostics } = parseRulebook(source, file);
  if (hasErrors(diagnostics)) return { text: source, diagnostics, changed: false };
  const text = new Printer(source).rulebook(ast);
  return { text, diagnostics, changed: text !== source };
}

// ---- expressions ----

/** Binding strength of each expression level, loosest first, as in the grammar (`parser.ts`). */
const PREC = {
  if: 0,
  or: 1,
  and: 2,
  not: 3,
  comparison: 4,
  additive: 5,
  multiplicative: 6,
  unary: 7,
  postfix: 8,
  primary: 9,
} as const;

const BINARY_PREC: Record<A.BinaryOperator, number> = {
  or: PREC.or,
  and: PREC.and,
  "<": PREC.comparison,
  "<=": PREC.comparison,
  ">": PREC.comparison,
  ">=": PREC.comparison,
  "==": PREC.comparison,
  "!=": PREC.comparison,
  "+": PREC.additive,
  "-": PREC.additive,
  "*": PREC.multiplicative,
  "/": PREC.multiplicative,
};

/**
 * Operators that the grammar would read as part of a unit when they follow a number with a unit:
 * `10 USDT * q` is the literal `10 (USDT*q)`, and `10 USDT < x` starts `USDT<...>`. A unit literal
 * right before one of them keeps its parentheses: `(10 USDT) * q`.
 */
const UNIT_CONTINUATIONS: ReadonlySet<string> = new Set(["*", "/", "<"]);
/** A printed expression that ends with a unit (a type name, an exponent, or a `List<...>`). */
const ENDS_WITH_UNIT = /(?:\b[A-Z][A-Za-z0-9_]*|\^-?\d[\d.]*|>)$/;

/**
 * Prints an expression on one line in canonical form, with the fewest parentheses that keep its
 * meaning: `a - (b - c)` keeps them, `(a * b) + c` loses them. Two exceptions add parentheses the
 * precedence alone would not need: an `if` that is an operand (its `else` branch would swallow
 * everything to its right), and a number with a unit before `*`, `/` or `<` (see above).
 */
export function printExpression(expr: A.Expr): string {
  return printExpr(expr, PREC.if);
}

function printExpr(expr: A.Expr, minPrec: number): string {
  const text = printBare(expr);
  return precedence(expr) < minPrec ? `(${text})` : text;
}

function precedence(expr: A.Expr): number {
  switch (expr.kind) {
    case "BinaryExpr":
      return BINARY_PREC[expr.op];
    case "UnaryExpr":
      return expr.op === "not" ? PREC.not : PREC.unary;
    case "IfExpr":
    case "LetExpr":
      return PREC.if;
    case "MemberExpr":
    case "CallExpr":
    case "IndexExpr":
      return PREC.postfix;
    default:
      return PREC.primary;
  }
}

function printBare(expr: A.Expr): string {
  switch (expr.kind) {
    case "NumberLit":
      return expr.text + (expr.suffix ?? "") + (expr.unit ? ` ${printType(expr.unit)}` : "");
    case "DurationLit":
    case "TimestampLit":
      return expr.text;
    case "StringLit":
      return quote(expr.value);
    case "BoolLit":
      return String(expr.value);
    case "NameRef":
      return expr.name;
    case "EnumRef":
      return `${expr.enumName.text}.${printMemberName(expr.member.text)}`;
    case "MemberExpr":
      return `${printExpr(expr.object, PREC.postfix)}.${expr.member.text}`;
    case "IndexExpr":
      return `${printExpr(expr.object, PREC.postfix)}[${[expr.index, ...(expr.more ?? [])].map(printExpression).join(", ")}]`;
    case "CallExpr":
      return printCall(expr);
    case "UnaryExpr":
      return expr.op === "not"
        ? `not ${printExpr(expr.operand, PREC.not)}`
        : expr.op + printExpr(expr.operand, PREC.unary);
    case "BinaryExpr":
      return printBinary(expr);
    case "IfExpr":
      return `if ${printExpression(expr.condition)} then ${printExpression(expr.then)} else ${printExpression(expr.else)}`;
    case "LetExpr":
      return `let ${expr.bindings.map(printBinding).join(", ")} in ${printExpression(expr.body)}`;
    case "ListExpr":
      if (expr.tuple) return `(${expr.items.map(printExpression).join(", ")})`;
      return expr.comprehension
        ? `[${printComprehension(expr.items.map(printExpression).join(", "), expr.comprehension)}]`
        : `[${expr.items.map(printExpression).join(", ")}]`;
    case "RecordExpr":
      return `{ ${expr.fields.map((f) => `${f.name.text}: ${printExpression(f.value)}`).join(", ")} }`;
    case "MissingExpr":
      return "<missing>";
  }
}

function printBinding(binding: A.LocalBinding): string {
  return `${binding.name.text} = ${printExpression(binding.value)}`;
}

/** `elem for x in xs let y = ... from acc = init where c by k default d`. */
function printComprehension(element: string, c: A.Comprehension): string {
  const variable = c.indexVariable ? `${c.variable.text}, ${c.indexVariable.text}` : c.variable.text;
  const parts = [element, "for", variable, "in", printExpression(c.source)];
  for (const b of c.bindings ?? []) parts.push("let", printBinding(b));
  if (c.accumulator)
    parts.push("from", `${c.accumulator.text} =`, c.init ? printExpression(c.init) : "<missing>");
  if (c.filter) parts.push("where", printExpression(c.filter));
  if (c.groupKey) parts.push("by", printExpression(c.groupKey));
  if (c.fallback) parts.push("default", printExpression(c.fallback));
  return parts.join(" ");
}

function printBinary(expr: A.BinaryExpr): string {
  const prec = BINARY_PREC[expr.op];
  if (expr.op === "/" && isPlainNumber(expr.left) && isPlainNumber(expr.right)) {
    return `${printBare(expr.left)}/${printBare(expr.right)}`; // a fraction, as in `grid price [1/3, -2/3]`
  }
  // Comparisons do not chain (`a < b < c` is a syntax error), so both sides bind tighter.
  const leftMin = prec === PREC.comparison ? prec + 1 : prec;
  const left = guardUnit(printExpr(expr.left, leftMin), expr.op);
  return `${left} ${expr.op} ${printExpr(expr.right, prec + 1)}`;
}

/** A number without unit or suffix, possibly signed: the parts of a fraction such as `-1/3`. */
function isPlainNumber(expr: A.Expr): boolean {
  if (expr.kind === "UnaryExpr" && expr.op !== "not") return isPlainNumber(expr.operand);
  return expr.kind === "NumberLit" && !expr.unit && !expr.suffix;
}

/** Parenthesises `text` when it ends with a unit and `next` would be read as part of that unit. */
function guardUnit(text: string, next: string | undefined): string {
  return next !== undefined && UNIT_CONTINUATIONS.has(next) && ENDS_WITH_UNIT.test(text) ? `(${text})` : text;
}

function printCall(expr: A.CallExpr): string {
  const callee = printExpr(expr.callee, PREC.postfix);
  const args = callItems(expr)
    .map((item) => (isOption(item) ? printOption(item) : printExpression(item)))
    .join(", ");
  const c = expr.comprehension;
  if (!c) return `${callee}(${args})`;
  return `${callee}(${printComprehension(args, c)})`;
}

/**
 * A `verify` declaration on one line: `verify <condition> "message"` or
 * `verify nondecreasing a, b in position.size "message"`.
 */
export function printVerify(decl: A.VerifyDecl): string {
  const message = decl.message === undefined ? "" : ` ${quote(decl.message)}`;
  if (decl.property === "invariant")
    return `verify ${decl.condition ? printExpression(decl.condition) : "<missing>"}${message}`;
  const variable = decl.variable ? ` in ${printExpr(decl.variable, PREC.postfix)}` : "";
  return `verify ${decl.property} ${decl.targets.map((t) => t.text).join(", ")}${variable}${message}`;
}

/** Prints a type as written in canonical spacing: `USDT / Quantity`, `List<Position>`, `Quantity^2`. */
export function printType(type: A.TypeRef): string {
  return type.factors
    .map((factor, i) => {
      // After the first factor the sign of the exponent is the operator (`/` negates it).
      const power = i === 0 ? factor.exponent : Math.abs(factor.exponent);
      const op = i === 0 ? "" : factor.exponent < 0 ? " / " : " * ";
      const argument = factor.argument
        ? `<${printType(factor.argument)}>`
        : factor.valueArgument
          ? `<${factor.valueArgument.text}>`
          : "";
      return `${op}${factor.name.text}${argument}${power === 1 ? "" : `^${power}`}`;
    })
    .join("");
}

/** Quotes a string value with the escapes the lexer understands. */
function quote(value: string): string {
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

// ---- long values ----

/** A declaration's closing `"message"`: on its last line when it fits, else on a line of its own. */
function withMessage(lines: string[], message: string | undefined): string[] {
  if (message === undefined) return lines;
  const last = `${lines[lines.length - 1]!} ${quote(message)}`;
  if (last.length <= MAX_WIDTH) return [...lines.slice(0, -1), last];
  return [...lines, INDENT + quote(message)];
}

/** A `verify` declaration: on one line when it fits, else its condition wrapped and its message below. */
function verifyLines(decl: A.VerifyDecl): string[] {
  const flat = printVerify(decl);
  if (flat.length <= MAX_WIDTH) return [flat];
  const bare = { ...decl, message: undefined };
  const lines =
    decl.property === "invariant" && decl.condition
      ? wrapValue("verify ", decl.condition, "", MAX_WIDTH)
      : [printVerify(bare)];
  return withMessage(lines, decl.message);
}

/**
 * `prefix value suffix` on one line when it fits in `width`. Otherwise a comprehension keeps its
 * head (`sum(`) and gets its element and each clause on their own lines; any other value moves to
 * the next line, and if it still does not fit, an `if` puts its branches on their own lines, a
 * chain of `or`, `and` or `+`/`-` puts each operand on its own line, operator first, and a call puts
 * each argument on its own line (breaking them in turn).
 */
function wrapValue(prefix: string, value: A.Expr, suffix: string, width: number): string[] {
  const flat = printExpression(value);
  if (prefix.length + flat.length + suffix.length <= width) return [prefix + flat + suffix];
  if (value.kind === "CallExpr" && value.comprehension) {
    const head = `${prefix}${printExpr(value.callee, PREC.postfix)}(`;
    return [
      head,
      ...comprehensionLines(value, value.comprehension, width - INDENT.length).map((line) => INDENT + line),
      `)${suffix}`,
    ];
  }
  const room = width - INDENT.length;
  const body = flat.length + suffix.length <= room ? [flat] : breakExpression(value, room);
  body[body.length - 1] += suffix;
  return [prefix.trimEnd(), ...body.map((line) => INDENT + line)];
}

function comprehensionLines(call: { args: A.Expr[] }, c: A.Comprehension, width: number): string[] {
  const element = call.args.map(printExpression).join(", ");
  const variable = c.indexVariable ? `${c.variable.text}, ${c.indexVariable.text}` : c.variable.text;
  const lines = [
    ...(element.length <= width || call.args.length !== 1
      ? [element]
      : breakExpression(call.args[0]!, width)),
    `for ${variable} in ${printExpression(c.source)}`,
  ];
  for (const b of c.bindings ?? []) lines.push(`let ${printBinding(b)}`);
  if (c.accumulator)
    lines.push(`from ${c.accumulator.text} = ${c.init ? printExpression(c.init) : "<missing>"}`);
  if (c.filter) lines.push(`where ${printExpression(c.filter)}`);
  if (c.groupKey) lines.push(`by ${printExpression(c.groupKey)}`);
  if (c.fallback) lines.push(`default ${printExpression(c.fallback)}`);
  return lines;
}

/** Operators a long chain may be broken before (never `*` or `/`: see `UNIT_CONTINUATIONS`). */
const BREAKABLE_OPERATORS: ReadonlySet<string> = new Set(["or", "and", "+", "-"]);

function breakExpression(expr: A.Expr, width: number): string[] {
  if (expr.kind === "IfExpr") return ifLines(expr, width);
  if (expr.kind === "CallExpr" && expr.args.length > 0) return callLines(expr, width);
  if (expr.kind === "LetExpr") return letLines(expr, width);
  if (expr.kind === "RecordExpr" && expr.fields.length > 0)
    return [
      "{",
      ...expr.fields.map(
        (f, i) =>
          `${INDENT}${f.name.text}: ${printExpression(f.value)}${i < expr.fields.length - 1 ? "," : ""}`,
      ),
      "}",
    ];
  if (expr.kind === "ListExpr" && expr.comprehension)
    return [
      "[",
      ...comprehensionLines({ args: expr.items }, expr.comprehension, width - INDENT.length).map(
        (line) => INDENT + line,
      ),
      "]",
    ];
  if (expr.kind !== "BinaryExpr") return [printExpression(expr)];
  const prec = BINARY_PREC[expr.op];
  // `a * f(...)`: not broken at the `*`, but the call at its end is.
  if (!BREAKABLE_OPERATORS.has(expr.op))
    return operandLines(`${printExpr(expr.left, prec)} ${expr.op} `, expr.right, prec + 1, width);
  const rest: [string, A.Expr][] = [];
  let first: A.Expr = expr;
  while (first.kind === "BinaryExpr" && BINARY_PREC[first.op] === prec) {
    rest.unshift([`${first.op} `, first.right]);
    first = first.left;
  }
  return [
    ...operandLines("", first, prec, width),
    ...rest.flatMap(([op, operand]) => operandLines(op, operand, prec + 1, width)),
  ];
}

/**
 * One operand after `prefix` (an operator, `then`, `else`): on one line; or a long call, list or
 * `let` broken in turn; or, in parentheses, a long chain broken inside them.
 */
function operandLines(prefix: string, operand: A.Expr, prec: number, width: number): string[] {
  const flat = prefix + printExpr(operand, prec);
  if (flat.length <= width) return [flat];
  if (precedence(operand) < prec) {
    if (operand.kind !== "BinaryExpr" && operand.kind !== "IfExpr") return [flat];
    const inner = breakExpression(operand, width - INDENT.length);
    return [`${prefix}(`, ...inner.map((line) => INDENT + line), ")"];
  }
  const breakable =
    (operand.kind === "CallExpr" && operand.args.length > 0) ||
    operand.kind === "LetExpr" ||
    operand.kind === "RecordExpr" ||
    (operand.kind === "ListExpr" && operand.comprehension !== undefined) ||
    operand.kind === "BinaryExpr";
  if (!breakable) return [flat];
  const [head, ...others] = breakExpression(operand, width - prefix.length);
  return [prefix + head, ...others];
}

/** `let a = x, b = y in` (or one binding a line), then the body indented under it. */
function letLines(expr: A.LetExpr, width: number): string[] {
  const bindings = expr.bindings.map(printBinding);
  const head = `let ${bindings.join(", ")} in`;
  const heads =
    head.length <= width || bindings.length === 1
      ? [head]
      : bindings.map(
          (b, i) => `${i === 0 ? "let " : INDENT + INDENT}${b}${i < bindings.length - 1 ? "," : " in"}`,
        );
  const room = width - INDENT.length;
  const body = printExpression(expr.body);
  return [
    ...heads,
    ...(body.length <= room ? [body] : breakExpression(expr.body, room)).map((l) => INDENT + l),
  ];
}

/**
 * A call that does not fit: `callee(`, then each argument (or a comprehension's element and
 * clauses) on its own line, itself broken when it still does not fit, then `)`. Newlines inside
 * parentheses are only spacing to the parser.
 */
function callLines(call: A.CallExpr, width: number): string[] {
  const room = width - INDENT.length;
  const head = `${printExpr(call.callee, PREC.postfix)}(`;
  if (call.comprehension)
    return [head, ...comprehensionLines(call, call.comprehension, room).map((line) => INDENT + line), ")"];
  const items = callItems(call);
  const args = items.flatMap((item, i) => {
    const named = isOption(item);
    const flat = named ? printOption(item) : printExpression(item);
    const lines = named || flat.length < room ? [flat] : breakExpression(item, room);
    if (i < items.length - 1) lines[lines.length - 1] += ",";
    return lines.map((line) => INDENT + line);
  });
  return [head, ...args, ")"];
}

/** A call's arguments and named options, in source order (an argument after an option is MB3105). */
function callItems(call: A.CallExpr): (A.Expr | A.CallOption)[] {
  const items: (A.Expr | A.CallOption)[] = [...call.args, ...(call.options ?? [])];
  return call.options ? items.sort((a, b) => a.span.start - b.span.start) : items;
}

function isOption(item: A.Expr | A.CallOption): item is A.CallOption {
  return !("kind" in item);
}

/** A named option of a call: `name: value`. */
function printOption(option: A.CallOption): string {
  return `${option.name.text}: ${printExpression(option.value)}`;
}

/** `if c then a` / `else if d then b` / `else e`, with `then` on its own line when needed. */
function ifLines(expr: A.IfExpr, width: number): string[] {
  const condition = `if ${printExpression(expr.condition)}`;
  const then = `then ${printExpression(expr.then)}`;
  const lines =
    condition.length + 1 + then.length <= width
      ? [`${condition} ${then}`]
      : [condition, ...operandLines("then ", expr.then, PREC.if, width)];
  if (expr.else.kind !== "IfExpr") return [...lines, ...operandLines("else ", expr.else, PREC.if, width)];
  const [first, ...others] = ifLines(expr.else, width - "else ".length);
  return [...lines, `else ${first}`, ...others];
}

/** `then x` / `else x`, with a call in `x` broken over lines when it does not fit. */
// ---- lines and comments ----

/** A printed line, or one with a trailing comment (aligned with its neighbours' when rendered). */
type Line = string | { code: string; comment: string };
type Lines = Line[];

/** One item of a block: its span, and how to print it given the comments found inside it. */
interface Item {
  span: A.Span;
  print: (inner: A.Comment[]) => Lines;
}

/** Where the comments of one block go (see the file comment). */
interface CommentSlots {
  /** Inside the block's header, before its `{`: printed above the block. */
  head: A.Comment[];
  /** After the `{`, on its line. */
  open?: A.Comment;
  /** Per item: the comments on their own lines before it. */
  leading: A.Comment[][];
  /** Per item: the comments inside its span, handed to its printer. */
  inner: A.Comment[][];
  /** Per item: the comment after it on the line where it ends. */
  trailing: (A.Comment | undefined)[];
  /** After the last item: before the `}`, or at the end of the file. */
  end: A.Comment[];
}

function commentText(comment: A.Comment): string {
  return comment.text.trimEnd();
}

function codeOf(line: Line): string {
  return typeof line === "string" ? line : line.code;
}

/** Puts `comment` after the last line (which, for every printed item, has no comment yet). */
function withTrailing(lines: Lines, comment: A.Comment | undefined): Lines {
  const last = lines[lines.length - 1];
  if (!comment || last === undefined) return lines;
  if (typeof last !== "string") return [...lines, commentText(comment)]; // not reached: kept, never dropped
  return [...lines.slice(0, -1), { code: last, comment: commentText(comment) }];
}

function indent(lines: Lines): Lines {
  return lines.map((line) => {
    if (typeof line !== "string") return { code: INDENT + line.code, comment: line.comment };
    return line === "" ? line : INDENT + line;
  });
}

/** Appends one by one: spreading 150,000 tier rows or comments into `push` overflows the stack. */
function append<T>(out: T[], items: readonly T[]): void {
  for (const item of items) out.push(item);
}

/** Renders lines; trailing comments on consecutive lines of one indentation share a column. */
function render(lines: Lines): string[] {
  const out: string[] = [];
  let run: { code: string; comment: string }[] = [];
  const flush = (): void => {
    const width = run.reduce((max, line) => Math.max(max, line.code.length), 0);
    append(
      out,
      run.map((line) => line.code.padEnd(width) + GAP + line.comment),
    );
    run = [];
  };
  for (const line of lines) {
    if (typeof line !== "string" && (run.length === 0 || indentOf(run[0]!.code) === indentOf(line.code))) {
      run.push(line);
      continue;
    }
    if (run.length > 0) flush();
    if (typeof line === "string") out.push(line);
    else run.push(line);
  }
  if (run.length > 0) flush();
  return out;
}

function indentOf(code: string): number {
  return code.length - code.trimStart().length;
}

/** An item printed as `lines`: the comments inside it go above it. */
function leaf(lines: string | string[]): (inner: A.Comment[]) => Lines {
  return (inner) => [...inner.map(commentText), ...(typeof lines === "string" ? [lines] : lines)];
}

function spanOf(first: A.Span, last: A.Span): A.Span {
  return { start: first.start, end: last.end };
}

// ---- the printer ----

/** What stands at the top level of a file. */
type TopLevel = A.Header | A.ImportDecl | A.Declaration;

/** `import "./x.margin" as x version 1.0.0`, or `import a, b from "./x.margin"`. */
export function printImport(decl: A.ImportDecl): string {
  const version = decl.version ? ` version ${decl.version.text}` : "";
  const what = decl.alias
    ? `${quote(decl.path)} as ${decl.alias.text}`
    : `${decl.names.map((n) => n.text).join(", ")} from ${quote(decl.path)}`;
  return `import ${what}${version}`;
}

/** Prints one parsed rulebook; holds the source to place comments by line. */
class Printer {
  private readonly lines: LineMap;

  constructor(private readonly source: string) {
    this.lines = new LineMap(source);
  }

  rulebook(ast: A.Rulebook): string {
    const nodes: TopLevel[] = [
      ...(ast.header ? [ast.header] : []),
      ...(ast.imports ?? []),
      ...ast.declarations,
    ];
    const slots = this.slots(
      ast.comments,
      nodes.map((n) => n.span),
      -1,
    );
    const out: Lines = [];
    nodes.forEach((node, i) => {
      const previous = nodes[i - 1];
      if (previous && !this.grouped(previous, node)) out.push("");
      append(out, this.commentRun(slots.leading[i]!, node.span.start));
      append(out, withTrailing(this.topLevel(node, slots.inner[i]!), slots.trailing[i]));
    });
    const last = nodes[nodes.length - 1];
    const firstEnd = slots.end[0];
    if (last && firstEnd && this.blankBetween(last.span.end, firstEnd.span.start)) out.push("");
    append(out, this.commentRun(slots.end));
    return out.length === 0 ? "" : render(out).join("\n") + "\n";
  }

  private topLevel(node: TopLevel, inner: A.Comment[]): Lines {
    switch (node.kind) {
      case "Header":
        return this.header(node, inner);
      case "ImportDecl":
        return leaf(printImport(node))(inner);
      case "EnumDecl":
        return this.enumDecl(node, inner);
      case "RecordDecl":
        return this.fieldBlock(`record ${node.name.text}`, node.name.span.end, node.fields, inner);
      case "InputDecl":
        return this.inputDecl(node, inner);
      case "ParamDecl":
        return leaf(this.paramLines(node))(inner);
      case "TiersDecl":
        return this.tiersDecl(node, inner);
      case "TableDecl":
        return this.tableDecl(node, inner);
      case "LetDecl":
        return leaf(wrapValue(`let ${node.name.text}${typeSuffix(node.type)} = `, node.value, "", MAX_WIDTH))(
          inner,
        );
      case "RuleDecl":
        return this.ruleDecl(node, inner);
      case "OutputDecl":
        return leaf(outputLines(node))(inner);
      case "AssertDecl":
        return leaf(withMessage(wrapValue("assert ", node.condition, "", MAX_WIDTH), node.message))(inner);
      case "ScenariosDecl":
        return this.scenariosDecl(node, inner);
      case "VerifyDecl":
        return leaf(verifyLines(node))(inner);
      case "FnDecl":
        return leaf(wrapValue(`${fnHead(node)} = `, node.value, "", MAX_WIDTH))(inner);
    }
  }

  /** Consecutive groupable declarations of one kind stay together if the source had no blank line. */
  private grouped(previous: TopLevel, node: TopLevel): boolean {
    return (
      previous.kind === node.kind &&
      GROUPABLE_KINDS.has(node.kind) &&
      !this.blankBetween(previous.span.end, node.span.start)
    );
  }

  /** Top-level comments on their own lines, keeping one blank line where the source had some. */
  private commentRun(comments: A.Comment[], before?: number): Lines {
    const out: Lines = [];
    comments.forEach((comment, i) => {
      const previous = comments[i - 1];
      if (previous && this.blankBetween(previous.span.end, comment.span.start)) out.push("");
      out.push(commentText(comment));
    });
    const last = comments[comments.length - 1];
    if (last && !last.doc && before !== undefined && this.blankBetween(last.span.end, before)) out.push("");
    return out;
  }

  // ---- source positions ----

  private lineOf(offset: number): number {
    return this.lines.position(offset).line;
  }

  private blankBetween(from: number, to: number): boolean {
    return /\n[ \t\r]*\n/.test(this.source.slice(from, to));
  }

  /** The offset just after the first `{` at or after `from`, skipping comments. */
  private openBrace(from: number): number {
    for (let i = from; i >= 0 && i < this.source.length; i++) {
      if (this.source.startsWith("//", i)) i = this.source.indexOf("\n", i);
      else if (this.source[i] === "{") return i + 1;
    }
    return -1;
  }

  /** Sorts the comments of a block (items at `spans`, `{` ending at `open`) into their slots. */
  private slots(comments: A.Comment[], spans: A.Span[], open: number): CommentSlots {
    const slots: CommentSlots = {
      head: [],
      leading: spans.map(() => []),
      inner: spans.map(() => []),
      trailing: spans.map(() => undefined),
      end: [],
    };
    for (const comment of comments) {
      const { start, end } = comment.span;
      const inside = spans.findIndex((span) => start >= span.start && end <= span.end);
      const next = spans.findIndex((span) => span.start >= end);
      const previous = (next < 0 ? spans.length : next) - 1;
      if (inside >= 0) slots.inner[inside]!.push(comment);
      else if (start < open) slots.head.push(comment);
      else if (previous >= 0 && this.lineOf(spans[previous]!.end - 1) === this.lineOf(start))
        slots.trailing[previous] = comment;
      else if (previous < 0 && open >= 0 && this.lineOf(open - 1) === this.lineOf(start))
        slots.open = comment;
      else if (next >= 0) slots.leading[next]!.push(comment);
      else slots.end.push(comment);
    }
    return slots;
  }

  // ---- blocks ----

  /**
   * Prints `head { items }`: as `oneLine` when the block was written on one line, has no comment
   * inside and fits; otherwise one item per line.
   */
  private block(head: string, open: number, items: Item[], inner: A.Comment[], oneLine?: string): Lines {
    const firstItem = items[0]?.span.start ?? open;
    const writtenOnOneLine = !this.source.slice(open, firstItem).includes("\n");
    if (inner.length === 0 && oneLine !== undefined && oneLine.length <= MAX_WIDTH && writtenOnOneLine)
      return [oneLine];
    if (inner.length === 0 && items.length === 0) return [`${head} {}`];
    const slots = this.slots(
      inner,
      items.map((item) => item.span),
      open,
    );
    const first = withTrailing([`${head} {`], slots.open);
    return [...slots.head.map(commentText), ...first, ...this.itemLines(items, slots), "}"];
  }

  /** The indented lines of a block's items with their comments, then the comments at its end. */
  private itemLines(items: Item[], slots: CommentSlots): Lines {
    const out: Lines = [];
    items.forEach((item, i) => {
      const lines = [...slots.leading[i]!.map(commentText), ...item.print(slots.inner[i]!)];
      append(out, indent(withTrailing(lines, slots.trailing[i])));
    });
    return [...out, ...indent(slots.end.map(commentText))];
  }

  private header(header: A.Header, inner: A.Comment[]): Lines {
    const items = header.fields.map((f): Item => ({
      span: f.span,
      print: leaf(`${f.key} ${f.valueKind === "string" ? quote(f.value) : f.value}`),
    }));
    const slots = this.slots(
      inner,
      items.map((item) => item.span),
      header.name.span.end,
    );
    const first = withTrailing([`rulebook ${quote(header.name.text)}`], slots.open);
    return [...slots.head.map(commentText), ...first, ...this.itemLines(items, slots)];
  }

  // ---- declarations ----

  private enumDecl(decl: A.EnumDecl, inner: A.Comment[]): Lines {
    const head = `enum ${decl.name.text}`;
    const items = decl.members.map((m): Item => ({ span: m.span, print: leaf(printMemberName(m.text)) }));
    const oneLine = inlineBlock(
      head,
      decl.members.map((m) => printMemberName(m.text)),
    );
    return this.block(head, this.openBrace(decl.name.span.end), items, inner, oneLine);
  }

  private fieldBlock(head: string, afterHead: number, fields: A.FieldDecl[], inner: A.Comment[]): Lines {
    const lines = fields.map(fieldLine);
    const items = fields.map((f, i): Item => ({ span: f.span, print: leaf(lines[i]!) }));
    return this.block(head, this.openBrace(afterHead), items, inner, inlineBlock(head, lines));
  }

  private inputDecl(decl: A.InputDecl, inner: A.Comment[]): Lines {
    if (decl.fields)
      return this.fieldBlock(`input ${decl.name.text}`, decl.name.span.end, decl.fields, inner);
    return leaf(`input ${decl.name.text}${typeSuffix(decl.type)}`)(inner);
  }

  private paramLines(decl: A.ParamDecl): string[] {
    const typed = decl.type ? `: ${printType(decl.type)}${printDomain(decl.domain)}` : "";
    return wrapValue(
      `${decl.override ? "override " : ""}param ${decl.name.text}${typed} = `,
      decl.value,
      "",
      MAX_WIDTH,
    );
  }

  private tiersDecl(decl: A.TiersDecl, inner: A.Comment[]): Lines {
    const mode = (decl.mode ? `, ${decl.mode}` : "") + (decl.limitSpan ? ", limit" : "");
    const family = decl.family ? `[${decl.family.name.text}: ${printType(decl.family.type)}]` : "";
    const head = `${decl.override ? "override " : ""}tiers ${decl.name.text}${family} by ${decl.keyName.text}: ${printType(decl.keyType)}${mode}`;
    const items: Item[] = [];
    const firstColumn = decl.columns[0];
    const lastColumn = decl.columns[decl.columns.length - 1];
    if (firstColumn && lastColumn) {
      const columns = decl.columns.map(printColumn).join(", ");
      items.push({ span: spanOf(firstColumn.span, lastColumn.span), print: leaf(`columns ${columns}`) });
    }
    const rows = alignRows(decl.rows);
    decl.rows.forEach((row, i) => items.push({ span: row.span, print: leaf(rows[i]!) }));
    for (const group of decl.groups ?? []) {
      const lines = alignRows(group.rows);
      const labelEnd = group.key[group.key.length - 1]?.span.end ?? group.span.start;
      items.push({
        span: { start: group.span.start, end: labelEnd + 1 },
        print: leaf(`${printKeyLabel(group.key)}:`),
      });
      group.rows.forEach((row, i) => items.push({ span: row.span, print: leaf(lines[i]!) }));
    }
    const afterHead = decl.limitSpan?.end ?? decl.modeSpan?.end ?? decl.keyType.span.end;
    return this.block(head, this.openBrace(afterHead), items, inner);
  }

  private tableDecl(decl: A.TableDecl, inner: A.Comment[]): Lines {
    const keys = decl.keys.map((k) => `${k.name.text}: ${printType(k.type)}`);
    const head = `table ${decl.name.text} by ${keys.length === 1 ? keys[0] : `(${keys.join(", ")})`}`;
    const items: Item[] = [];
    const firstColumn = decl.columns[0];
    const lastColumn = decl.columns[decl.columns.length - 1];
    if (firstColumn && lastColumn) {
      const columns = decl.columns.map(printColumn).join(", ");
      items.push({ span: spanOf(firstColumn.span, lastColumn.span), print: leaf(`columns ${columns}`) });
    }
    const table = decl.rows.map((row) => [
      `${row.isDefault ? "default" : printKeyLabel(row.key)}:`,
      ...row.cells.map(printCell),
    ]);
    const lines = alignTable(table);
    decl.rows.forEach((row, i) => items.push({ span: row.span, print: leaf(lines[i]!) }));
    const afterHead = decl.keys[decl.keys.length - 1]?.span.end ?? decl.name.span.end;
    return this.block(head, this.openBrace(afterHead), items, inner);
  }

  private ruleDecl(decl: A.RuleDecl, inner: A.Comment[]): Lines {
    const head = `rule ${decl.name.text}${decl.condition ? ` when ${printExpression(decl.condition)}` : ""}`;
    const items = [
      ...decl.steps.map((s): Item => ({
        span: s.span,
        print: leaf(stepLines(s, MAX_WIDTH - INDENT.length)),
      })),
      ...(decl.bindings ?? []).map((b): Item => ({
        span: b.span,
        print: leaf(wrapValue(`let ${b.name.text} = `, b.value, "", MAX_WIDTH - INDENT.length)),
      })),
    ].sort((a, b) => a.span.start - b.span.start);
    const only = decl.steps.length === 1 && !decl.bindings?.length ? decl.steps[0] : undefined;
    const oneLine = only ? `${head} { ${stepLines(only, Infinity)[0]} }` : undefined;
    const afterHead = (decl.condition ?? decl.name).span.end;
    return this.block(head, this.openBrace(afterHead), items, inner, oneLine);
  }

  private scenariosDecl(decl: A.ScenariosDecl, inner: A.Comment[]): Lines {
    const axes = decl.axes.map((a) => `${a.name.text}: ${printType(a.type)}`).join(", ");
    const head = `scenarios ${decl.name.text}(${axes})`;
    const items = decl.statements.map((s): Item => ({
      span: s.span,
      print: leaf(printScenarioStatement(s)),
    }));
    const afterHead = decl.axes[decl.axes.length - 1]?.span.end ?? decl.name.span.end;
    return this.block(head, this.openBrace(afterHead), items, inner);
  }
}

// ---- declaration parts ----

/** `{ a, b }` or `{}`: the one-line form of a block. */
function inlineBlock(head: string, parts: string[]): string {
  return parts.length === 0 ? `${head} {}` : `${head} { ${parts.join(", ")} }`;
}

/** `fn name(p: T, ...): R` (or `let name(p)` as written, which the checker refuses). */
function fnHead(decl: A.FnDecl): string {
  const params = decl.params.map((p) => `${p.name.text}${typeSuffix(p.type)}`).join(", ");
  return `${decl.letSpan ? "let" : "fn"} ${decl.name.text}(${params})${typeSuffix(decl.returnType)}`;
}

function typeSuffix(type: A.TypeRef | undefined): string {
  return type ? `: ${printType(type)}` : "";
}

function fieldLine(field: A.FieldDecl): string {
  const fallback = field.default ? ` = ${printExpression(field.default)}` : "";
  return `${field.name.text}: ${printType(field.type)}${printDomain(field.domain)}${fallback}`;
}

function printDomain(bounds: A.DomainBound[]): string {
  return bounds
    .map((b, i) => ` ${b.op} ${guardUnit(printExpr(b.bound, PREC.additive), bounds[i + 1]?.op)}`)
    .join("");
}

function outputLines(decl: A.OutputDecl): string[] {
  const r = decl.rounding;
  const rounding = r ? ` round ${r.direction} to ${printExpr(r.step, PREC.additive)}` : "";
  return wrapValue(`output ${decl.name.text}${typeSuffix(decl.type)} = `, decl.value, rounding, MAX_WIDTH);
}

/**
 * Tier rows as a table: the interval column padded on the right, the cell columns (numbers) padded
 * on the left so that they line up on their last digit; the last column never gets trailing spaces.
 */
function alignRows(rows: A.TierRow[]): string[] {
  const table = rows.map((row) => [
    `${row.lowerInclusive ? "[" : "("}${row.lower.text}, ${row.upper.text}${row.upperInclusive ? "]" : ")"}`,
    ...row.cells.map((cell) => (cell.expr ? printCell(cell.expr) : cell.text)),
  ]);
  return alignTable(table);
}

/** `mmr: Rate`, `mmr: Rate start 50`. */
function printColumn(c: A.TierColumn): string {
  return `${c.name.text}: ${printType(c.type)}${c.start ? ` start ${printCell(c.start)}` : ""}`;
}

/** A table cell: an expression at the precedence of a product, so that it reads back as one cell. */
function printCell(expr: A.Expr): string {
  return printExpr(expr, PREC.multiplicative);
}

/**
 * An enum member or key as it must be written: plain when it lexes as one name (`long`, `BTCUSDT`),
 * backquoted otherwise (`` `2026-03` ``, a reserved word).
 */
export function printMemberName(text: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) && !reservedWords.has(text) && text !== "default"
    ? text
    : `\`${text}\``;
}

/** `BTCUSDT`, `"spot"`, `3`, or a tuple `(ES, NQ)`. */
function printKeyLabel(key: A.TableKeyValue[]): string {
  if (key.length === 1 && key[0]!.kind === "name" && key[0]!.text === "default") return "default";
  const parts = key.map((k) =>
    k.kind === "string" ? quote(k.text) : k.kind === "number" ? k.text : printMemberName(k.text),
  );
  return parts.length === 1 ? parts[0]! : `(${parts.join(", ")})`;
}

/** Rows of cells: the first column padded on the right, the others on the left. */
function alignTable(table: string[][]): string[] {
  const widths: number[] = [];
  for (const cells of table) cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return table.map((cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[i]!)))
      .join(GAP)
      .trimEnd(),
  );
}

function stepLines(step: A.Step, width: number): string[] {
  const target = step.target.text;
  const when = step.condition ? ` when ${printExpression(step.condition)}` : "";
  switch (step.verb) {
    case "set":
      return wrapValue(`set ${target}${typeSuffix(step.type)} = `, step.value, when, width);
    case "scale":
      return [`scale ${target} by ${printExpression(step.value)}${when}`];
    case "add":
      return [`add ${printExpression(step.value)} to ${target}${when}`];
    case "floor":
    case "cap":
      return [`${step.verb} ${target} at ${printExpression(step.value)}${when}`];
  }
}

function printScenarioStatement(statement: A.ScenarioStatement): string {
  const weight = statement.weight ? ` weight ${printExpression(statement.weight)}` : "";
  if (statement.kind === "NamedScenario") {
    const values = statement.values
      .map((v) => ` ${v.axis.text} ${printExpr(v.value, PREC.additive)}`)
      .join("");
    return `scenario ${quote(statement.name.text)}${values}${weight}`;
  }
  const axes = statement.axes.map((a) => `${a.axis.text} [${a.values.map(printGridValue).join(", ")}]`);
  return `grid ${axes.join(" ")}${weight}`;
}

function printGridValue(value: A.GridValue): string {
  const to = value.to ? ` to ${printExpression(value.to)}` : "";
  const step = value.step ? ` step ${printExpression(value.step)}` : "";
  return printExpression(value.from) + to + step;
}
