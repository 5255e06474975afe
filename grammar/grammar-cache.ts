/**
 * The parser's self-analysis, computed once at build time and read back at start-up.
 *
 * Building a Chevrotain parser records the grammar (each rule runs once in a recording mode), then
 * computes the follow sets error recovery needs and the lookahead paths of every `OR`, `OPTION`
 * and `MANY`: about 70 ms of CPU at every start of `marginbook`, for a result that only changes
 * with the grammar. `npm run build` therefore serializes that result (scripts/serialize-grammar.mjs
 * writes dist/grammar/serialized-grammar.js) and the parser built from dist reads it back.
 *
 * A fingerprint of the grammar (the text of every rule and the token table) is stored with it: a
 * parser whose grammar differs from the serialized one ignores it and analyses itself, so a stale
 * file costs time, never correctness. Under vitest, tsx and Vite there is no serialized grammar and
 * the parser always analyses itself; test/syntax/grammar-cache.test.ts builds a second parser from
 * a serialization and checks that both parse every rulebook alike.
 *
 * Lookahead functions are built by {@link CachedLookahead} in both cases, from paths either computed
 * by Chevrotain (`getLookaheadPaths`) or read back, so the two ways differ only in where the paths
 * come from.
 */
import {
  Alternation,
  Alternative,
  EOF,
  LLkLookaheadStrategy,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  getLookaheadPaths,
  tokenMatcher,
  type IOrAlt,
  type IToken,
  type LookaheadProductionType,
  type OptionalProductionType,
  type TokenType,
} from "./chevrotain.js";

/** A grammar production as JSON: its class, its fields, and its children. */
export interface SerializedProduction {
  type: string;
  name?: string;
  idx?: number;
  label?: string;
  /** A terminal's token, a separator's token, or a non-terminal's rule. */
  token?: string;
  separator?: string;
  rule?: string;
  maxLookahead?: number;
  ignoreAmbiguities?: boolean;
  hasPredicates?: boolean;
  definition?: SerializedProduction[];
}

/** The result of a parser's self-analysis, as JSON. */
export interface SerializedGrammar {
  fingerprint: string;
  rules: SerializedProduction[];
  /** `rule|production type|occurrence` to the lookahead paths (token names) of each alternative. */
  lookahead: Record<string, string[][][]>;
  /** Chevrotain's resynchronisation follow sets (token names), by its own keys. */
  follows: Record<string, string[]>;
}

/** What of a Chevrotain parser the cache reads (members Chevrotain keeps internal). */
export interface AnalysedParser {
  getGAstProductions(): Record<string, Rule>;
  resyncFollows: Record<string, TokenType[]>;
}

/**
 * A fingerprint of a grammar: the text of each rule's definition, the token names in lexing order
 * and the parser's lookahead depth, as one string (about 33 kB). Any edit of the grammar changes it
 * (comments inside a rule too, harmlessly). It is the text itself rather than a hash of it: the
 * comparison at start-up is then one string comparison, where hashing cost more than the rest of
 * reading the grammar back (SHA-1 from `node:crypto` loaded and initialised a good part of Node's
 * crypto module; FNV-1a in JavaScript ran cold over every character).
 */
export function grammarFingerprint(
  rules: ReadonlyArray<[string, () => void]>,
  tokens: TokenType[],
  maxLookahead: number,
): string {
  return [
    `${rules.length}-${tokens.length}-k=${maxLookahead}:`,
    ...rules.map(([name, body]) => `${name}:${body.toString()};`),
    ...tokens.map((token) => `${token.name},`),
  ].join("");
}

/** Lookahead paths per alternative (an optional production has two: inside, and what follows). */
type Paths = TokenType[][][];

/**
 * Chevrotain's LL(k) lookahead, with its paths taken from a table when one is given, and recorded
 * in {@link computed} otherwise (for serializing). The functions it builds decide as Chevrotain's
 * own do: the first alternative with a matching path (and an open gate) wins.
 */
export class CachedLookahead extends LLkLookaheadStrategy {
  /** Every path set this strategy used, by key: what {@link serializeGrammar} stores. */
  readonly computed = new Map<string, Paths>();

  private table?: ReadonlyMap<string, Paths>;

  constructor(maxLookahead: number) {
    super({ maxLookahead });
  }

  /** Takes the paths from `table` (a read-back serialization) from now on. */
  use(table: ReadonlyMap<string, Paths>): void {
    this.table = table;
  }

  private paths(rule: Rule, type: LookaheadProductionType, occurrence: number, maxLookahead: number): Paths {
    const key = `${rule.name}|${type}|${occurrence}`;
    const paths =
      this.table?.get(key) ?? getLookaheadPaths({ occurrence, rule, prodType: type, maxLookahead });
    this.computed.set(key, paths);
    return paths;
  }

