/**
 * Random valid rulebooks, for differential fuzzing of the evaluators and for the code-injection
 * tests: a header, inputs with domains and defaults (records, enums, lists, texts, timestamps),
 * parameters, tier tables (flat or marginal, rows contiguous and ascending, `imr >= mmr`), scenario
 * sets, lets, rules (`set`, `scale`, `add`, `floor`, `cap`, with `when` on rules and steps), outputs
 * with rounding, assertions, comprehensions (`sum`, `min`, `max`, `avg`, `count`, `any`, `all`,
 * `group`), tier lookups and built-ins.
 *
 * Every rulebook is meant to check without errors (the tests assert it): expressions are built by
 * their unit (dimensionless, money, quantity, price), only constants go where constants belong, a
 * quantity is set unconditionally before any rule adjusts it, and lets that read quantities are
 * only read after the rules. Runtime errors (a division by zero, a key outside the tiers, a failed
 * assertion) are allowed: both evaluators must raise the same one.
 *
 * With `hostile: true`, names come from a pool of JavaScript-significant words (`constructor`,
 * `__proto__`, `eval`, `s0`, `readField`, ...) and texts (header, docs, messages, scenario names,
 * text constants) from a pool of strings that would break naive code generation (`"); process.exit(1);
 * ("`, U+2028, `*\/`, `${x}`, lone surrogates, ...).
 *
 * Choices go through a {@link Chooser}, so the same generator runs from a seed or from fast-check's
 * `fc.gen()` (which then shrinks a failing rulebook).
 */
import { prng } from "./random-inputs.js";

/** A source of random choices: `int(min, max)` is a whole number in [min, max]; `min` is the simplest. */
export interface Chooser {
  int(min: number, max: number): number;
}

/** A {@link Chooser} from a seed (mulberry32). */
export function seededChooser(seed: number): Chooser {
  const random = prng(seed);
  return { int: (min, max) => min + Math.floor(random() * (max - min + 1)) };
}

/** Options of {@link randomRulebook}. */
export interface RandomRulebookOptions {
  /** Use names and texts that are significant in JavaScript (default false). */
  hostile?: boolean;
  /**
   * Also write what the optimizer rewrites (default false, which keeps every seed's rulebook as it
   * was): comprehensions filtered by `p.key == value` on an enum, text or bool field, often two
   * keys side by side, so filter-to-group, CSE and loop-invariant motion have work.
   */
  optimizerShapes?: boolean;
}

/** The dimensions expressions are built in: dimensionless, money, quantity, price (money per quantity). */
type Kind = "D" | "M" | "Q" | "P";
type FieldType =
  | { t: "num"; kind: Kind }
  | { t: "bool" }
  | { t: "enum"; name: string }
  | { t: "text" }
  | { t: "time" }
  | { t: "numbers" };

interface Field {
  name: string;
  type: FieldType;
}

interface EnumInfo {
  name: string;
  members: string[];
}

interface ListInfo {
  /** The list expression: `book.items`. */
  code: string;
  fields: Field[];
}

interface TableInfo {
  name: string;
  key: Kind;
  columns: { name: string; kind: Kind; rate: boolean }[];
  /** A tier table family (`tiers t[k: E] by ...`): the enum that picks one table. */
  family?: string;
}

/** A keyed table (`table t by k: E { ... }`): keyed by an enum, or by a Text (`enumName` undefined). */
interface KeyedInfo {
  name: string;
  enumName?: string;
  columns: { name: string; kind: Kind }[];
}

interface ScenarioInfo {
  name: string;
  axes: string[];
}

/** What an expression may read at the place it is generated. */
interface Scope {
  nums: { code: string; kind: Kind }[];
  bools: string[];
  enums: { code: string; enumName: string }[];
  texts: string[];
  times: string[];
  numberLists: string[];
}

const PLAIN_NAMES = [
  "size",
  "mark",
  "notional",
  "rate",
  "vol",
  "adv",
  "wallet",
  "equity",
  "premium",
  "strike",
  "entry",
  "leverage",
  "fee",
  "haircut",
  "buffer",
  "im",
  "mm",
  "x",
  "y",
  "z",
  "a1",
  "b_2",
  "_under",
  "delta",
  "gamma",
  "spread",
  "credit",
  "charge",
  "weight",
  "step",
  "version",
];
/** Value names that mean something in JavaScript or in the generated code. */
const HOSTILE_NAMES = [
  "constructor",
  "__proto__",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "__defineGetter__",
  "__lookupSetter__",
  "propertyIsEnumerable",
  "toLocaleString",
  "prototype",
  "length",
  "name",
  "caller",
  "callee",
  "arguments",
  "eval",
  "function",
  "return",
  "this",
  "new",
  "delete",
  "typeof",
  "void",
  "var",
  "const",
  "class",
  "super",
  "yield",
  "await",
  "undefined",
  "null",
  "process",
  "globalThis",
  "require",
  "module",
  "exports",
  "window",
  "s0",
  "s1",
  "l0",
  "t0",
  "v0",
  "c0",
  "i0",
  "k",
  "site",
  "evaluate",
  "raise",
  "readField",
  "withDefault",
  "roundUp",
  "isFinite",
  "isInteger",
  "toJSON",
  "polluted",
  "items",
  "key",
  "index",
  "message",
  "default",
];
const PLAIN_TYPES = ["Side", "Kind", "Venue", "Tier", "Status", "Item", "Position", "Leg"];
const HOSTILE_TYPES = [
  "Object",
  "Function",
  "Array",
  "Math",
  "Proxy",
  "Reflect",
  "Symbol",
  "Map",
  "E",
  "SC",
  "MapCtor",
  "T0_0",
  "S0",
  "R_x",
  "F_output",
  "Infinity",
  "NaN",
  "Constructor",
];
const CURRENCIES = ["USDT", "USD", "BTC", "XBT", "EUR", "USDC"];
/** Texts that would end a string literal or a comment, or a line, in naive generated code. */
export const HOSTILE_TEXTS = [
  '"); process.exit(1); ("',
  "'); process.exit(1); ('",
  "`${process.exit(1)}`",
  "*/ process.exit(1) /*",
  "</script><script>alert(1)</script>",
  "\u2028 process.exit(1) \u2029",
  "\u0000",
  "\u202e reversed",
  "line\\nbreak",
  "\\\\",
  "__proto__",
  "constructor",
  "\ud800 lone surrogate",
  "}; process.exit(1); {",
  'x"]; globalThis.__pwned = 1; //',
  "ünïcode ✓ 𝟙",
  "",
];
/**
 * The hostile texts a rulebook's source may hold: the checker refuses bidirectional controls anywhere
 * (MB1014) and control or invisible characters in strings (MB1015); artifacts may still carry them.
 */
export const HOSTILE_SOURCE_TEXTS = HOSTILE_TEXTS.filter(
  (text) =>
    !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/.test(
      text,
    ),
);
const PLAIN_TEXTS = ["portfolio", "desk A", "BTC perp", "risk@example.com"];

/** Generates one rulebook's source text. */
export function randomRulebook(choose: Chooser, options: RandomRulebookOptions = {}): string {
  return new RulebookGenerator(choose, options.hostile === true, options.optimizerShapes === true).generate();
}

class RulebookGenerator {
  private readonly lines: string[] = [];
  private readonly used = new Set<string>();
  private readonly usedTypes = new Set<string>();
  private readonly enums: EnumInfo[] = [];
  private readonly tables: TableInfo[] = [];
  private readonly keyed: KeyedInfo[] = [];
  private readonly scenarios: ScenarioInfo[] = [];
  private readonly lists: ListInfo[] = [];
  private currency = "USDT";
  /** The input of option contracts, when there is one (for `black76`, `black_scholes` and their `_df` forms). */
  private optionPricing: { code: string; enumName: string } | undefined;
  /** The enum with `long` and `short`, when there is one. */
  private side: string | undefined;
  private localCount = 0;
  private readonly params: { code: string; kind: Kind }[] = [];
  /**
   * User functions declared so far: their parameters' kinds and their result's; `list`: a first
   * parameter `List<Number>` before those (optimizer shapes only).
   */
  private readonly functions: { name: string; params: Kind[]; result: Kind; list?: true }[] = [];
  /** (Optimizer shapes.) A list comprehension written once per kind, repeated in later expressions. */
  private readonly sharedLists = new Map<Kind, string>();
  /** (Optimizer shapes.) The functions of {@link sharedFnDecl}: each gets an output that calls it. */
  private readonly sharedFunctions: { name: string; params: Kind[]; result: Kind; list?: true }[] = [];
  /** Set while a function body is generated: it may read no input (MB3061). */
  private inFunction = false;

