/**
 * Short descriptions of what the parser expected, used in syntax diagnostics instead of Chevrotain's
 * listings of token paths.
 */
import { EOF, type IParserErrorMessageProvider, type TokenType } from "./chevrotain.js";

// ---- concise "expected ..." texts, instead of Chevrotain's path listings ----

const TOKEN_DESCRIPTIONS: Record<string, string> = {
  Identifier: "a name",
  TypeName: "a type name",
  NumberLiteral: "a number",
  StringLiteral: "a string",
  TimestampLiteral: "a timestamp",
  SemverLiteral: "a version",
  DurationLiteral: "a duration",
};

const RULE_DESCRIPTIONS: Record<string, string> = {
  rulebook: "a declaration",
  declaration: "a declaration (`input`, `param`, `tiers`, `let`, `rule`, `output`, `assert`, ...)",
  headerField:
    "a header field (`version`, `effective`, `currency`, `owner`, `description`, `extends`, `arithmetic`, `decimal_scale`, `decimal_rounding`)",
  step: "a rule step (`set`, `scale`, `add`, `floor`, `cap`)",
  additive: "an expression",
  postfix: "an expression",
  expression: "an expression",
  typeRef: "a type",
  typeAtom: "a type",
  tierBound: "a tier bound (a number or `inf`)",
  tierRow: "a tier row such as `[0, 50_000) 1% 0.5%`",
  tierCell: "a number",
  inputDecl: "`{` or `:` after the input name",
  domainBound: "a comparison such as `> 0`",
};

export function describeToken(type: TokenType): string {
  if (TOKEN_DESCRIPTIONS[type.name]) return TOKEN_DESCRIPTIONS[type.name]!;
  if (type === EOF) return "end of file";
  const pattern = type.PATTERN;
  const text =
    typeof pattern === "string"
      ? pattern
      : pattern instanceof RegExp
        ? pattern.source.replace("(?![A-Za-z0-9_])", "")
        : type.name;
  return "`" + text + "`";
}

function describeAlternatives(paths: TokenType[][][] | TokenType[][]): string {
  const firsts = new Set<string>();
  for (const alternative of paths as unknown[]) {
    for (const path of alternative as unknown[]) {
      const first = Array.isArray(path)
        ? (path[0] as TokenType | undefined)
        : (path as TokenType | undefined);
      if (first) firsts.add(describeToken(first));
    }
  }
  const list = [...firsts];
  if (list.length <= 3) return list.join(" or ");
  return list.slice(0, 3).join(", ") + " or another";
}

/** Chevrotain error texts rewritten as the short "expected" part of MB1xxx messages. */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => describeToken(expected),
  buildNotAllInputParsedMessage: () => RULE_DESCRIPTIONS["declaration"]!,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    RULE_DESCRIPTIONS[ruleName] ?? describeAlternatives(expectedPathsPerAlt),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    RULE_DESCRIPTIONS[ruleName] ?? describeAlternatives(expectedIterationPaths),
};