  override buildLookaheadForAlternation(options: {
    prodOccurrence: number;
    rule: Rule;
    maxLookahead: number;
    hasPredicates: boolean;
    dynamicTokensEnabled: boolean;
  }): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const alternatives = this.paths(
      options.rule,
      "Alternation",
      options.prodOccurrence,
      options.maxLookahead,
    );
    // Made at the first call: a parser makes one function for each of the grammar's 125 decisions
    // at start-up, and a small rulebook meets few of them.
    let decide: ((this: Lookahead, orAlts?: IOrAlt<unknown>[]) => number | undefined) | undefined;
    return function (this: Lookahead, orAlts?: IOrAlt<unknown>[]) {
      return (decide ??= alternationLookahead(alternatives, options.hasPredicates)).call(this, orAlts);
    };
  }

  override buildLookaheadForOptional(options: {
    prodOccurrence: number;
    prodType: OptionalProductionType;
    rule: Rule;
    maxLookahead: number;
    dynamicTokensEnabled: boolean;
  }): () => boolean {
    const inside = this.paths(
      options.rule,
      options.prodType,
      options.prodOccurrence,
      options.maxLookahead,
    )[0]!;
    let enter: ((this: Lookahead) => boolean) | undefined;
    return function (this: Lookahead) {
      return (enter ??= optionalLookahead(inside)).call(this);
    };
  }
}

function alternationLookahead(
  alternatives: Paths,
  hasPredicates: boolean,
): (this: Lookahead, orAlts?: IOrAlt<unknown>[]) => number | undefined {
  if (!hasPredicates) {
    const choice = singleTokenChoice(alternatives);
    if (choice)
      return function (this: Lookahead) {
        return choice[this.LA(1).tokenType.tokenTypeIdx!];
      };
    return function (this: Lookahead) {
      for (let a = 0; a < alternatives.length; a++) if (anyPathMatches(this, alternatives[a]!)) return a;
      return undefined;
    };
  }
  return function (this: Lookahead, orAlts?: IOrAlt<unknown>[]) {
    for (let a = 0; a < alternatives.length; a++) {
      const gate = orAlts?.[a]?.GATE;
      if (gate !== undefined && gate.call(this) === false) continue;
      if (anyPathMatches(this, alternatives[a]!)) return a;
    }
    return undefined;
  };
}

function optionalLookahead(inside: TokenType[][]): (this: Lookahead) => boolean {
  const choice = singleTokenChoice([inside]);
  if (choice)
    return function (this: Lookahead) {
      return choice[this.LA(1).tokenType.tokenTypeIdx!] === 0;
    };
  return function (this: Lookahead) {
    return anyPathMatches(this, inside);
  };
}

/**
 * When every path is one token long (most of the grammar), the alternative each token type
 * chooses, tokens of a category included (the first alternative that accepts it wins, as in the
 * general case); undefined when some path is longer or empty.
 */
function singleTokenChoice(alternatives: Paths): number[] | undefined {
  if (!alternatives.every((paths) => paths.every((path) => path.length === 1))) return undefined;
  const choice: number[] = [];
  alternatives.forEach((paths, a) => {
    for (const [token] of paths) {
      const extending = (token as { categoryMatches?: number[] }).categoryMatches ?? [];
      for (const idx of [token!.tokenTypeIdx!, ...extending]) if (choice[idx] === undefined) choice[idx] = a;
    }
  });
  return choice;
}

/** The parser as a lookahead function sees it (`this`). */
interface Lookahead {
  LA(howMuch: number): IToken;
}

function anyPathMatches(parser: Lookahead, paths: TokenType[][]): boolean {
  next: for (const path of paths) {
    for (let i = 0; i < path.length; i++) if (!tokenMatcher(parser.LA(i + 1), path[i]!)) continue next;
    return true;
  }
  return false;
}

/** The self-analysis of an analysed parser, as JSON. */
export function serializeGrammar(
  parser: AnalysedParser,
  lookahead: CachedLookahead,
  fingerprint: string,
): SerializedGrammar {
  const names = (tokens: TokenType[]): string[] => tokens.map((t) => t.name);
  return {
    fingerprint,
    rules: Object.values(parser.getGAstProductions()).map(serializeProduction),
    lookahead: Object.fromEntries(
      [...lookahead.computed].map(([key, alternatives]) => [key, alternatives.map((a) => a.map(names))]),
    ),
    follows: Object.fromEntries(Object.entries(parser.resyncFollows).map(([k, v]) => [k, names(v)])),
  };
}

type Production = Rule | Alternative | Alternation | Option | Repetition | NonTerminal | Terminal;