  constructor(
    private readonly choose: Chooser,
    private readonly hostile: boolean,
    private readonly optimizerShapes = false,
  ) {}

  generate(): string {
    this.header();
    const scope = emptyScope();
    const enumCount = this.int(0, 2);
    for (let i = 0; i < enumCount; i++) this.enumDecl();
    const inputCount = this.int(1, 3);
    for (let i = 0; i < inputCount; i++) this.inputDecl(scope);
    if (this.chance(0.4)) this.listInput();
    if (this.optimizerShapes && this.lists.length === 0 && this.chance(0.5)) this.listInput();
    if (this.chance(0.15)) this.optionInput(scope);
    // Not in hostile books: their random stream (and what it has found) stays as it was.
    if (!this.hostile && this.chance(0.2)) this.sideEnum();
    const paramCount = this.int(0, 3);
    for (let i = 0; i < paramCount; i++) this.paramDecl(scope);
    const tableCount = this.int(0, 2);
    for (let i = 0; i < tableCount; i++) this.tableDecl();
    const keyedCount = this.int(0, 1);
    for (let i = 0; i < keyedCount; i++) this.keyedDecl();
    if (this.chance(0.3)) this.scenarioDecl();
    const functionCount = this.chance(0.4) ? this.int(1, 2) : 0;
    for (let i = 0; i < functionCount; i++) this.fnDecl();
    if (this.optimizerShapes) for (let i = 0, n = this.int(0, 2); i < n; i++) this.sharedFnDecl();
    const earlyLets = this.int(0, 3);
    for (let i = 0; i < earlyLets; i++) this.letDecl(scope);
    const late = cloneScope(scope);
    this.rules(scope, late);
    const lateLets = this.int(0, 2);
    for (let i = 0; i < lateLets; i++) this.letDecl(late);
    const outputs = this.int(1, 4);
    for (let i = 0; i < outputs; i++) this.outputDecl(late);
    // Functions are lowered only when called: each shared-expression function gets a caller.
    for (const fn of this.sharedFunctions) {
      const list = fn.list ? this.listArgument(late, 2) : undefined;
      if (fn.list && list === undefined) continue;
      const args = [...(list ? [list()] : []), ...fn.params.map((p) => this.num(p, late, 1))];
      this.emit(`output ${this.name()} = ${fn.name}(${args.join(", ")})`);
    }
    // Random assertions fail half the time: few of them, so that most evaluations reach the outputs.
    const asserts = this.chance(0.35) ? 1 : 0;
    for (let i = 0; i < asserts; i++)
      this.emit(`assert ${this.bool(late, 2)}${this.chance(0.7) ? ` ${this.stringLiteral()}` : ""}`);
    return `${this.lines.join("\n")}\n`;
  }

  // ---- choices ----

  private int(min: number, max: number): number {
    return this.choose.int(min, max);
  }

  /** True with probability `p`; false is the simpler choice, so a shrinking chooser drifts to it. */
  private chance(p: number): boolean {
    return this.int(0, 999) >= 1000 - p * 1000;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  private emit(line: string): void {
    if (this.chance(0.15)) this.lines.push(`/// ${this.text().replace(/[\n\r]/g, " ")}`);
    if (this.chance(0.05)) this.lines.push(`// ${this.text().replace(/[\n\r]/g, " ")}`);
    this.lines.push(line);
  }

  /** A fresh global value name. */
  private name(): string {
    const pool = this.hostile && this.chance(0.6) ? HOSTILE_NAMES : PLAIN_NAMES;
    return fresh(this.pick(pool), this.used);
  }

  private typeName(): string {
    const pool = this.hostile && this.chance(0.6) ? HOSTILE_TYPES : PLAIN_TYPES;
    return fresh(this.pick(pool), this.usedTypes, (base, n) => `${base}${n}`);
  }

  private text(): string {
    return this.hostile && this.chance(0.7) ? this.pick(HOSTILE_SOURCE_TEXTS) : this.pick(PLAIN_TEXTS);
  }

  /** A string literal of the language: `\"` and `\\` escaped; no line breaks (the lexer ends strings there). */
  private stringLiteral(): string {
    return `"${this.text().replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "")}"`;
  }

  // ---- declarations ----

  private header(): void {
    this.currency = this.pick(CURRENCIES);
    const version = `${this.int(0, 20)}.${this.int(0, 99)}.${this.int(0, 999)}${this.chance(0.2) ? "-rc.1+build.7" : ""}`;
    const month = String(this.int(1, 12)).padStart(2, "0");
    const day = String(this.int(1, 28)).padStart(2, "0");
    this.lines.push(
      `rulebook ${this.stringLiteral()}`,
      `  version ${version}`,
      `  effective 20${this.int(20, 39)}-${month}-${day}T00:00:00Z`,
      `  currency ${this.currency}`,
    );
    if (this.chance(0.5)) this.lines.push(`  owner ${this.stringLiteral()}`);
    if (this.chance(0.5)) this.lines.push(`  description ${this.stringLiteral()}`);
    this.lines.push("");
  }

  private enumDecl(): void {
    const name = this.typeName();
    const count = this.int(2, 4);
    const members: string[] = [];
    for (let i = 0; i < count; i++) members.push(this.name());
    this.enums.push({ name, members });
    this.emit(`enum ${name} { ${members.join(", ")} }`);
  }

  private fieldType(allowLists: boolean): FieldType {
    const r = this.int(0, 99);
    if (r < 55) return { t: "num", kind: this.pick<Kind>(["D", "D", "M", "Q", "P"]) };
    if (r < 65) return { t: "bool" };
    if (r < 78 && this.enums.length > 0) return { t: "enum", name: this.pick(this.enums).name };
    if (r < 85) return { t: "text" };
    if (r < 90) return { t: "time" };
    if (r < 95 && allowLists) return { t: "numbers" };
    return { t: "num", kind: "D" };
  }

  /** A record's fields as written (`size: Quantity > 0 = 1 Quantity`). */
  private fields(count: number, allowLists: boolean): { fields: Field[]; text: string } {
    const names = new Set<string>();
    const fields: Field[] = [];
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = fresh(this.pick(this.hostile && this.chance(0.5) ? HOSTILE_NAMES : PLAIN_NAMES), names);
      const type = this.fieldType(allowLists);
      fields.push({ name, type });
      parts.push(`${name}: ${this.fieldDecl(type)}`);
    }
    return { fields, text: parts.join(", ") };
  }

  /** A field's type, domain and default. */
  private fieldDecl(type: FieldType): string {
    switch (type.t) {
      case "num": {
        const unit = this.unitName(type.kind);
        const domain = this.pick(
          type.kind === "D"
            ? ["", ">= 0", "> 0", ">= 0 <= 500%", ">= -1 <= 1", ">= 1 <= 125"]
            : ["", "> 0", "> 0", ">= 0"],
        );
        const bounds = domain === "" ? "" : ` ${domain}`;
        if (!this.chance(0.25)) return `${unit}${bounds}`;
        const value = domain.includes("125") ? "20" : domain.includes("<= 1") ? "0.5" : "2";
        return `${unit}${bounds} = ${this.withUnit(value, type.kind)}`;
      }
      case "bool":
        return this.chance(0.3) ? `Bool = ${this.pick(["true", "false"])}` : "Bool";
      case "enum": {
        const info = this.enums.find((e) => e.name === type.name)!;
        return this.chance(0.3) ? `${info.name} = ${info.name}.${this.pick(info.members)}` : info.name;
      }
      case "text":
        return this.chance(0.3) ? `Text = ${this.stringLiteral()}` : "Text";
      case "time":
        return "Timestamp";
      case "numbers":
        return `List<${this.unitName("D")}>`;
    }
  }

  private unitName(kind: Kind): string {
    return kind === "D"
      ? this.pick(["Number", "Rate"])
      : kind === "M"
        ? this.currency
        : kind === "Q"
          ? "Quantity"
          : "Price";
  }

