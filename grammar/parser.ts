/**
 * The marginbook grammar: a pure Chevrotain CST parser (no embedded actions).
 *
 * The typed AST is built from the CST by `src/syntax/build-ast.ts`. Error recovery is on, so a
 * typo produces a partial tree plus a diagnostic and parsing goes on. `docs/language.md` is the
 * reader's version of this grammar.
 */
import {
  CstParser,
  LLkLookaheadStrategy,
  tokenMatcher,
  type AtLeastOneSepMethodOpts,
  type CstNode,
  type DSLMethodOpts,
  type IOrAlt,
  type IToken,
  type OrMethodOpts,
  type Rule,
  type TokenType,
} from "./chevrotain.js";
import { errorMessageProvider } from "./error-messages.js";
import {
  CachedLookahead,
  grammarFingerprint,
  readGrammar,
  serializeGrammar,
  type AnalysedParser,
  type SerializedGrammar,
} from "./grammar-cache.js";
import { serializedGrammar } from "./serialized-grammar.js";
import * as T from "./tokens.js";

/** Tokens of lookahead the parser may use to choose between alternatives. */
const MAX_LOOKAHEAD = 3;

/** Chevrotain's own recording of a rule (what {@link MarginbookParser.topLevelRuleRecord} overrides). */
const RECORD = (
  CstParser.prototype as unknown as { topLevelRuleRecord: (name: string, def: () => void) => Rule }
).topLevelRuleRecord;

/**
 * Chevrotain's switches into and out of its recording mode. Switching sets some 90 recording
 * methods on the parser object and deletes them again, which costs milliseconds at every start;
 * a parser whose rules come from a cache runs no rule in recording mode, so it skips both.
 */
const RECORDING = CstParser.prototype as unknown as {
  enableRecording: (this: CstParser) => void;
  disableRecording: (this: CstParser) => void;
};
const ENABLE_RECORDING = RECORDING.enableRecording;
const DISABLE_RECORDING = RECORDING.disableRecording;

/** What Chevrotain's parser does after a repetition when error recovery is off. */
const NO_REPETITION_RECOVERY = (): void => {};

/** The words that start a property of `verify` (rather than a condition). */
const VERIFY_PROPERTIES: readonly TokenType[] = [
  T.KwNondecreasing,
  T.KwNonincreasing,
  T.KwContinuous,
  T.KwNonnegative,
];

/** How a parser is built. */
export interface ParserOptions {
  /** Run Chevrotain's grammar validations (slow; the test suite does, the shared parser does not). */
  validate?: boolean;
  /**
   * A serialized self-analysis to start from (see grammar-cache.ts); ignored when its fingerprint is
   * not this grammar's. Defaults to the one the build wrote, if any; `null` analyses afresh.
   */
  serialized?: SerializedGrammar | null;
  /**
   * Build the parser exactly as Chevrotain does by default (its own lookahead functions, no cache):
   * the reference the tests compare the cached parser with (it cannot {@link MarginbookParser.serialize}).
   */
  reference?: boolean;
}

/** The members of Chevrotain's parser the grammar cache uses (kept internal by Chevrotain). */
interface ParserInternals extends AnalysedParser {
  lookaheadStrategy: CachedLookahead;
  definedRulesNames: string[];
  recoveryEnabled: boolean;
}

export class MarginbookParser extends CstParser {
  /** The fingerprint of this grammar (see grammar-cache.ts). */
  readonly fingerprint: string;
  /** Whether the self-analysis was read from a serialized one rather than computed. */
  readonly fromCache: boolean;