function serializeProduction(node: Production): SerializedProduction {
  const out: SerializedProduction = { type: productionType(node) };
  if (node instanceof Rule) out.name = node.name;
  if (node instanceof Terminal) {
    out.token = node.terminalType.name;
    out.idx = node.idx;
    if (node.label !== undefined) out.label = node.label;
    return out;
  }
  if (node instanceof NonTerminal) {
    out.rule = node.nonTerminalName;
    out.idx = node.idx;
    if (node.label !== undefined) out.label = node.label;
    return out;
  }
  const fields = node as Production & {
    idx?: number;
    maxLookahead?: number;
    separator?: TokenType;
    ignoreAmbiguities?: boolean;
    hasPredicates?: boolean;
  };
  if (!(node instanceof Rule) && !(node instanceof Alternative)) out.idx = fields.idx!;
  if (fields.maxLookahead !== undefined) out.maxLookahead = fields.maxLookahead;
  if (fields.separator !== undefined) out.separator = fields.separator.name;
  if (node instanceof Alternative || node instanceof Alternation)
    out.ignoreAmbiguities = fields.ignoreAmbiguities!;
  if (node instanceof Alternation) out.hasPredicates = fields.hasPredicates === true;
  out.definition = node.definition.map((child) => serializeProduction(child as Production));
  return out;
}

/** The class of a production, by `instanceof` (class names do not survive every bundler). */
function productionType(node: Production): string {
  const classes = {
    Rule,
    Terminal,
    NonTerminal,
    Alternative,
    Alternation,
    Option,
    Repetition,
    RepetitionMandatory,
    RepetitionWithSeparator,
    RepetitionMandatoryWithSeparator,
  };
  const found = Object.entries(classes).find(([, type]) => node instanceof type);
  if (!found) throw new Error("unknown grammar production");
  return found[0];
}

/** A serialized grammar read back against the live token table. */
export interface CachedGrammar {
  rules: Map<string, Rule>;
  lookahead: Map<string, Paths>;
  follows: Record<string, TokenType[]>;
}

/** Reads a serialized grammar back; undefined when it names a token this grammar does not have. */
export function readGrammar(data: SerializedGrammar, tokens: TokenType[]): CachedGrammar | undefined {
  const byName = new Map<string, TokenType>([...tokens, EOF].map((t) => [t.name, t]));
  const token = (name: string): TokenType => {
    const found = byName.get(name);
    if (!found) throw new UnknownToken();
    return found;
  };
  try {
    const rules = new Map(data.rules.map((r) => [r.name!, readProduction(r, token) as Rule]));
    const lookahead = new Map(
      Object.entries(data.lookahead).map(([k, alts]) => [k, alts.map((a) => a.map((p) => p.map(token)))]),
    );
    const follows = Object.fromEntries(Object.entries(data.follows).map(([k, v]) => [k, v.map(token)]));
    return { rules, lookahead, follows };
  } catch (error) {
    if (error instanceof UnknownToken) return undefined;
    throw error;
  }
}

class UnknownToken extends Error {}

/**
 * A production object made directly, without its constructor: Chevrotain's constructors copy their
 * options through lodash, which made reading the grammar back cost as much as recording it. The
 * fields are the ones the constructors and the recorder set (test/syntax/grammar-cache.test.ts
 * checks that a read-back grammar serializes exactly like the recorded one).
 */
function make<T extends object>(type: { prototype: T }, fields: object): T {
  return Object.assign(Object.create(type.prototype) as T, fields);
}

function readProduction(node: SerializedProduction, token: (name: string) => TokenType): Production {
  const _definition = (node.definition ?? []).map((child) => readProduction(child, token));
  const label = node.label !== undefined ? { label: node.label } : {};
  const counted = {
    _definition,
    idx: node.idx,
    ...(node.maxLookahead !== undefined ? { maxLookahead: node.maxLookahead } : {}),
  };
  switch (node.type) {
    case "Rule":
      return make(Rule, { _definition, orgText: "", name: node.name });
    case "Terminal":
      return make(Terminal, { idx: node.idx, terminalType: token(node.token!), ...label });
    case "NonTerminal":
      return make(NonTerminal, { _definition: [], idx: node.idx, nonTerminalName: node.rule, ...label });
    case "Alternative":
      return make(Alternative, { _definition, ignoreAmbiguities: node.ignoreAmbiguities });
    case "Alternation":
      return make(Alternation, {
        ...counted,
        ignoreAmbiguities: node.ignoreAmbiguities,
        hasPredicates: node.hasPredicates,
      });
    case "Option":
      return make(Option, counted);
    case "Repetition":
      return make(Repetition, counted);
    case "RepetitionMandatory":
      return make(RepetitionMandatory, counted);
    case "RepetitionWithSeparator":
      return make(RepetitionWithSeparator, { ...counted, separator: token(node.separator!) });
    case "RepetitionMandatoryWithSeparator":
      return make(RepetitionMandatoryWithSeparator, { ...counted, separator: token(node.separator!) });
    default:
      throw new Error(`unknown grammar production ${node.type}`);
  }
}