  private withUnit(value: string, kind: Kind): string {
    // A bare `0` fits any unit, but in a product or a quotient it is a plain Number: always say the unit.
    return kind === "D"
      ? value
      : `${value} ${kind === "M" ? this.currency : kind === "Q" ? "Quantity" : "Price"}`;
  }

  private inputDecl(scope: Scope): void {
    const name = this.name();
    const { fields, text } = this.fields(this.int(1, 5), true);
    this.emit(`input ${name} { ${text} }`);
    for (const field of fields) addField(scope, `${name}.${field.name}`, field.type);
  }

  private listInput(): void {
    const record = this.typeName();
    const { fields, text } = this.fields(this.int(1, 5), true);
    this.emit(`record ${record} { ${text} }`);
    const input = this.name();
    const list = fresh("items", new Set([...this.used]));
    this.used.add(list);
    this.emit(`input ${input} { ${list}: List<${record}> }`);
    this.lists.push({ code: `${input}.${list}`, fields });
  }

  private optionInput(scope: Scope): void {
    const kinds = fresh("OptionKind", this.usedTypes, (base, n) => `${base}${n}`);
    this.emit(`enum ${kinds} { call, put }`);
    this.enums.push({ name: kinds, members: ["call", "put"] });
    const name = this.name();
    this.emit(
      `input ${name} { kind: ${kinds}, fwd: Price > 0, strike: Price > 0, vol: Rate >= 0 <= 500%, time: Duration >= 0, rate: Rate >= -1 <= 1 }`,
    );
    this.optionPricing = { code: name, enumName: kinds };
    for (const [field, kind] of [
      ["fwd", "P"],
      ["strike", "P"],
      ["vol", "D"],
      ["rate", "D"],
    ] as const)
      scope.nums.push({ code: `${name}.${field}`, kind });
  }

  /** An enum with `long` and `short`, for liquidation and bankruptcy prices. */
  private sideEnum(): void {
    const name = fresh("Side", this.usedTypes, (base, n) => `${base}${n}`);
    this.emit(`enum ${name} { long, short }`);
    this.enums.push({ name, members: ["long", "short"] });
    this.side = name;
  }

  private paramDecl(scope: Scope): void {
    const name = this.name();
    const kind = this.pick<Kind>(["D", "D", "D", "M"]);
    const constant = this.constantExpr(kind);
    const typed = this.chance(0.5) ? `: ${this.unitName(kind)}` : "";
    this.emit(`param ${name}${typed} = ${constant}`);
    scope.nums.push({ code: name, kind });
    this.params.push({ code: name, kind });
  }

  /** `fn f(a: U, b: V): W = body`: a body over its parameters, the rulebook's parameters and constants. */
  private fnDecl(): void {
    const name = this.name();
    const params = Array.from({ length: this.int(1, 3) }, () => this.pick<Kind>(["D", "M", "Q", "P"]));
    const result = this.pick<Kind>(["D", "M", "M", "Q", "P"]);
    const scope = emptyScope();
    scope.nums.push(...this.params);
    const names = params.map((kind) => {
      const local = this.local("a");
      scope.nums.push({ code: local, kind });
      return `${local}: ${this.unitName(kind)}`;
    });
    this.inFunction = true;
    const body = this.chance(0.3)
      ? (() => {
          const local = this.local("b");
          const value = this.num(result, scope, 2);
          const inner = cloneScope(scope);
          inner.nums.push({ code: local, kind: result });
          return `let ${local} = ${value} in ${this.num(result, inner, 2)}`;
        })()
      : this.num(result, scope, 3);
    this.inFunction = false;
    this.emit(`fn ${name}(${names.join(", ")}): ${this.unitName(result)} = ${body}`);
    this.functions.push({ name, params, result });
  }

  /** A constant expression: literals and earlier parameters, with a little arithmetic. */
  /** A constant of `kind`: literals and parameters (none named in `hidden`, such as a table's columns). */
  private constantExpr(kind: Kind, hidden: ReadonlySet<string> = new Set()): string {
    const params = this.params.filter((n) => n.kind === kind && !hidden.has(n.code));
    const atom = (): string =>
      params.length > 0 && this.chance(0.4) ? this.pick(params).code : this.literal(kind);
    return this.chance(0.3) ? `${atom()} + ${atom()}` : atom();
  }

  private tableDecl(): void {
    const name = this.name();
    const key = this.pick<Kind>(["M", "M", "Q", "D"]);
    // A family: one table per member of an enum, each under its `member:` label.
    const family = this.enums.length > 0 && this.chance(0.25) ? this.pick(this.enums) : undefined;
    const mode = this.pick(["flat", "marginal"]);
    const columns: TableInfo["columns"] = [
      { name: "imr", kind: "D", rate: true },
      { name: "mmr", kind: "D", rate: true },
    ];
    if (this.chance(0.5)) columns.push({ name: "max_leverage", kind: "D", rate: false });
    if (this.chance(0.3)) columns.push({ name: "min_margin", kind: "M", rate: false });
    const last = this.chance(0.8) ? "inf" : "finite";
    const limit = last === "finite" && this.chance(0.5) ? ", limit" : "";
    const familyKey = family ? `[${this.name()}: ${family.name}]` : "";
    this.emit(`tiers ${name}${familyKey} by ${this.name()}: ${this.unitName(key)}, ${mode}${limit} {`);
    this.lines.push(
      `  columns ${columns.map((c) => `${c.name}: ${c.rate ? "Rate" : c.kind === "M" ? this.currency : "Number"}`).join(", ")}`,
    );
    for (const member of family ? family.members : [undefined]) {
      if (member !== undefined) this.lines.push(`  ${member}:`);
      this.tierRows(columns, last);
    }
    this.lines.push("}");
    this.tables.push({ name, key, columns, ...(family ? { family: family.name } : {}) });
  }

  /** The rows of one tier table; an `imr` cell is sometimes written from its row's `mmr` (`mmr * 2`). */
  private tierRows(columns: TableInfo["columns"], last: "inf" | "finite"): void {
    const count = this.int(1, 12);
    const upperClosed = this.chance(0.4);
    const bounds = [0];
    for (let i = 1; i < count; i++)
      bounds.push(bounds[i - 1]! + this.pick([1, 10, 50, 1_000, 50_000, 250_000, 1e6]));
    const lastBound = last === "inf" ? "inf" : formatBound(bounds[count - 1]! + 1_000_000);
    let mmr = this.int(1, 50);
    for (let i = 0; i < count; i++) {
      const lower = formatBound(bounds[i]!);
      const upper = i + 1 < count ? formatBound(bounds[i + 1]!) : lastBound;
      const open = upperClosed ? (i === 0 ? "[" : "(") : "[";
      const close = upper === "inf" ? ")" : upperClosed ? "]" : ")";
      // Rates usually rise with the key (a falling one is only a warning).
      mmr = Math.max(1, mmr + this.int(-5, 40));
      const imr = mmr + this.int(0, 60);
      const cells = columns.map((c) =>
        c.name === "imr"
          ? this.chance(0.2)
            ? `mmr * ${this.pick(["1", "2", "3"])}`
            : rateText(imr, this.int(0, 2))
          : c.name === "mmr"
            ? rateText(mmr, this.int(0, 2))
            : c.name === "max_leverage"
              ? String(this.int(1, 125))
              : formatBound(this.int(0, 500) * 10),
      );
      this.lines.push(`  ${open}${lower}, ${upper}${close}  ${cells.join("  ")}`);
    }
  }