  /**
   * `validate: true` runs Chevrotain's checks of the grammar itself (ambiguities, left recursion,
   * missing rules) while building the parser. They cost tens of milliseconds at every start and
   * cannot find anything new once the grammar is written, so the shared {@link parser} skips them
   * and the test suite builds one parser with them (test/syntax/grammar-validations.test.ts).
   */
  constructor(options: ParserOptions = {}) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: MAX_LOOKAHEAD,
      // Offsets only: every position shown to users is computed from an offset
      // (diagnostics/line-map.ts), and lines and columns of every CST node cost parse time.
      nodeLocationTracking: "onlyOffset",
      errorMessageProvider,
      skipValidations: options.validate !== true,
      lookaheadStrategy: options.reference
        ? new LLkLookaheadStrategy({ maxLookahead: MAX_LOOKAHEAD })
        : new CachedLookahead(MAX_LOOKAHEAD),
    });
    const self = this as unknown as ParserInternals;
    const rules = self.definedRulesNames.map(
      (name) =>
        [
          name,
          (this as unknown as Record<string, { originalGrammarAction: () => void }>)[name]!
            .originalGrammarAction,
        ] as [string, () => void],
    );
    this.fingerprint = grammarFingerprint(rules, T.allTokens, MAX_LOOKAHEAD);
    const data = options.serialized === undefined ? serializedGrammar : options.serialized;
    const cached =
      data && data.fingerprint === this.fingerprint && options.validate !== true && !options.reference
        ? readGrammar(data, T.allTokens)
        : undefined;
    this.fromCache = cached !== undefined;
    if (!cached) {
      this.performSelfAnalysis();
      return;
    }
    // Recorded rules, lookahead paths and follow sets all come from the cache: the rules are not
    // run in recording mode, and the follow sets (recovery only) are not computed.
    this.cachedRules = cached.rules;
    self.lookaheadStrategy.use(cached.lookahead);
    self.recoveryEnabled = false;
    this.performSelfAnalysis();
    self.recoveryEnabled = true;
    self.resyncFollows = cached.follows;
  }

  private cachedRules?: Map<string, Rule>;

  /**
   * Every rule's alternatives, loop bodies and options, keyed by rule and method (`tierRowOR2`),
   * made at the rule's first call rather than at every call (`this.OR((this.alts.x ??= [...]))`):
   * Chevrotain reads them afresh each time, so one serves every call. Making them anew cost an
   * allocation per alternative and closure, and with it much of the parse in garbage collection.
   * Rules take no arguments, so what is kept here captures nothing of one call.
   */
  private readonly alts: Record<string, IOrAlt<unknown>[]> = {};
  private readonly bodies: Record<string, () => void> = {};
  private readonly gated: Record<string, DSLMethodOpts<unknown>> = {};
  private readonly orOptions: Record<string, OrMethodOpts<unknown>> = {};
  private readonly separated: Record<string, AtLeastOneSepMethodOpts<unknown>> = {};

  /** Chevrotain records each rule by running it once; a cached grammar already has the result. */
  protected topLevelRuleRecord(name: string, def: () => void): Rule {
    const cached = this.cachedRules?.get(name);
    if (cached) return cached;
    return RECORD.call(this, name, def);
  }

  /** See {@link RECORDING}: with cached rules, only the flag changes. */
  protected enableRecording(): void {
    if (this.cachedRules) (this as unknown as { RECORDING_PHASE: boolean }).RECORDING_PHASE = true;
    else ENABLE_RECORDING.call(this);
  }

  protected disableRecording(): void {
    if (this.cachedRules) (this as unknown as { RECORDING_PHASE: boolean }).RECORDING_PHASE = false;
    else DISABLE_RECORDING.call(this);
  }

  /**
   * Chevrotain's start of a CST node, with `children` a plain object instead of `Object.create(null)`
   * (a dictionary-mode object in V8: slower to make, to fill and to read, for every node) and the
   * offsets-only location of a recovering parser made at once (as its `setInitialNodeLocation` does).
   */
  protected cstInvocationStateUpdate(fullRuleName: string): void {
    (this as unknown as { CST_STACK: CstNode[] }).CST_STACK.push({
      name: fullRuleName,
      children: {},
      location: { startOffset: NaN, endOffset: NaN },
    });
  }

  /**
   * Parses a rulebook: first with error recovery off, which saves the recovery checks at the end
   * of every repetition (and, in a fresh process, the grammar walks behind them); if that parse
   * meets an error, again with recovery on, which then finds and describes every error. Recovery
   * only acts where a parse goes wrong, so a file the first parse reads without error gets the same
   * tree both ways (test/syntax/grammar-cache.test.ts compares them on every rulebook, whole and
   * broken).
   */
  parseRulebook(tokens: IToken[]): CstNode {
    const self = this as unknown as ParserInternals & { attemptInRepetitionRecovery: unknown };
    const attempt = self.attemptInRepetitionRecovery;
    self.recoveryEnabled = false;
    self.attemptInRepetitionRecovery = NO_REPETITION_RECOVERY;
    try {
      this.input = tokens;
      const cst = this.rulebook();
      if (this.errors.length === 0) return cst;
    } finally {
      self.recoveryEnabled = true;
      self.attemptInRepetitionRecovery = attempt;
    }
    this.input = tokens;
    return this.rulebook();
  }

  /** The self-analysis of this parser, for the build to serialize. */
  serialize(): SerializedGrammar {
    const self = this as unknown as ParserInternals;
    return serializeGrammar(self, self.lookaheadStrategy, this.fingerprint);
  }

  public rulebook = this.RULE("rulebook", () => {
    this.OPTION((this.bodies.rulebookOPTION ??= () => this.SUBRULE(this.header)));
    this.MANY((this.bodies.rulebookMANY ??= () => this.SUBRULE(this.importDecl)));
    this.MANY2((this.bodies.rulebookMANY2 ??= () => this.SUBRULE(this.declaration)));
  });

  /**
   * `import "./book.margin" as name [version 1.2.0]` (the whole book under a namespace) or
   * `import a, B from "./book.margin" [version 1.2.0]` (chosen declarations under their own names).
   */
  private importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.KwImport);
    this.OR(
      (this.alts.importDeclOR ??= [
        {
          ALT: () => {
            this.CONSUME(T.StringLiteral, { LABEL: "path" });
            this.CONSUME(T.KwAs);
            this.CONSUME(T.Identifier, { LABEL: "alias" });
          },
        },
        {
          ALT: () => {
            this.AT_LEAST_ONE_SEP(
              (this.separated.importDeclATLEASTONESEP ??= {
                SEP: T.Comma,
                DEF: () => this.SUBRULE(this.importName),
              }),
            );
            this.CONSUME(T.KwFrom);
            this.CONSUME2(T.StringLiteral, { LABEL: "path" });
          },
        },
      ]),
    );
    this.OPTION(
      (this.bodies.importDeclOPTION ??= () => {
        this.CONSUME(T.KwVersion);
        this.CONSUME(T.SemverLiteral, { LABEL: "version" });
      }),
    );
  });

  private importName = this.RULE("importName", () => {
    this.OR(
      (this.alts.importNameOR ??= [
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
        { ALT: () => this.CONSUME(T.TypeName, { LABEL: "name" }) },
      ]),
    );
  });

  private header = this.RULE("header", () => {
    this.CONSUME(T.KwRulebook);
    this.CONSUME(T.StringLiteral, { LABEL: "name" });
    this.MANY((this.bodies.headerMANY ??= () => this.SUBRULE(this.headerField)));
  });

  private headerField = this.RULE("headerField", () => {
    this.OR(
      (this.alts.headerFieldOR ??= [
        { ALT: () => this.CONSUME(T.KwVersion, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwEffective, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwCurrency, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwOwner, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwDescription, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwExtends, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwArithmetic, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwDecimalScale, { LABEL: "key" }) },
        { ALT: () => this.CONSUME(T.KwDecimalRounding, { LABEL: "key" }) },
      ]),
    );
    this.OR2(
      (this.alts.headerFieldOR2 ??= [
        { ALT: () => this.CONSUME(T.SemverLiteral, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.NumberLiteral, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.TimestampLiteral, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.TypeName, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "value" }) },
        // `decimal_rounding floor`: a rounding mode that is also the rule verb `floor`.
        { ALT: () => this.CONSUME(T.KwFloor, { LABEL: "value" }) },
      ]),
    );
  });

  private declaration = this.RULE("declaration", () => {
    this.OR(
      (this.alts.declarationOR ??= [
        { ALT: () => this.SUBRULE(this.enumDecl) },
        { ALT: () => this.SUBRULE(this.recordDecl) },
        { ALT: () => this.SUBRULE(this.inputDecl) },
        { ALT: () => this.SUBRULE(this.paramDecl) },
        { ALT: () => this.SUBRULE(this.overrideDecl) },
        { ALT: () => this.SUBRULE(this.tiersDecl) },
        { ALT: () => this.SUBRULE(this.tableDecl) },
        { ALT: () => this.SUBRULE(this.letDecl) },
        { ALT: () => this.SUBRULE(this.ruleDecl) },
        { ALT: () => this.SUBRULE(this.outputDecl) },
        { ALT: () => this.SUBRULE(this.assertDecl) },
        { ALT: () => this.SUBRULE(this.scenariosDecl) },
        { ALT: () => this.SUBRULE(this.verifyDecl) },
        { ALT: () => this.SUBRULE(this.fnDecl) },
      ]),
    );
  });

  /** `fn name(p: Type, ...): Type = body`: a pure, typed user function. */
  private fnDecl = this.RULE("fnDecl", () => {
    this.CONSUME(T.KwFn);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.fnParams);
    this.OPTION(
      (this.bodies.fnDeclOPTION ??= () => {
        this.CONSUME(T.Colon);
        this.SUBRULE(this.typeRef);
      }),
    );
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  /** `(p: Type, ...)`; a parameter without a type is parsed so that the checker can say what is missing. */
  private fnParams = this.RULE("fnParams", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP(
      (this.separated.fnParamsMANYSEP ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.fnParam) }),
    );
    this.CONSUME(T.RParen);
  });

  private fnParam = this.RULE("fnParam", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(
      (this.bodies.fnParamOPTION ??= () => {
        this.CONSUME(T.Colon);
        this.SUBRULE(this.typeRef);
      }),
    );
  });

  private enumDecl = this.RULE("enumDecl", () => {
    this.CONSUME(T.KwEnum);
    this.CONSUME(T.TypeName, { LABEL: "name" });
    this.CONSUME(T.LBrace);
    this.MANY(
      (this.bodies.enumDeclMANY ??= () => {
        this.SUBRULE(this.memberName, { LABEL: "member" });
        this.OPTION((this.bodies.enumDeclOPTION ??= () => this.CONSUME(T.Comma)));
      }),
    );
    this.CONSUME(T.RBrace);
  });

  /** An enum member or a table key as written: `long`, `BTCUSDT`, `` `2026-03` ``. */
  private memberName = this.RULE("memberName", () => {
    this.OR(
      (this.alts.memberNameOR ??= [
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
        { ALT: () => this.CONSUME(T.TypeName, { LABEL: "name" }) },
        { ALT: () => this.CONSUME(T.QuotedName, { LABEL: "name" }) },
      ]),
    );
  });

  private recordDecl = this.RULE("recordDecl", () => {
    this.CONSUME(T.KwRecord);
    this.CONSUME(T.TypeName, { LABEL: "name" });
    this.SUBRULE(this.fieldList);
  });

  private fieldList = this.RULE("fieldList", () => {
    this.CONSUME(T.LBrace);
    this.MANY(
      (this.bodies.fieldListMANY ??= () => {
        this.SUBRULE(this.field);
        this.OPTION((this.bodies.fieldListOPTION ??= () => this.CONSUME(T.Comma)));
      }),
    );
    this.CONSUME(T.RBrace);
  });

  private field = this.RULE("field", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.MANY((this.bodies.fieldMANY ??= () => this.SUBRULE(this.domainBound)));
    this.OPTION(
      (this.bodies.fieldOPTION ??= () => {
        this.CONSUME(T.Assign);
        this.SUBRULE(this.expression, { LABEL: "default" });
      }),
    );
  });

  private domainBound = this.RULE("domainBound", () => {
    this.OR(
      (this.alts.domainBoundOR ??= [
        { ALT: () => this.CONSUME(T.Greater, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.GreaterEq, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.Less, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.LessEq, { LABEL: "op" }) },
      ]),
    );
    this.SUBRULE(this.additive, { LABEL: "bound" });
  });

  private inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(T.KwInput);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OR(
      (this.alts.inputDeclOR ??= [
        {
          ALT: () => {
            this.CONSUME(T.Colon);
            this.SUBRULE(this.typeRef);
          },
        },
        { ALT: () => this.SUBRULE(this.fieldList) },
      ]),
    );
  });

  private paramDecl = this.RULE("paramDecl", () => {
    this.CONSUME(T.KwParam);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(
      (this.bodies.paramDeclOPTION ??= () => {
        this.CONSUME(T.Colon);
        this.SUBRULE(this.typeRef);
        this.MANY((this.bodies.paramDeclMANY ??= () => this.SUBRULE(this.domainBound)));
      }),
    );
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  private overrideDecl = this.RULE("overrideDecl", () => {
    this.CONSUME(T.KwOverride);
    this.OR(
      (this.alts.overrideDeclOR ??= [
        { ALT: () => this.SUBRULE(this.paramDecl) },
        { ALT: () => this.SUBRULE(this.tiersDecl) },
      ]),
    );
  });

  private tiersDecl = this.RULE("tiersDecl", () => {
    this.CONSUME(T.KwTiers);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    // `tiers brackets[symbol: Symbol] by ...`: one table per key, each under its `KEY:` label.
    this.OPTION3(
      (this.bodies.tiersDeclOPTION3 ??= () => {
        this.CONSUME(T.LBracket);
        this.SUBRULE(this.tableKeyField, { LABEL: "family" });
        this.CONSUME(T.RBracket);
      }),
    );
    this.CONSUME(T.KwBy);
    this.CONSUME2(T.Identifier, { LABEL: "keyName" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(
      (this.bodies.tiersDeclOPTION ??= () => {
        this.CONSUME(T.Comma);
        this.OR(
          (this.alts.tiersDeclOR ??= [
            { ALT: () => this.CONSUME(T.KwFlat, { LABEL: "mode" }) },
            { ALT: () => this.CONSUME(T.KwMarginal, { LABEL: "mode" }) },
          ]),
        );
      }),
    );
    // `, limit`: the last tier's upper bound is a deliberate risk limit (no MB4015).
    this.OPTION2(
      (this.bodies.tiersDeclOPTION2 ??= () => {
        this.CONSUME2(T.Comma);
        this.CONSUME(T.KwLimit, { LABEL: "limit" });
      }),
    );
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.tierColumns);
    this.MANY(
      (this.bodies.tiersDeclMANY ??= () =>
        this.OR2(
          (this.alts.tiersDeclOR2 ??= [
            { GATE: () => this.startsKeyLabel(), ALT: () => this.SUBRULE(this.tableKeyLabel) },
            { ALT: () => this.SUBRULE(this.tierRow) },
          ]),
        )),
    );
    this.CONSUME(T.RBrace);
  });

  /**
   * `table fees by symbol: Symbol { columns ...  BTCUSDT: 125  0.05%  ... default: ... }`: a
   * lookup table keyed by an enum, a text, an integer or a tuple of them (`by (a: Month, b: Month)`).
   */
  private tableDecl = this.RULE("tableDecl", () => {
    this.CONSUME(T.KwTable);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.KwBy);
    this.OR(
      (this.alts.tableDeclOR ??= [
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.AT_LEAST_ONE_SEP(
              (this.separated.tableDeclATLEASTONESEP ??= {
                SEP: T.Comma,
                DEF: () => this.SUBRULE(this.tableKeyField, { LABEL: "key" }),
              }),
            );
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE2(this.tableKeyField, { LABEL: "key" }) },
      ]),
    );
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.tierColumns);
    this.MANY((this.bodies.tableDeclMANY ??= () => this.SUBRULE(this.tableRow)));
    this.CONSUME(T.RBrace);
  });

  private tableKeyField = this.RULE("tableKeyField", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
  });

  /** `BTCUSDT: cells`, `(ES, NQ): cells`, `default: cells`. */
  private tableRow = this.RULE("tableRow", () => {
    this.SUBRULE(this.tableKeyLabel, { LABEL: "label" });
    this.MANY(
      (this.gated.tableRowMANY ??= {
        GATE: () => this.startsCell(),
        DEF: () => this.SUBRULE(this.cellExpr, { LABEL: "cell" }),
      }),
    );
  });

  private tableKeyLabel = this.RULE("tableKeyLabel", () => {
    this.OR(
      (this.alts.tableKeyLabelOR ??= [
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.AT_LEAST_ONE_SEP(
              (this.separated.tableKeyLabelATLEASTONESEP ??= {
                SEP: T.Comma,
                DEF: () => this.SUBRULE(this.tableKey, { LABEL: "key" }),
              }),
            );
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE2(this.tableKey, { LABEL: "key" }) },
      ]),
    );
    this.CONSUME(T.Colon);
  });

  private tableKey = this.RULE("tableKey", () => {
    this.OR(
      (this.alts.tableKeyOR ??= [
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.TypeName, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.QuotedName, { LABEL: "value" }) },
        { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "value" }) },
        {
          ALT: () => {
            this.OPTION((this.bodies.tableKeyOPTION ??= () => this.CONSUME(T.Minus, { LABEL: "minus" })));
            this.CONSUME(T.NumberLiteral, { LABEL: "value" });
          },
        },
      ]),
    );
  });

  /** Whether the next tokens are a key label (`BTCUSDT:`, `(ES, NQ):`) rather than a cell or a tier row. */
  private startsKeyLabel(): boolean {
    if (this.LA(2).tokenType === T.Colon) return true;
    if (this.LA(2).tokenType === T.NumberLiteral && this.LA(1).tokenType === T.Minus)
      return this.LA(3).tokenType === T.Colon;
    return this.LA(1).tokenType === T.LParen && this.parenthesised() === "key";
  }

  /** Whether the next tokens start a cell: not a key label, not a tier row, not the end of the table. */
  private startsCell(): boolean {
    const next = this.LA(1).tokenType;
    if (next === T.RBrace || next === T.LBracket || this.startsKeyLabel()) return false;
    return next !== T.LParen || this.parenthesised() === "expression";
  }

  /**
   * What a `(` starts: a tuple key label (`(a, b):`), a tier row (`(0, 100]`: a comma at depth 0),
   * or a parenthesised expression.
   */
  private parenthesised(): "key" | "row" | "expression" {
    let depth = 0;
    let comma = false;
    for (let i = 1; i < 200; i++) {
      const type = this.LA(i).tokenType;
      if (type === T.LParen || type === T.LBracket) depth++;
      else if (type === T.RParen || type === T.RBracket) {
        depth--;
        if (depth === 0) {
          if (this.LA(i + 1).tokenType === T.Colon) return "key";
          return comma ? "row" : "expression";
        }
      } else if (type === T.Comma && depth === 1) comma = true;
      else if (type === T.RBrace || type === T.LBrace || tokenMatcher(this.LA(i), T.KwTiers)) break;
    }
    return comma ? "row" : "expression";
  }

  private tierColumns = this.RULE("tierColumns", () => {
    this.CONSUME(T.KwColumns);
    this.AT_LEAST_ONE_SEP(
      (this.separated.tierColumnsATLEASTONESEP ??= {
        SEP: T.Comma,
        DEF: () => this.SUBRULE(this.tierColumn),
      }),
    );
  });

  /** `mmr: Rate`, or `mmr: Rate start 50`: the derived deductions of a marginal table start at 50. */
  private tierColumn = this.RULE("tierColumn", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(
      (this.bodies.tierColumnOPTION ??= () => {
        this.CONSUME(T.KwStart);
        this.SUBRULE(this.cellExpr, { LABEL: "start" });
      }),
    );
  });

  private tierRow = this.RULE("tierRow", () => {
    this.OR(
      (this.alts.tierRowOR ??= [
        { ALT: () => this.CONSUME(T.LBracket, { LABEL: "open" }) },
        { ALT: () => this.CONSUME(T.LParen, { LABEL: "open" }) },
      ]),
    );
    this.SUBRULE(this.tierBound, { LABEL: "lower" });
    this.CONSUME(T.Comma);
    this.SUBRULE2(this.tierBound, { LABEL: "upper" });
    this.OR2(
      (this.alts.tierRowOR2 ??= [
        { ALT: () => this.CONSUME(T.RBracket, { LABEL: "close" }) },
        { ALT: () => this.CONSUME(T.RParen, { LABEL: "close" }) },
      ]),
    );
    this.MANY(
      (this.gated.tierRowMANY ??= { GATE: () => this.startsCell(), DEF: () => this.SUBRULE(this.tierCell) }),
    );
  });

  private tierBound = this.RULE("tierBound", () => {
    this.OR(
      (this.alts.tierBoundOR ??= [
        { ALT: () => this.CONSUME(T.KwInf) },
        {
          ALT: () => {
            this.OPTION((this.bodies.tierBoundOPTION ??= () => this.CONSUME(T.Minus)));
            this.CONSUME(T.NumberLiteral);
          },
        },
      ]),
    );
  });

  /**
   * A cell: a literal (`0.80%`, `-1.5`), a parameter, or a constant expression (`1 / (2 * max_leverage)`):
   * a {@link cellExpr}, written out here so that each of the thousands of cells of a big book is one
   * node less.
   */
  private tierCell = this.RULE("tierCell", () => {
    this.SUBRULE(this.cellUnary, { LABEL: "operand" });
    this.MANY(
      (this.bodies.tierCellMANY ??= () => {
        this.OR(
          (this.alts.tierCellOR ??= [
            { ALT: () => this.CONSUME(T.Star, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.Slash, { LABEL: "operator" }) },
          ]),
        );
        this.SUBRULE2(this.cellUnary, { LABEL: "operand" });
      }),
    );
  });

  /**
   * A table cell: products and quotients of literals, names, enum members, calls and parenthesised
   * expressions. No `+` or `-` between terms and no indexing, since cells are separated by spaces
   * and tier rows start with `[` or `(`; `f(x)` is a call only without a space before `(`.
   */
  private cellExpr = this.RULE("cellExpr", () => {
    this.SUBRULE(this.cellUnary, { LABEL: "operand" });
    this.MANY(
      (this.bodies.cellExprMANY ??= () => {
        this.OR(
          (this.alts.cellExprOR ??= [
            { ALT: () => this.CONSUME(T.Star, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.Slash, { LABEL: "operator" }) },
          ]),
        );
        this.SUBRULE2(this.cellUnary, { LABEL: "operand" });
      }),
    );
  });

  private cellUnary = this.RULE("cellUnary", () => {
    this.OR(
      (this.alts.cellUnaryOR ??= [
        {
          ALT: () => {
            this.OR2(
              (this.alts.cellUnaryOR2 ??= [
                { ALT: () => this.CONSUME(T.Minus, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME(T.Plus, { LABEL: "operator" }) },
              ]),
            );
            this.SUBRULE(this.cellUnary, { LABEL: "operand" });
          },
        },
        {
          // A number, with its suffix or unit (as in `postfix`).
          ALT: () => {
            this.CONSUME(T.NumberLiteral, { LABEL: "digits" });
            this.OPTION2(
              (this.gated.cellUnaryNumber ??= {
                GATE: () => this.numberSuffixAhead(),
                DEF: () => {
                  this.OR3(
                    (this.alts.cellUnaryNumber ??= [
                      { ALT: () => this.CONSUME(T.Percent, { LABEL: "suffix" }) },
                      { ALT: () => this.CONSUME(T.KwBps, { LABEL: "suffix" }) },
                      { ALT: () => this.SUBRULE(this.typeRef, { LABEL: "unit" }) },
                    ]),
                  );
                },
              }),
            );
          },
        },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.KwTrue) },
        { ALT: () => this.CONSUME(T.KwFalse) },
        {
          ALT: () => {
            this.CONSUME(T.Identifier);
            this.OPTION(
              (this.gated.cellUnaryOPTION ??= {
                GATE: () => this.LA(1).startOffset === (this.LA(0).endOffset ?? -2) + 1,
                DEF: () => this.SUBRULE(this.callArguments),
              }),
            );
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.TypeName, { LABEL: "enumName" });
            this.CONSUME(T.Dot);
            this.SUBRULE(this.memberName, { LABEL: "enumMember" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.expression, { LABEL: "inner" });
            this.CONSUME(T.RParen);
          },
        },
      ]),
    );
  });

  private letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.KwLet);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    // `let f(x) = ...` is parsed as a function so that the checker reports one did-you-mean `fn`.
    this.OPTION2((this.bodies.letDeclOPTION2 ??= () => this.SUBRULE(this.fnParams)));
    this.OPTION(
      (this.bodies.letDeclOPTION ??= () => {
        this.CONSUME(T.Colon);
        this.SUBRULE(this.typeRef);
      }),
    );
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  private ruleDecl = this.RULE("ruleDecl", () => {
    this.CONSUME(T.KwRule);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(
      (this.bodies.ruleDeclOPTION ??= () => {
        this.CONSUME(T.KwWhen);
        this.SUBRULE(this.expression, { LABEL: "condition" });
      }),
    );
    this.CONSUME(T.LBrace);
    this.MANY(
      (this.bodies.ruleDeclMANY ??= () =>
        this.OR(
          (this.alts.ruleDeclOR ??= [
            { ALT: () => this.SUBRULE(this.step) },
            { ALT: () => this.SUBRULE(this.localBinding, { LABEL: "binding" }) },
          ]),
        )),
    );
    this.CONSUME(T.RBrace);
  });

  private step = this.RULE("step", () => {
    this.OR(
      (this.alts.stepOR ??= [
        {
          ALT: () => {
            this.CONSUME(T.KwSet, { LABEL: "verb" });
            this.CONSUME(T.Identifier, { LABEL: "target" });
            this.OPTION(
              (this.bodies.stepOPTION ??= () => {
                this.CONSUME(T.Colon);
                this.SUBRULE(this.typeRef);
              }),
            );
            this.CONSUME(T.Assign);
            this.SUBRULE(this.expression, { LABEL: "value" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.KwScale, { LABEL: "verb" });
            this.CONSUME2(T.Identifier, { LABEL: "target" });
            this.CONSUME(T.KwBy);
            this.SUBRULE2(this.expression, { LABEL: "value" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.KwAdd, { LABEL: "verb" });
            this.SUBRULE3(this.expression, { LABEL: "value" });
            this.CONSUME(T.KwTo);
            this.CONSUME3(T.Identifier, { LABEL: "target" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.KwFloor, { LABEL: "verb" });
            this.CONSUME4(T.Identifier, { LABEL: "target" });
            this.CONSUME(T.KwAt);
            this.SUBRULE4(this.expression, { LABEL: "value" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.KwCap, { LABEL: "verb" });
            this.CONSUME5(T.Identifier, { LABEL: "target" });
            this.CONSUME2(T.KwAt);
            this.SUBRULE5(this.expression, { LABEL: "value" });
          },
        },
      ]),
    );
    this.OPTION2(
      (this.bodies.stepOPTION2 ??= () => {
        this.CONSUME(T.KwWhen);
        this.SUBRULE6(this.expression, { LABEL: "condition" });
      }),
    );
  });

  private outputDecl = this.RULE("outputDecl", () => {
    this.CONSUME(T.KwOutput);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(
      (this.bodies.outputDeclOPTION ??= () => {
        this.CONSUME(T.Colon);
        this.SUBRULE(this.typeRef);
      }),
    );
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.OPTION2((this.bodies.outputDeclOPTION2 ??= () => this.SUBRULE(this.rounding)));
  });

  private rounding = this.RULE("rounding", () => {
    this.CONSUME(T.KwRound);
    this.OR(
      (this.alts.roundingOR ??= [
        { ALT: () => this.CONSUME(T.KwUp, { LABEL: "direction" }) },
        { ALT: () => this.CONSUME(T.KwDown, { LABEL: "direction" }) },
        { ALT: () => this.CONSUME(T.KwHalfEven, { LABEL: "direction" }) },
      ]),
    );
    this.CONSUME(T.KwTo);
    this.SUBRULE(this.additive, { LABEL: "step" });
  });

  private assertDecl = this.RULE("assertDecl", () => {
    this.CONSUME(T.KwAssert);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.OPTION((this.bodies.assertDeclOPTION ??= () => this.CONSUME(T.StringLiteral, { LABEL: "message" })));
  });

  /**
   * `verify <condition>`, or `verify <property> <name>, ... [in <input field>]`. The property words
   * are contextual: `verify nonnegative >= 0` still reads a value named `nonnegative`, so the
   * property form is taken only when a name (other than the start of a new `verify`) follows.
   */
  private verifyDecl = this.RULE("verifyDecl", () => {
    this.CONSUME(T.KwVerify);
    this.OR(
      (this.orOptions.verifyDeclOR ??= {
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            GATE: () =>
              VERIFY_PROPERTIES.includes(this.LA(1).tokenType) &&
              tokenMatcher(this.LA(2), T.Identifier) &&
              this.LA(2).tokenType !== T.KwVerify,
            ALT: () => {
              this.OR2(
                (this.alts.verifyDeclOR2 ??= [
                  { ALT: () => this.CONSUME(T.KwNondecreasing, { LABEL: "property" }) },
                  { ALT: () => this.CONSUME(T.KwNonincreasing, { LABEL: "property" }) },
                  { ALT: () => this.CONSUME(T.KwContinuous, { LABEL: "property" }) },
                  { ALT: () => this.CONSUME(T.KwNonnegative, { LABEL: "property" }) },
                ]),
              );
              this.AT_LEAST_ONE_SEP(
                (this.separated.verifyDeclATLEASTONESEP ??= {
                  SEP: T.Comma,
                  DEF: () => this.CONSUME(T.Identifier, { LABEL: "target" }),
                }),
              );
              this.OPTION(
                (this.bodies.verifyDeclOPTION ??= () => {
                  this.CONSUME(T.KwIn);
                  this.SUBRULE(this.postfix, { LABEL: "variable" });
                }),
              );
            },
          },
          { ALT: () => this.SUBRULE(this.expression, { LABEL: "condition" }) },
        ],
      }),
    );
    this.OPTION2(
      (this.bodies.verifyDeclOPTION2 ??= () => this.CONSUME(T.StringLiteral, { LABEL: "message" })),
    );
  });

  private scenariosDecl = this.RULE("scenariosDecl", () => {
    this.CONSUME(T.KwScenarios);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LParen);
    this.MANY_SEP(
      (this.separated.scenariosDeclMANYSEP ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.scenarioAxis) }),
    );
    this.CONSUME(T.RParen);
    this.CONSUME(T.LBrace);
    this.MANY(
      (this.bodies.scenariosDeclMANY ??= () =>
        this.OR(
          (this.alts.scenariosDeclOR ??= [
            { ALT: () => this.SUBRULE(this.gridStmt) },
            { ALT: () => this.SUBRULE(this.namedScenario) },
          ]),
        )),
    );
    this.CONSUME(T.RBrace);
  });

  private scenarioAxis = this.RULE("scenarioAxis", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
  });

  private gridStmt = this.RULE("gridStmt", () => {
    this.CONSUME(T.KwGrid);
    // An axis is a name and `[`; `weight 35%` ends the axes even though `weight` is contextual.
    this.AT_LEAST_ONE(
      (this.gated.gridStmtATLEASTONE ??= {
        GATE: () => this.LA(2).tokenType === T.LBracket,
        DEF: () => this.SUBRULE(this.gridAxis),
      }),
    );
    this.OPTION(
      (this.bodies.gridStmtOPTION ??= () => {
        this.CONSUME(T.KwWeight);
        this.SUBRULE(this.expression, { LABEL: "weight" });
      }),
    );
  });

  private gridAxis = this.RULE("gridAxis", () => {
    this.CONSUME(T.Identifier, { LABEL: "axis" });
    this.CONSUME(T.LBracket);
    this.MANY_SEP(
      (this.separated.gridAxisMANYSEP ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.gridValue) }),
    );
    this.CONSUME(T.RBracket);
  });

  private gridValue = this.RULE("gridValue", () => {
    this.SUBRULE(this.expression, { LABEL: "from" });
    this.OPTION(
      (this.bodies.gridValueOPTION ??= () => {
        this.CONSUME(T.KwTo);
        this.SUBRULE2(this.expression, { LABEL: "to" });
        this.CONSUME(T.KwStep);
        this.SUBRULE3(this.expression, { LABEL: "step" });
      }),
    );
  });

  private namedScenario = this.RULE("namedScenario", () => {
    this.CONSUME(T.KwScenario);
    this.CONSUME(T.StringLiteral, { LABEL: "name" });
    // `weight`, `grid` and `scenario` are contextual, so they would also read as axis names: they end the axes.
    // The gate decides on one token, so one token of lookahead is enough; Chevrotain's default (3)
    // made computing this loop's lookahead the most expensive step of building the parser.
    this.MANY(
      (this.gated.namedScenarioMANY ??= {
        MAX_LOOKAHEAD: 1,
        GATE: () => ![T.KwWeight, T.KwGrid, T.KwScenario].includes(this.LA(1).tokenType),
        DEF: () => {
          this.CONSUME(T.Identifier, { LABEL: "axis" });
          this.SUBRULE(this.additive, { LABEL: "value" });
        },
      }),
    );
    this.OPTION(
      (this.bodies.namedScenarioOPTION ??= () => {
        this.CONSUME(T.KwWeight);
        this.SUBRULE2(this.expression, { LABEL: "weight" });
      }),
    );
  });

  // ---- types ----

  private typeRef = this.RULE("typeRef", () => {
    this.SUBRULE(this.typeAtom, { LABEL: "first" });
    // Only a type name may follow `*` or `/` here: in `10 USDT / position.size` the `/` divides.
    this.MANY(
      (this.gated.typeRefMANY ??= {
        GATE: () => this.LA(2).tokenType === T.TypeName,
        DEF: () => {
          this.OR(
            (this.alts.typeRefOR ??= [
              { ALT: () => this.CONSUME(T.Star, { LABEL: "op" }) },
              { ALT: () => this.CONSUME(T.Slash, { LABEL: "op" }) },
            ]),
          );
          this.SUBRULE2(this.typeAtom, { LABEL: "rest" });
        },
      }),
    );
  });

  private typeAtom = this.RULE("typeAtom", () => {
    this.CONSUME(T.TypeName, { LABEL: "name" });
    // `List<Position>`; in `10 USDT < limit` or `size: USDT < 5` the `<` compares instead.
    // `Scenario<span16>` names the records of a scenario set (a value name as the argument).
    this.OR(
      (this.orOptions.typeAtomOR ??= {
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            GATE: () => this.LA(1).tokenType === T.Less && this.LA(2).tokenType === T.TypeName,
            ALT: () => {
              this.CONSUME(T.Less);
              this.SUBRULE(this.typeRef, { LABEL: "argument" });
              this.CONSUME(T.Greater);
            },
          },
          {
            GATE: () =>
              this.LA(1).tokenType === T.Less &&
              tokenMatcher(this.LA(2), T.Identifier) &&
              this.LA(3).tokenType === T.Greater,
            ALT: () => {
              this.CONSUME2(T.Less);
              this.CONSUME(T.Identifier, { LABEL: "valueArgument" });
              this.CONSUME2(T.Greater);
            },
          },
          { ALT: () => {} },
        ],
      }),
    );
    this.OPTION2(
      (this.bodies.typeAtomOPTION2 ??= () => {
        this.CONSUME(T.Caret);
        this.OPTION3((this.bodies.typeAtomOPTION3 ??= () => this.CONSUME(T.Minus)));
        this.CONSUME(T.NumberLiteral, { LABEL: "exponent" });
      }),
    );
  });

  // ---- expressions ----

  /**
   * An expression, as one flat node: its operands (`additive`) with the `not`s, comparisons, `and`s
   * and `or`s before and between them, all labelled `operator`; build-ast.ts restores the precedence
   * (`or` < `and` < `not` < comparison). With one rule per precedence level a bare `1` built nine
   * nested nodes. The grammar still fixes where each operator may go: `not` only before an operand of
   * the whole, of `and` or of `or`; at most one comparison in between (comparisons do not chain).
   */
  private expression = this.RULE("expression", () => {
    this.MANY((this.bodies.expressionNot ??= () => this.CONSUME(T.KwNot, { LABEL: "operator" })));
    this.SUBRULE(this.additive, { LABEL: "operand" });
    this.OPTION(
      (this.bodies.expressionComparison ??= () => {
        this.OR(
          (this.alts.expressionComparison ??= [
            { ALT: () => this.CONSUME(T.Less, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.LessEq, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.Greater, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.GreaterEq, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.EqEq, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.NotEq, { LABEL: "operator" }) },
          ]),
        );
        this.SUBRULE2(this.additive, { LABEL: "operand" });
      }),
    );
    this.MANY2(
      (this.bodies.expressionLogical ??= () => {
        this.OR2(
          (this.alts.expressionLogical ??= [
            { ALT: () => this.CONSUME(T.KwAnd, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.KwOr, { LABEL: "operator" }) },
          ]),
        );
        this.MANY3((this.bodies.expressionInnerNot ??= () => this.CONSUME2(T.KwNot, { LABEL: "operator" })));
        this.SUBRULE3(this.additive, { LABEL: "operand" });
        this.OPTION2(
          (this.bodies.expressionInnerComparison ??= () => {
            this.OR3(
              (this.alts.expressionInnerComparison ??= [
                { ALT: () => this.CONSUME2(T.Less, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME2(T.LessEq, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME2(T.Greater, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME2(T.GreaterEq, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME2(T.EqEq, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME2(T.NotEq, { LABEL: "operator" }) },
              ]),
            );
            this.SUBRULE4(this.additive, { LABEL: "operand" });
          }),
        );
      }),
    );
  });

  /**
   * Arithmetic, as one flat node: operands (`postfix`), each after its signs (`- - x`, labelled
   * `sign`), with `+ - * /` between them (labelled `operator`); build-ast.ts restores the precedence
   * (`+ -` < `* /` < sign).
   */
  private additive = this.RULE("additive", () => {
    this.MANY(
      (this.bodies.additiveSign ??= () =>
        this.OR(
          (this.alts.additiveSign ??= [
            { ALT: () => this.CONSUME(T.Minus, { LABEL: "sign" }) },
            { ALT: () => this.CONSUME(T.Plus, { LABEL: "sign" }) },
          ]),
        )),
    );
    this.SUBRULE(this.postfix, { LABEL: "operand" });
    this.MANY2(
      (this.bodies.additiveOperator ??= () => {
        this.OR2(
          (this.alts.additiveOperator ??= [
            { ALT: () => this.CONSUME2(T.Plus, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME2(T.Minus, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.Star, { LABEL: "operator" }) },
            { ALT: () => this.CONSUME(T.Slash, { LABEL: "operator" }) },
          ]),
        );
        this.MANY3(
          (this.bodies.additiveInnerSign ??= () =>
            this.OR3(
              (this.alts.additiveInnerSign ??= [
                { ALT: () => this.CONSUME3(T.Minus, { LABEL: "sign" }) },
                { ALT: () => this.CONSUME3(T.Plus, { LABEL: "sign" }) },
              ]),
            )),
        );
        this.SUBRULE2(this.postfix, { LABEL: "operand" });
      }),
    );
  });

  /** An operand (a literal, a name, a bracketed expression, ...) and its `.member`, `(args)` and `[index]`. */
  private postfix = this.RULE("postfix", () => {
    this.OR(
      (this.alts.postfixPrimary ??= [
        { ALT: () => this.SUBRULE(this.letExpr) },
        { ALT: () => this.SUBRULE(this.listExpr) },
        {
          // A number: `0.5`, `80%`, `25 bps`, `10_000 USDT`, `2 USDT / Quantity`.
          ALT: () => {
            this.CONSUME(T.NumberLiteral, { LABEL: "digits" });
            this.OPTION2(
              (this.gated.postfixNumber ??= {
                GATE: () => this.numberSuffixAhead(),
                DEF: () => {
                  this.OR3(
                    (this.alts.postfixNumber ??= [
                      { ALT: () => this.CONSUME(T.Percent, { LABEL: "suffix" }) },
                      { ALT: () => this.CONSUME(T.KwBps, { LABEL: "suffix" }) },
                      { ALT: () => this.SUBRULE(this.typeRef, { LABEL: "unit" }) },
                    ]),
                  );
                },
              }),
            );
          },
        },
        { ALT: () => this.CONSUME(T.DurationLiteral) },
        { ALT: () => this.CONSUME(T.TimestampLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.KwTrue) },
        { ALT: () => this.CONSUME(T.KwFalse) },
        { ALT: () => this.CONSUME(T.Identifier) },
        {
          // `Side.long`; a capitalised name alone (`LONG`, `BTCUSDT`) is a name the checker resolves
          // (an unknown one gets a did-you-mean), not a syntax error on the next line.
          ALT: () => {
            this.CONSUME(T.TypeName, { LABEL: "enumName" });
            // A dot after a type name is always its member (the suffix loop below also starts with one).
            this.OPTION(
              (this.gated.postfixEnumMember ??= {
                MAX_LOOKAHEAD: 1,
                DEF: () => {
                  this.CONSUME(T.Dot, { LABEL: "enumDot" });
                  this.SUBRULE(this.memberName, { LABEL: "enumMember" });
                },
              }),
            );
          },
        },
        { ALT: () => this.SUBRULE(this.parenthesisedExpr) },
        { ALT: () => this.SUBRULE(this.ifExpr) },
        { ALT: () => this.SUBRULE(this.recordExpr) },
      ]),
    );
    this.MANY(
      (this.bodies.postfixSuffix ??= () => {
        this.OR2(
          (this.alts.postfixSuffix ??= [
            {
              ALT: () => {
                this.CONSUME2(T.Dot);
                this.CONSUME2(T.Identifier, { LABEL: "member" });
              },
            },
            { ALT: () => this.SUBRULE(this.callArguments) },
            {
              ALT: () => {
                this.CONSUME(T.LBracket);
                this.SUBRULE(this.expression, { LABEL: "index" });
                this.MANY2(
                  (this.bodies.postfixIndex ??= () => {
                    this.CONSUME(T.Comma);
                    this.SUBRULE2(this.expression, { LABEL: "index" });
                  }),
                );
                this.CONSUME(T.RBracket);
              },
            },
          ]),
        );
      }),
    );
  });

  /** `(x)`, or a tuple `(p.currency, p.kind)`: a group key of several parts. */
  private parenthesisedExpr = this.RULE("parenthesisedExpr", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression, { LABEL: "inner" });
    this.MANY(
      (this.bodies.parenthesisedItem ??= () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression, { LABEL: "inner" });
      }),
    );
    this.CONSUME(T.RParen);
  });

  private callArguments = this.RULE("callArguments", () => {
    this.CONSUME(T.LParen);
    this.OPTION(
      (this.bodies.callArgumentsOPTION ??= () => {
        this.OPTION2(
          (this.gated.callArgumentsOPTION2 ??= {
            GATE: () => this.optionNameAhead(),
            DEF: () => this.SUBRULE(this.optionName),
          }),
        );
        this.SUBRULE(this.expression, { LABEL: "argument" });
        this.OR(
          (this.alts.callArgumentsOR ??= [
            { ALT: () => this.SUBRULE(this.comprehension) },
            {
              ALT: () => {
                this.MANY(
                  (this.bodies.callArgumentsMANY ??= () => {
                    this.CONSUME(T.Comma);
                    this.OPTION3(
                      (this.gated.callArgumentsOPTION3 ??= {
                        GATE: () => this.optionNameAhead(),
                        DEF: () => this.SUBRULE2(this.optionName),
                      }),
                    );
                    this.SUBRULE2(this.expression, { LABEL: "argument" });
                  }),
                );
              },
            },
          ]),
        );
      }),
    );
    this.CONSUME(T.RParen);
  });

  /** `name:` before a call's argument: a named option (`contract: inverse`). */
  private optionName = this.RULE("optionName", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
  });

  /** Whether the next tokens are `identifier :`, which only a named option starts inside a call. */
  private optionNameAhead(): boolean {
    return this.LA(1).tokenType === T.Identifier && this.LA(2).tokenType === T.Colon;
  }

  private comprehension = this.RULE("comprehension", () => {
    this.CONSUME(T.KwFor);
    this.CONSUME(T.Identifier, { LABEL: "variable" });
    this.OPTION5(
      (this.bodies.comprehensionOPTION5 ??= () => {
        this.CONSUME(T.Comma);
        this.CONSUME3(T.Identifier, { LABEL: "indexVariable" });
      }),
    );
    this.CONSUME(T.KwIn);
    this.SUBRULE(this.expression, { LABEL: "source" });
    this.MANY(
      (this.bodies.comprehensionMANY ??= () => this.SUBRULE(this.localBinding, { LABEL: "binding" })),
    );
    this.OPTION4(
      (this.bodies.comprehensionOPTION4 ??= () => {
        this.CONSUME(T.KwFrom);
        this.CONSUME2(T.Identifier, { LABEL: "accumulator" });
        this.CONSUME(T.Assign);
        this.SUBRULE5(this.expression, { LABEL: "init" });
      }),
    );
    this.OPTION(
      (this.bodies.comprehensionOPTION ??= () => {
        this.CONSUME(T.KwWhere);
        this.SUBRULE2(this.expression, { LABEL: "filter" });
      }),
    );
    this.OPTION2(
      (this.bodies.comprehensionOPTION2 ??= () => {
        this.CONSUME(T.KwBy);
        this.SUBRULE3(this.expression, { LABEL: "groupKey" });
      }),
    );
    this.OPTION3(
      (this.bodies.comprehensionOPTION3 ??= () => {
        this.CONSUME(T.KwDefault);
        this.SUBRULE4(this.expression, { LABEL: "fallback" });
      }),
    );
  });

  /** `let name = value`: a local name (in a comprehension, a `let ... in` expression or a rule). */
  private localBinding = this.RULE("localBinding", () => {
    this.CONSUME(T.KwLet);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  /** `let a = x, b = y in body`. */
  private letExpr = this.RULE("letExpr", () => {
    this.CONSUME(T.KwLet);
    this.AT_LEAST_ONE_SEP(
      (this.separated.letExprATLEASTONESEP ??= {
        SEP: T.Comma,
        DEF: () => {
          this.CONSUME(T.Identifier, { LABEL: "name" });
          this.CONSUME(T.Assign);
          this.SUBRULE(this.expression, { LABEL: "value" });
        },
      }),
    );
    this.CONSUME(T.KwIn);
    this.SUBRULE2(this.expression, { LABEL: "body" });
  });

  /** `[a, b, c]` or `[e for x in xs where c]`. */
  private listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(
      (this.bodies.listExprOPTION ??= () => {
        this.SUBRULE(this.expression, { LABEL: "item" });
        this.OR(
          (this.alts.listExprOR ??= [
            { ALT: () => this.SUBRULE(this.comprehension) },
            {
              ALT: () => {
                this.MANY(
                  (this.bodies.listExprMANY ??= () => {
                    this.CONSUME(T.Comma);
                    this.SUBRULE2(this.expression, { LABEL: "item" });
                  }),
                );
              },
            },
          ]),
        );
      }),
    );
    this.CONSUME(T.RBracket);
  });

  /** `{ im: a, mm: b }`: a record value (of a declared record type). */
  private recordExpr = this.RULE("recordExpr", () => {
    this.CONSUME(T.LBrace);
    this.MANY_SEP(
      (this.separated.recordExprMANYSEP ??= {
        SEP: T.Comma,
        DEF: () => {
          this.CONSUME(T.Identifier, { LABEL: "field" });
          this.CONSUME(T.Colon);
          this.SUBRULE(this.expression, { LABEL: "value" });
        },
      }),
    );
    this.CONSUME(T.RBrace);
  });

  /** Whether a number's suffix or unit follows: in a table, `125 BTCUSDT:` ends with the number (`BTCUSDT` starts the next row's key). */
  private numberSuffixAhead(): boolean {
    return this.LA(1).tokenType !== T.TypeName || this.LA(2).tokenType !== T.Colon;
  }

  private ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.KwIf);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(T.KwThen);
    this.SUBRULE2(this.expression, { LABEL: "then" });
    this.CONSUME(T.KwElse);
    this.SUBRULE3(this.expression, { LABEL: "else" });
  });
}

/** One shared parser instance: Chevrotain parsers are reusable, and self-analysis is costly. */
export const parser = new MarginbookParser();

export type { CstNode, IToken };
