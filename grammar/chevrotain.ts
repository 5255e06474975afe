/**
 * The one door to Chevrotain: every module of the front end imports the parser library from here.
 *
 * Chevrotain's package entry is hundreds of small ES modules (lodash-es among them); loading them
 * took most of the CLI's start-up (about 0.8 s of CPU). `npm run build` therefore replaces the
 * compiled form of this file (dist/grammar/chevrotain.js) with one esbuild bundle of the same
 * exports (scripts/bundle-chevrotain.mjs); under vitest, tsx and Vite this file is used as written.
 */
export {
  Alternation,
  Alternative,
  CstParser,
  EOF,
  LLkLookaheadStrategy,
  Lexer,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  createToken,
  getLookaheadPaths,
  tokenMatcher,
} from "chevrotain";
export type {
  AtLeastOneSepMethodOpts,
  CstNode,
  DSLMethodOpts,
  IOrAlt,
  LookaheadProductionType,
  OptionalProductionType,
  ICstVisitor,
  ILexingError,
  IParserErrorMessageProvider,
  IRecognitionException,
  IToken,
  OrMethodOpts,
  TokenType,
} from "chevrotain";