  /**
   * A keyed table: by an enum (every member, or some and a `default:` row) or by a Text (some texts,
   * with or without a default: a text without a row is MB6020 at run time).
   */
  private keyedDecl(): void {
    const name = this.name();
    const byEnum = this.enums.length > 0 && this.chance(0.7) ? this.pick(this.enums) : undefined;
    const columns: KeyedInfo["columns"] = [{ name: "rate", kind: "D" }];
    if (this.chance(0.5)) columns.push({ name: "amount", kind: "M" });
    const keyType = byEnum ? byEnum.name : "Text";
    this.emit(`table ${name} by ${this.name()}: ${keyType} {`);
    this.lines.push(
      `  columns ${columns.map((c) => `${c.name}: ${c.kind === "D" ? "Rate" : this.currency}`).join(", ")}`,
    );
    const keys = byEnum
      ? // A member named `default` would read as the table's `default:` row: left to the default.
        byEnum.members.filter((m, i) => (i === 0 || this.chance(0.8)) && m !== "default")
      : [...new Set([0, 1, 2].map(() => this.stringLiteral()))];
    const complete = byEnum !== undefined && keys.length === byEnum.members.length;
    // In a cell, a column's name means that column of the row, not a parameter of the same name.
    const columnNames = new Set(columns.map((c) => c.name));
    const row = (): string =>
      columns
        .map((c) =>
          c.kind === "D" ? this.constantExpr("D", columnNames) : this.withUnit(String(this.int(0, 500)), "M"),
        )
        .map((cell) => (/[+-]/.test(cell.replace(/^-/, "")) ? `(${cell})` : cell))
        .join("  ");
    for (const key of keys) this.lines.push(`  ${key}: ${row()}`);
    if (!complete && (byEnum !== undefined || this.chance(0.5))) this.lines.push(`  default: ${row()}`);
    this.lines.push("}");
    this.keyed.push({ name, ...(byEnum ? { enumName: byEnum.name } : {}), columns });
  }

  private scenarioDecl(): void {
    const name = this.name();
    const axes = this.chance(0.5) ? ["move"] : ["move", "vol"];
    this.emit(
      `scenarios ${name}(${axes.map((a) => `${a}: ${a === "move" ? "Rate" : "Number"}`).join(", ")}) {`,
    );
    const grid = axes.map((a) =>
      a === "move"
        ? `move [${this.pick(["-16% to 16% step 4%", "-10%, 0%, 10%", "-1/3, 1/3"])}]`
        : `vol [${this.pick(["1, -1", "0", "-0.5 to 0.5 step 0.25"])}]`,
    );
    this.lines.push(`  grid ${grid.join(" ")}${this.chance(0.3) ? " weight 35%" : ""}`);
    if (this.chance(0.6))
      this.lines.push(
        `  scenario ${this.stringLiteral()} move ${this.pick(["-40%", "40%", "0"])} weight ${this.pick(["30%", "100%", "1"])}`,
      );
    this.lines.push("}");
    this.scenarios.push({ name, axes });
  }

  private letDecl(scope: Scope): void {
    const name = this.name();
    if (this.optimizerShapes && this.lists.length > 0 && this.chance(0.25)) {
      // A list-valued let, read by index, `count` and comprehensions later.
      const list = this.pick(this.lists);
      const v = this.local("p");
      const inner = withLocal(scope, v, list.fields);
      const filter = this.chance(0.4) ? ` where ${this.bool(inner, 1)}` : "";
      this.emit(`let ${name} = [${this.num("D", inner, 2)} for ${v} in ${list.code}${filter}]`);
      scope.numberLists.push(name);
      return;
    }
    const r = this.int(0, 9);
    if (r < 7) {
      const kind = this.pick<Kind>(["D", "M", "M", "Q", "P"]);
      const typed = this.chance(0.3) ? `: ${this.unitName(kind)}` : "";
      this.emit(`let ${name}${typed} = ${this.num(kind, scope, 3)}`);
      scope.nums.push({ code: name, kind });
    } else if (r < 9) {
      this.emit(`let ${name} = ${this.bool(scope, 2)}`);
      scope.bools.push(name);
    } else {
      this.emit(`let ${name} = ${this.textExpr(scope)}`);
      scope.texts.push(name);
    }
  }

  /** The rules: the first sets the quantities, the others adjust them; `late` learns the quantities. */
  private rules(scope: Scope, late: Scope): void {
    const quantities: { name: string; kind: Kind }[] = [];
    const count = this.int(0, 3);
    if (count === 0) return;
    const sets = this.int(1, 3);
    const first: string[] = [];
    for (let i = 0; i < sets; i++) {
      const q = { name: this.name(), kind: this.pick<Kind>(["D", "D", "M"]) };
      const typed = this.chance(0.3) ? `: ${this.unitName(q.kind)}` : "";
      first.push(`  set ${q.name}${typed} = ${this.num(q.kind, scope, 2)}`);
      quantities.push(q);
    }
    this.emit(`rule ${this.name()} {`);
    this.lines.push(...first, "}");
    for (const q of quantities) {
      scope.nums.push({ code: q.name, kind: q.kind });
      late.nums.push({ code: q.name, kind: q.kind });
    }
    for (let r = 1; r < count; r++) {
      const when = this.chance(0.4) ? ` when ${this.bool(scope, 2)}` : "";
      const steps: string[] = [];
      const stepCount = this.int(0, 4);
      for (let s = 0; s < stepCount; s++) {
        const q = this.pick(quantities);
        const verb = this.pick(["set", "scale", "add", "floor", "cap"]);
        const stepWhen = this.chance(0.25) ? ` when ${this.bool(scope, 1)}` : "";
        if (verb === "set") steps.push(`  set ${q.name} = ${this.num(q.kind, scope, 2)}${stepWhen}`);
        if (verb === "scale") steps.push(`  scale ${q.name} by ${this.num("D", scope, 2)}${stepWhen}`);
        if (verb === "add") steps.push(`  add ${this.num(q.kind, scope, 2)} to ${q.name}${stepWhen}`);
        if (verb === "floor" || verb === "cap")
          steps.push(`  ${verb} ${q.name} at ${this.num(q.kind, scope, 2)}${stepWhen}`);
      }
      this.emit(`rule ${this.name()}${when} {`);
      this.lines.push(...steps, "}");
    }
  }

  private outputDecl(scope: Scope): void {
    const name = this.name();
    if (this.optimizerShapes && this.chance(0.15)) {
      this.emit(`output ${name} = ${this.listExpr(scope)}`);
      return;
    }
    const r = this.int(0, 19);
    if (r < 14) {
      const kind = this.pick<Kind>(["D", "M", "M", "Q", "P"]);
      const typed = this.chance(0.5) ? `: ${this.unitName(kind)}` : "";
      const rounding = this.chance(0.6)
        ? ` round ${this.pick(["up", "down", "half_even"])} to ${this.pick(["0.01", "1", "0.5", "0.0001", "0.05", "100", "1e-8", "0.25"])}`
        : "";
      this.emit(`output ${name}${typed} = ${this.num(kind, scope, 3)}${rounding}`);
      scope.nums.push({ code: name, kind });
    } else if (r < 16) {
      this.emit(`output ${name}${this.chance(0.5) ? ": Bool" : ""} = ${this.bool(scope, 2)}`);
      scope.bools.push(name);
    } else if (r < 15 && this.chance(0.6)) {
      this.emit(`output ${name} = ${this.listExpr(scope)}`);
    } else if (r < 18 && this.enums.length > 0) {
      const info = this.pick(this.enums);
      const same = scope.enums.filter((e) => e.enumName === info.name);
      const member = (): string =>
        same.length > 0 && this.chance(0.5)
          ? this.pick(same).code
          : `${info.name}.${this.pick(info.members)}`;
      this.emit(`output ${name}: ${info.name} = if ${this.bool(scope, 1)} then ${member()} else ${member()}`);
      scope.enums.push({ code: name, enumName: info.name });
    } else if (r < 19 && scope.times.length > 0) {
      this.emit(`output ${name} = ${this.pick(scope.times)} + ${this.pick(["1d", "8h", "30d", "15min"])}`);
    } else {
      this.emit(`output ${name}: Text = ${this.textExpr(scope)}`);
      scope.texts.push(name);
    }
  }

  // ---- expressions ----

  /** A list value: a literal, or a list comprehension over a list input or a scenario set. */
  private listExpr(scope: Scope): string {
    const kind = this.pick<Kind>(["D", "M", "Q"]);
    const r = this.int(0, 2);
    if (r === 1 && this.lists.length > 0) {
      const list = this.pick(this.lists);
      const v = this.local("p");
      const inner = withLocal(scope, v, list.fields);
      const filter = this.chance(0.4) ? ` where ${this.bool(inner, 1)}` : "";
      return `[${this.num(kind, inner, 2)} for ${v} in ${list.code}${filter}]`;
    }
    if (r === 2 && this.scenarios.length > 0) {
      const set = this.pick(this.scenarios);
      const s = this.local("s");
      return `[${this.num(kind, scope, 1)} * ${s}.${this.pick(set.axes)} for ${s} in ${set.name}]`;
    }
    return `[${Array.from({ length: this.int(1, 3) }, () => this.num(kind, scope, 2)).join(", ")}]`;
  }

  private literal(kind: Kind): string {
    const value =
      kind === "D"
        ? this.pick([
            "0",
            "1",
            "2",
            "0.5",
            "1.5",
            "10",
            "100",
            "1_000",
            "2.5e-3",
            "1e6",
            "0.80%",
            "1%",
            "25%",
            "50bps",
            "0.25bps",
            "3",
            "0.1",
            "0.3",
            "1e-8",
          ])
        : this.pick(["0", "1", "0.01", "2.5", "100", "50_000", "1e6", "1_000_000"]);
    return this.withUnit(value, kind);
  }

  /** A numeric expression of the given kind, at most `depth` levels deep. */
  private num(kind: Kind, scope: Scope, depth: number): string {
    if (depth <= 0 || this.chance(0.25)) return this.atom(kind, scope);
    const d = depth - 1;
    const choices: (() => string)[] = [
      () => `(${this.num(kind, scope, d)} ${this.pick(["+", "-"])} ${this.num(kind, scope, d)})`,
      () =>
        this.chance(0.5)
          ? `(${this.num(kind, scope, d)} * ${this.num("D", scope, d)})`
          : `(${this.num("D", scope, d)} * ${this.num(kind, scope, d)})`,
      () => `(${this.num(kind, scope, d)} / ${this.num("D", scope, d)})`,
      () =>
        `${this.pick(["min", "max"])}(${this.num(kind, scope, d)}, ${this.num(kind, scope, d)}${this.chance(0.3) ? `, ${this.num(kind, scope, d)}` : ""})`,
      () => `clamp(${this.num(kind, scope, d)}, ${this.num(kind, scope, d)}, ${this.num(kind, scope, d)})`,
      () => `abs(${this.num(kind, scope, d)})`,
      () => `(-${this.num(kind, scope, d)})`,
      () => `(if ${this.bool(scope, d)} then ${this.num(kind, scope, d)} else ${this.num(kind, scope, d)})`,
      () =>
        `round_${this.pick(["up", "down", "half_even"])}(${this.num(kind, scope, d)}, ${this.withUnit(this.pick(["0.01", "1", "0.5", "1e-4"]), kind)})`,
    ];
    if (kind === "M")
      choices.push(
        () => `(${this.num("Q", scope, d)} * ${this.num("P", scope, d)})`,
        () => `(${this.num("P", scope, d)} * ${this.num("Q", scope, d)})`,
      );
    if (kind === "P") choices.push(() => `(${this.num("M", scope, d)} / ${this.num("Q", scope, d)})`);
    if (kind === "Q") choices.push(() => `(${this.num("M", scope, d)} / ${this.num("P", scope, d)})`);
    if (kind === "P" && this.optionPricing && !this.inFunction)
      choices.push(() => this.optionPrice(scope, d));
    if (kind === "D") {
      const other = this.pick<Kind>(["M", "Q", "P", "D"]);
      choices.push(
        () => `(${this.num(other, scope, d)} / ${this.num(other, scope, d)})`,
        () => `number(${this.num(other, scope, d)})`,
        () => `${this.pick(["sqrt", "exp", "ln", "normal_cdf"])}(${this.num("D", scope, d)})`,
        () => `pow(${this.num("D", scope, d)}, ${this.pick(["2", "0.5", "0.3", "-1", "3"])})`,
      );
      if (scope.times.length > 0)
        choices.push(
          () =>
            `((${this.pick(scope.times)} - ${this.pick(scope.times)}) / ${this.pick(["1d", "1y", "1h"])})`,
        );
    }
    for (const table of this.tables) choices.push(...this.tableReads(table, kind, scope, d));
    for (const table of this.keyed) choices.push(...this.keyedReads(table, kind, scope));
    for (const fn of this.functions)
      if (fn.result === kind && (!fn.list || this.listArgument(scope, d) !== undefined))
        choices.push(
          () =>
            `${fn.name}(${[...(fn.list ? [this.listArgument(scope, d)!()] : []), ...fn.params.map((p) => this.num(p, scope, Math.min(d, 1)))].join(", ")})`,
        );
    if (this.optimizerShapes && !this.inFunction)
      for (const list of this.lists) choices.push(() => this.listShape(list, kind, scope, d));
    // A function body reads no input: no list input, no option contract.
    const lists = this.inFunction ? [] : this.lists;
    for (const list of lists) choices.push(() => this.aggregate(list, kind, scope, d));
    if (lists.length > 0 && kind !== "D") choices.push(() => this.grouped(kind, scope, d));
    // (Not among the optimizer's shapes: they would crowd out what its test needs to reach.)
    if (lists.length > 0 && !this.optimizerShapes)
      choices.push(() => this.orderStatistic(this.pick(lists), kind, scope, d));
    for (const set of this.scenarios) choices.push(() => this.overScenarios(set, kind, scope, d));
    if (kind === "D" && scope.numberLists.length > 0) {
      choices.push(
        () => `${this.pick(scope.numberLists)}[${this.pick(["0", "1", "2", "16"])}]`,
        () => `count(${this.pick(scope.numberLists)})`,
        () => {
          const x = this.local("x");
          return `sum(${x} * 2 for ${x} in ${this.pick(scope.numberLists)})`;
        },
      );
    }
    return this.pick(choices)();
  }

  /**
   * (Optimizer shapes.) A function whose body repeats an expression of its parameters, sometimes
   * in a loop over a list parameter beside an invariant of the others: what the optimizer binds
   * once per call (src/optimize/function-bodies.ts). The repeated part may raise (a division, an
   * index): then it must stay where it is.
   */
  private sharedFnDecl(): void {
    const name = this.name();
    const result = this.pick<Kind>(["D", "M", "Q"]);
    // The first parameter of the result's kind, so that the body's arithmetic reads the parameters.
    const params = [
      result,
      ...Array.from({ length: this.int(0, 1) }, () => this.pick<Kind>(["D", "M", "Q", "P"])),
    ];
    const scope = emptyScope();
    scope.nums.push(...this.params);
    const names = params.map((kind) => {
      const local = this.local("a");
      scope.nums.push({ code: local, kind });
      return `${local}: ${this.unitName(kind)}`;
    });
    const list = this.chance(0.5) ? this.local("xs") : undefined;
    if (list !== undefined) scope.numberLists.push(list);
    this.inFunction = true;
    // At least one operation, so that it is worth a local; its operands may raise.
    const shared = `(${this.num(result, scope, 1)} ${this.pick(["+", "-"])} ${this.num(result, scope, 1)})`;
    let body: string;
    if (list !== undefined) {
      const x = this.local("x");
      const inner = cloneScope(scope);
      inner.nums.push({ code: x, kind: "D" });
      const invariant = this.num("D", scope, 2);
      const elem = this.pick([
        () => `${x} * ${invariant} * ${shared}`,
        () => `(${shared} * ${x}) / ${invariant}`,
        () => this.num(result, inner, 2),
      ])();
      const filter = this.chance(0.3) ? ` where ${x} > ${this.num("D", scope, 1)}` : "";
      body = `${shared} + sum(${elem} for ${x} in ${list}${filter})`;
    } else {
      const other = this.num(result, scope, 1);
      body = `if ${this.bool(scope, 1)} then ${shared} else ${this.pick(["max", "min"])}(${shared}, ${other}) + ${shared}`;
    }
    this.inFunction = false;
    this.emit(
      `fn ${name}(${[...(list ? [`${list}: List<Number>`] : []), ...names].join(", ")}): ${this.unitName(result)} = ${body}`,
    );
    this.functions.push({ name, params, result, ...(list ? { list: true as const } : {}) });
    this.sharedFunctions.push(this.functions[this.functions.length - 1]!);
  }

  /** A `List<Number>` argument: a list in scope, or a comprehension over a list input; none if neither. */
  private listArgument(scope: Scope, d: number): (() => string) | undefined {
    const lists = this.inFunction ? [] : this.lists;
    if (scope.numberLists.length === 0 && lists.length === 0) return undefined;
    return () => {
      if (lists.length === 0 || (scope.numberLists.length > 0 && this.chance(0.5)))
        return this.pick(scope.numberLists);
      const list = this.pick(lists);
      const v = this.local("p");
      return `[${this.num("D", withLocal(scope, v, list.fields), Math.min(d, 1))} for ${v} in ${list.code}]`;
    };
  }

  /**
   * (Optimizer shapes.) A list construct over a list input: a fold (`reduce`, `scan`), an indexed
   * comprehension (`for p, i in xs`, filtered by a key, sometimes inside a scenario loop), a `let`
   * in an element, a list comprehension repeated in several places, a `sort` or an `argmax`.
   */
  private listShape(list: ListInfo, kind: Kind, scope: Scope, d: number): string {
    const v = this.local("p");
    const inner = withLocal(scope, v, list.fields);
    const e = Math.min(d, 1);
    const numeric = list.fields.filter((f) => f.type.t === "num" && f.type.kind === kind);
    switch (this.int(0, 5)) {
      case 0: {
        const acc = this.local("acc");
        const withAcc = cloneScope(inner);
        withAcc.nums.push({ code: acc, kind });
        const op = this.pick(["reduce", "scan"]);
        const fold = `${op}(${acc} * ${this.pick(["0.5", "2", "1"])} + ${this.num(kind, withAcc, e)} for ${v} in ${list.code} from ${acc} = ${this.num(kind, scope, 0)})`;
        if (op === "reduce") return fold;
        const x = this.local("x");
        return this.chance(0.5) ? `${fold}[${this.pick(["0", "1", "2"])}]` : `sum(${x} for ${x} in ${fold})`;
      }
      case 1: {
        const i = this.local("i");
        const indexed = cloneScope(inner);
        indexed.nums.push({ code: i, kind: "D" });
        const key = list.fields.find((f) => f.type.t === "enum" || f.type.t === "bool");
        const test =
          key === undefined
            ? `${i} > ${this.pick(["0", "1"])}`
            : key.type.t === "enum"
              ? `${v}.${key.name} == ${(() => {
                  const info = this.enums.find((x) => x.name === (key.type as { name: string }).name)!;
                  return `${info.name}.${this.pick(info.members)}`;
                })()}`
              : `${v}.${key.name} == ${this.pick(["true", "false"])}`;
        const set = this.scenarios.length > 0 && this.chance(0.5) ? this.pick(this.scenarios) : undefined;
        const s = set ? this.local("s") : "";
        // Divided by a scenario's value, so that the sum may raise: the code generator does not
        // compute it ahead of the scenario loop (its loop interchange leaves `i` unbound: a bug
        // of codegen-expr.ts `interchangeSums`, reported), and filter-to-group must leave it alone.
        const scale = set ? ` * ${s}.${this.pick(set.axes)} / (1 + ${s}.weight)` : "";
        const sum = `sum(${this.num(kind, indexed, e)} * ${i}${scale} for ${v}, ${i} in ${list.code} where ${test})`;
        return set ? `${this.pick(["max", "min"])}(${sum} for ${s} in ${set.name})` : sum;
      }
      case 2: {
        const y = this.local("y");
        const yKind = this.pick<Kind>(["D", kind]);
        const withY = cloneScope(inner);
        withY.nums.push({ code: y, kind: yKind });
        return `sum((let ${y} = ${this.num(yKind, inner, e)} in ${this.num(kind, withY, e)}) for ${v} in ${list.code})`;
      }
      case 3: {
        const shared = this.sharedLists.get(kind) ?? `[${this.num(kind, inner, e)} for ${v} in ${list.code}]`;
        if (this.chance(0.7)) this.sharedLists.set(kind, shared);
        const x = this.local("x");
        const y = this.local("x");
        return `${this.pick(["max", "min"])}(sum(${x} for ${x} in ${shared}), ${this.pick(["max", "min"])}(${y} for ${y} in ${shared} default ${this.literal(kind)}))`;
      }
      default: {
        if (numeric.length === 0) return this.aggregate(list, kind, scope, d);
        const field = this.pick(numeric).name;
        const order = `${this.num("D", inner, e)} for ${v} in ${list.code}`;
        if (this.chance(0.5)) return `${this.pick(["argmax", "argmin"])}(${order}).${field}`;
        const q = this.local("q");
        return this.chance(0.5)
          ? `sort(${order})[0].${field}`
          : `sum(${q}.${field} for ${q} in sort(${order}))`;
      }
    }
  }

  /** A fresh comprehension variable. */
  private local(base: string): string {
    // Never a declared name (`b_2` is also in the pool of declaration names): a local that
    // shadowed a declaration would make the generator's idea of its type wrong.
    let name: string;
    do name = `${base}_${this.localCount++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** `t[key].column`, with a key of the table's enum (or a text) from the scope. */
  private keyedReads(table: KeyedInfo, kind: Kind, scope: Scope): (() => string)[] {
    const enumName = table.enumName;
    const keys = enumName
      ? scope.enums.filter((e) => e.enumName === enumName).map((e) => e.code)
      : [...scope.texts, this.stringLiteral()];
    if (keys.length === 0) return [];
    return table.columns
      .filter((c) => c.kind === kind)
      .map((c) => () => `${table.name}[${this.pick(keys)}].${c.name}`);
  }

  private tableReads(table: TableInfo, kind: Kind, scope: Scope, d: number): (() => string)[] {
    const family = table.family;
    if (family !== undefined) {
      const members = scope.enums.filter((e) => e.enumName === family).map((e) => e.code);
      if (members.length === 0) return [];
      return this.tableReads(
        { ...table, family: undefined, name: `${table.name}[${this.pick(members)}]` },
        kind,
        scope,
        d,
      );
    }
    const key = (): string => this.num(table.key, scope, Math.min(d, 1));
    const reads: (() => string)[] = [];
    for (const column of table.columns)
      if (column.kind === kind) reads.push(() => `${table.name}(${key()}).${column.name}`);
    if (kind === "D") reads.push(() => `${table.name}(${key()}).tier`);
    if (this.side && table.key === "M" && (kind === "P" || kind === "D"))
      reads.push(() => this.priceAt(table.name, kind, scope, d));
    if (kind === table.key) {
      reads.push(
        () => `${table.name}(${key()}).lower`,
        () =>
          `${table.name}.${this.pick(["margin", "margin", "deduction"])}(${key()}, ${this.pick(["imr", "mmr"])})`,
      );
    }
    return reads;
  }

  /**
   * A liquidation price (or a bankruptcy price) under a random convention: linear (size Q, entry
   * P, result P) or inverse (size in the key's money, entry and result dimensionless, so that
   * `size / entry` is in the key's unit).
   */
  private priceAt(table: string, kind: Kind, scope: Scope, d: number): string {
    const inverse = kind === "D";
    const side = `${this.side!}.${this.pick(["long", "short"])}`;
    const e = Math.min(d, 1);
    const args = [
      side,
      this.num(inverse ? "M" : "Q", scope, e),
      this.num(inverse ? "D" : "P", scope, e),
      this.num("M", scope, e),
    ];
    const options = [
      ...(inverse ? ["contract: inverse"] : []),
      ...(this.chance(0.3) ? [`closing_fee: ${this.pick(["0.06%", "0.075%", "0"])}`] : []),
    ];
    if (this.chance(0.25)) return `bankruptcy_price(${[...args, ...options].join(", ")})`;
    if (this.chance(0.4)) options.unshift("margin_at: entry");
    return `${table}.liquidation_price(${[...args, "mmr", ...options].join(", ")})`;
  }

  private optionPrice(scope: Scope, d: number): string {
    const o = this.optionPricing!.code;
    const kind = this.chance(0.5)
      ? `${o}.kind`
      : `${this.optionPricing!.enumName}.${this.pick(["call", "put"])}`;
    const fwd = this.chance(0.7) ? `${o}.fwd` : this.num("P", scope, Math.min(d, 1));
    const fn = this.pick(["black76", "black_scholes", "black76_df", "black_scholes_df"]);
    // The `_df` forms take a discount factor: 1 - rate is in [0, 2] (0 is refused, MB6010).
    const discount = fn.endsWith("_df") ? `(1 - ${o}.rate)` : `${o}.rate`;
    return `${fn}(${kind}, ${fwd}, ${o}.strike, ${o}.vol, ${o}.time, ${discount})`;
  }

  /** `sum(...)`, `min(...)`, `max(...)`, `avg(...)` or `count(...)` over a list input. */
  private aggregate(list: ListInfo, kind: Kind, scope: Scope, d: number): string {
    if (this.optimizerShapes && this.chance(0.5)) {
      const keyed = this.keyedAggregate(list, kind, scope, d);
      if (keyed !== undefined) return keyed;
    }
    const v = this.local("p");
    const inner = withLocal(scope, v, list.fields);
    // A `let` clause, visible in the filter and the element.
    let binding = "";
    if (this.chance(0.3)) {
      const y = this.local("y");
      const yKind = this.pick<Kind>(["D", kind]);
      binding = ` let ${y} = ${this.num(yKind, inner, 1)}`;
      inner.nums.push({ code: y, kind: yKind });
    }
    const filter = this.chance(0.4) ? ` where ${this.bool(inner, 1)}` : "";
    if (kind === "D" && this.chance(0.2)) return `count(${v} for ${v} in ${list.code}${binding}${filter})`;
    const op = this.pick(["sum", "sum", "min", "max", "avg"]);
    const elem = this.num(kind, inner, Math.min(d, 2));
    const fallback = op !== "sum" && this.chance(0.7) ? ` default ${this.num(kind, scope, 0)}` : "";
    return `${op}(${elem} for ${v} in ${list.code}${binding}${filter}${fallback})`;
  }

  /**
   * Two comprehensions over one list, each filtered by `p.key == value` on one key field (an enum,
   * text or bool field), joined by `+` (money, quantities) or `max`: what filter-to-group rewrites.
   */
  private keyedAggregate(list: ListInfo, kind: Kind, scope: Scope, d: number): string | undefined {
    const keys = list.fields.filter((f) => f.type.t === "enum" || f.type.t === "text" || f.type.t === "bool");
    if (keys.length === 0) return undefined;
    const key = this.pick(keys);
    const value = (): string => {
      const type = key.type;
      if (type.t === "enum") {
        const info = this.enums.find((x) => x.name === type.name)!;
        const outer = scope.enums.filter((e) => e.enumName === type.name);
        return outer.length > 0 && this.chance(0.3)
          ? this.pick(outer).code
          : `${info.name}.${this.pick(info.members)}`;
      }
      if (type.t === "text") return this.textExpr(scope);
      return scope.bools.length > 0 && this.chance(0.3)
        ? this.pick(scope.bools)
        : this.pick(["true", "false"]);
    };
    const one = (): string => {
      const v = this.local("p");
      const inner = withLocal(scope, v, list.fields);
      const op = this.pick(["sum", "sum", "min", "max", "count"]);
      const test = this.chance(0.8) ? `${v}.${key.name} == ${value()}` : `${value()} == ${v}.${key.name}`;
      if (op === "count")
        return kind === "D"
          ? `count(${v} for ${v} in ${list.code} where ${test})`
          : `sum(${this.num(kind, inner, Math.min(d, 1))} for ${v} in ${list.code} where ${test})`;
      const elem = this.num(kind, inner, Math.min(d, 1));
      const fallback = op !== "sum" && this.chance(0.7) ? ` default ${this.num(kind, scope, 0)}` : "";
      return `${op}(${elem} for ${v} in ${list.code} where ${test}${fallback})`;
    };
    return `${this.pick(["max", "min"])}(${one()}, ${one()})`;
  }

  /** A sum over the groups of a list: `sum(sum(q.x for q in g.items) for g in group(p for p in xs by p.k))`. */
  private grouped(kind: Kind, scope: Scope, d: number): string {
    const list = this.pick(this.lists);
    const keys = list.fields.filter((f) => f.type.t === "enum" || f.type.t === "text" || f.type.t === "bool");
    if (keys.length === 0) return this.aggregate(list, kind, scope, d);
    const p = this.local("p");
    const g = this.local("g");
    const q = this.local("q");
    const inner = withLocal(scope, q, list.fields);
    const key = this.pick(keys);
    // Sometimes a key of two parts (`by (p.a, p.b)`), one of them read back in the sum.
    const other = keys.find((k) => k.name !== key.name);
    const tuple = other !== undefined && this.chance(0.4);
    const by = tuple ? `(${p}.${key.name}, ${p}.${other.name})` : `${p}.${key.name}`;
    const weight = tuple && other.type.t === "bool" ? ` * (if ${g}.key.${other.name} then 2 else 1)` : "";
    return `sum(abs(sum(${this.num(kind, inner, Math.min(d, 1))} for ${q} in ${g}.items))${weight} for ${g} in group(${p} for ${p} in ${list.code} by ${by}))`;
  }

  /** `quantile([...], q)`, `kth_smallest([...], k)` or `kth_largest([...], k)` over a list input. */
  private orderStatistic(list: ListInfo, kind: Kind, scope: Scope, d: number): string {
    const v = this.local("p");
    const inner = withLocal(scope, v, list.fields);
    const filter = this.chance(0.3) ? ` where ${this.bool(inner, 1)}` : "";
    const xs = `[${this.num(kind, inner, Math.min(d, 1))} for ${v} in ${list.code}${filter}]`;
    if (this.chance(0.5))
      return `quantile(${xs}, ${this.pick(["0", "0.01", "25%", "0.5", "1", "0.99", "1.5"])})`;
    const rank = this.chance(0.7) ? this.pick(["1", "2", "3", "0", "1.5"]) : `count(${list.code})`;
    return `${this.pick(["kth_smallest", "kth_largest"])}(${xs}, ${rank})`;
  }

  private overScenarios(set: ScenarioInfo, kind: Kind, scope: Scope, d: number): string {
    const s = this.local("s");
    const inner = cloneScope(scope);
    for (const axis of [...set.axes, "weight", "index"]) inner.nums.push({ code: `${s}.${axis}`, kind: "D" });
    inner.texts.push(`${s}.name`);
    if (this.optimizerShapes && !this.inFunction && this.lists.length > 0 && this.chance(0.6)) {
      // The natural portfolio shape: a sum over a list in the scenario loop, its filter free of the
      // scenario (interchanged, and fused with the other sums over the same list).
      const list = this.pick(this.lists);
      const p = this.local("p");
      const items = withLocal(scope, p, list.fields);
      const filter = this.chance(0.6) ? ` where ${this.bool(items, 0)}` : "";
      const term = `${this.num(kind, items, 1)} * ${s}.${this.pick(set.axes)}`;
      const elem = this.chance(0.5) ? `${term} + ${this.num(kind, items, 0)}` : term;
      const sum = `sum(${elem} for ${p} in ${list.code}${filter})`;
      return `${this.pick(["max", "min", "sum"])}(${this.chance(0.5) ? `-${s}.weight * ` : ""}${sum} for ${s} in ${set.name})`;
    }
    const elem = this.chance(0.5)
      ? `${this.num(kind, scope, Math.min(d, 1))} * ${s}.${this.pick(set.axes)}`
      : this.num(kind, inner, Math.min(d, 2));
    return `${this.pick(["max", "min", "sum"])}(${elem} for ${s} in ${set.name})`;
  }

  private atom(kind: Kind, scope: Scope): string {
    const refs = scope.nums.filter((n) => n.kind === kind);
    if (refs.length > 0 && this.chance(0.75)) return this.pick(refs).code;
    return this.literal(kind);
  }

  /** A boolean expression. */
  private bool(scope: Scope, depth: number): string {
    const d = depth - 1;
    const choices: (() => string)[] = [
      () => {
        const kind = this.pick<Kind>(["D", "M", "Q", "P"]);
        return `(${this.num(kind, scope, Math.max(d, 0))} ${this.pick(["<", "<=", ">", ">=", "==", "!="])} ${this.num(kind, scope, Math.max(d, 0))})`;
      },
    ];
    if (scope.bools.length > 0) choices.push(() => this.pick(scope.bools));
    if (scope.enums.length > 0) {
      choices.push(() => {
        const e = this.pick(scope.enums);
        const info = this.enums.find((x) => x.name === e.enumName)!;
        return `(${e.code} ${this.pick(["==", "!="])} ${info.name}.${this.pick(info.members)})`;
      });
    }
    if (scope.texts.length > 0)
      choices.push(() => `(${this.pick(scope.texts)} ${this.pick(["==", "!="])} ${this.textExpr(scope)})`);
    if (depth > 0) {
      choices.push(
        () => `(${this.bool(scope, d)} ${this.pick(["and", "or"])} ${this.bool(scope, d)})`,
        () => `(not ${this.bool(scope, d)})`,
        () => `(if ${this.bool(scope, d)} then ${this.bool(scope, d)} else ${this.bool(scope, d)})`,
      );
      for (const list of this.inFunction ? [] : this.lists) {
        choices.push(() => {
          const v = this.local("p");
          return `${this.pick(["any", "all"])}(${this.bool(withLocal(scope, v, list.fields), d)} for ${v} in ${list.code})`;
        });
      }
    }
    return this.pick(choices)();
  }

  private textExpr(scope: Scope): string {
    if (scope.texts.length > 0 && this.chance(0.5)) return this.pick(scope.texts);
    return this.stringLiteral();
  }
}

// ---- helpers ----

function emptyScope(): Scope {
  return { nums: [], bools: [], enums: [], texts: [], times: [], numberLists: [] };
}

function cloneScope(scope: Scope): Scope {
  return {
    nums: [...scope.nums],
    bools: [...scope.bools],
    enums: [...scope.enums],
    texts: [...scope.texts],
    times: [...scope.times],
    numberLists: [...scope.numberLists],
  };
}

/** Adds what a field offers to a scope: `code` is how it is read (`position.size`, `p.size`). */
function addField(scope: Scope, code: string, type: FieldType): void {
  switch (type.t) {
    case "num":
      scope.nums.push({ code, kind: type.kind });
      break;
    case "bool":
      scope.bools.push(code);
      break;
    case "enum":
      scope.enums.push({ code, enumName: type.name });
      break;
    case "text":
      scope.texts.push(code);
      break;
    case "time":
      scope.times.push(code);
      break;
    case "numbers":
      scope.numberLists.push(code);
      break;
  }
}

/** The scope inside a comprehension whose variable `name` ranges over records with `fields`. */
function withLocal(scope: Scope, name: string, fields: readonly Field[]): Scope {
  const inner = cloneScope(scope);
  for (const field of fields) addField(inner, `${name}.${field.name}`, field.type);
  return inner;
}

/** `base` if unused, else `base_2`, `base_3`, ...; marks the result used. */
function fresh(
  base: string,
  used: Set<string>,
  suffix: (base: string, n: number) => string = (b, n) => `${b}_${n}`,
): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = suffix(base, n);
  used.add(name);
  return name;
}

/** A tier bound as a rulebook writes it: `50_000`, `1e6`, `250000`. */
function formatBound(value: number): string {
  if (value >= 1e6 && value % 1e6 === 0) return `${value / 1e6}e6`;
  if (value >= 10_000) return String(value).replace(/\B(?=(\d{3})+$)/g, "_");
  return String(value);
}

/** A rate of `tenths` tenths of a percent, written as `%` or `bps` with `decimals` decimals. */
function rateText(tenths: number, style: number): string {
  if (style === 1) return `${tenths * 10}bps`;
  return `${(tenths / 10).toFixed(style === 2 ? 2 : 1)}%`;
}

/** Stands for `__proto__` while inputs are generated (see {@link protoSafeIr}). */
const PROTO_STAND_IN = "__proto__\u0001";

/**
 * The IR with every `__proto__` (names, enum members) replaced by a stand-in, for input generators
 * that build records by assignment (`record[name] = value`, which sets the prototype when the name
 * is `__proto__`); {@link restoreProto} turns a generated input back.
 */
export function protoSafeIr<T>(ir: T): T {
  return JSON.parse(JSON.stringify(ir).replaceAll('"__proto__"', JSON.stringify(PROTO_STAND_IN))) as T;
}

/** An input generated from {@link protoSafeIr}, with `__proto__` back, as own properties. */
export function restoreProto(value: unknown): unknown {
  if (value === PROTO_STAND_IN) return "__proto__";
  if (Array.isArray(value)) return value.map(restoreProto);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key === PROTO_STAND_IN ? "__proto__" : key, restoreProto(v)]),
  );
}

/**
 * A rulebook full of names and texts that mean something in JavaScript or in the generated code,
 * within what the lexer allows: a header, docs and messages that try to end a string or a comment
 * (`"); process.exit(1); ("`, `*\/`, U+2028, a lone surrogate; NUL and bidirectional controls are
 * refused in source since issue 13, so artifact-level tests carry them), inputs, fields, enum members,
 * lets, quantities, rules, tables and outputs named `__proto__`, `constructor`, `toString`, `eval`,
 * `arguments`, `s0`, `l0`, `raise`, `readField`, ... It checks without errors.
 */
export const HOSTILE_RULEBOOK = [
  'rulebook "\\"); process.exit(1); (\\" */ ${process.exit(1)} </script> ` \\\\ \u2028 \u2029 \ud800"',
  "  version 1.0.0-rc.1+evil.7",
  "  effective 2026-12-01T00:00:00Z",
  "  currency USDT",
  '  owner "\\"]; globalThis.__pwned = 1; //"',
  '  description "*/ process.exit(1) /* \u2028 }; process.exit(1); {"',
  "",
  '/// Members named after Object.prototype: */ process.exit(1) /* \u2028 "); process.exit(1); ("',
  "enum Object { constructor, __proto__, toString, valueOf }",
  "",
  "/// A record whose fields shadow Object.prototype.",
  "record Function {",
  "  __proto__: USDT >= 0",
  "  constructor: Number = 7",
  "  toString: Object = Object.__proto__",
  "  hasOwnProperty: Bool = false",
  '  eval: Text = "\\"); process.exit(1); (\\""',
  "  when_: Timestamp",
  "}",
  "",
  "input __proto__ { constructor: Quantity > 0, valueOf: Price > 0, prototype: Rate >= 0 <= 500% = 1% }",
  "input process { items: List<Function>, s0: Number = 0, l0: Bool = true }",
  "",
  "param readField = 2%",
  'param raise: Text = "\\"); process.exit(1); (\\""',
  "",
  "tiers hasOwnProperty by valueOf: USDT, marginal {",
  "  columns imr: Rate, mmr: Rate",
  "  [0, 50_000)      1.00%  0.50%",
  "  [50_000, inf)    2.00%  1.00%",
  "}",
  "",
  "scenarios eval(move: Rate) {",
  "  grid move [-10%, 0%, 10%]",
  '  scenario "\\"); process.exit(1); (\\"" move -40% weight 30%',
  '  scenario "__proto__" move 40% weight 30%',
  "}",
  "",
  "let arguments: USDT = __proto__.constructor * __proto__.valueOf",
  "let undefined: USDT = sum(f.__proto__ * f.constructor for f in process.items where not f.hasOwnProperty)",
  "let this = group(f for f in process.items by f.toString)",
  "",
  "rule function {",
  "  set new: Rate = hasOwnProperty(arguments).imr",
  "  scale new by 1 + __proto__.prototype",
  "}",
  "rule return when process.l0 {",
  "  add readField to new when arguments > 0 USDT",
  "  cap new at 100%",
  "  floor new at 0.1%",
  "}",
  "",
  "output toString: USDT = arguments * new round up to 0.01",
  "output valueOf: USDT = hasOwnProperty.margin(arguments, mmr) round up to 0.01",
  "output s0: USDT = max(arguments * s.move * s.weight for s in eval)",
  "output evaluate: USDT = undefined + sum(abs(sum(q.__proto__ for q in g.items)) for g in this)",
  'output l0: Text = if process.l0 then raise else if count(process.items) > 0 then process.items[0].eval else ""',
  "output t0: Object = if process.l0 then Object.__proto__ else Object.constructor",
  "output v0: Bool = any(f.toString == Object.valueOf for f in process.items)",
  "output c0: Number = count(process.items) + process.s0",
  "",
  'assert toString >= valueOf or true "\\"); process.exit(1); (\\" */ \u2028 ${x}"',
  "",
].join("\n");
