/**
 * Named options of a call (`t.liquidation_price(..., mmr, margin_at: entry, contract: inverse,
 * closing_fee: 0.055%)`): the options each function takes, and their checking. Only the liquidation
 * and bankruptcy prices take options: they select a venue's convention (see
 * `src/semantics/liquidation.ts`), so the checker knows the convention's units before typing the
 * arguments.
 */
import { messages } from "../semantics/catalog.js";
import type { LiquidationConvention } from "../semantics/liquidation.js";
import type * as A from "../syntax/ast.js";
import { printExpression } from "../syntax/format.js";
import type { CheckContext } from "./context.js";
import { assignable, describeType, RATE, type Type } from "./types.js";

/** One named option: a word from a fixed list, or a constant rate. */
export interface OptionSpec {
  name: "margin_at" | "contract" | "closing_fee";
  /** The words it takes (the first is the default), or none for a rate. */
  words?: readonly string[];
  doc: string;
}

const MARGIN_AT: OptionSpec = {
  name: "margin_at",
  words: ["liquidation", "entry"],
  doc: "where the maintenance margin (and its tier) is valued: at the liquidation price (Binance) or at entry (Bybit)",
};
const CONTRACT: OptionSpec = {
  name: "contract",
  words: ["linear", "inverse"],
  doc: "`linear` (size in coins, balance in the quote currency) or `inverse` (size in USD contracts, balance in the coin)",
};
const CLOSING_FEE: OptionSpec = {
  name: "closing_fee",
  doc: "the fee rate to close, charged on the notional at the bankruptcy price (a constant Rate; default 0)",
};

/** The options of `t.liquidation_price`. */
export const LIQUIDATION_OPTIONS: readonly OptionSpec[] = [MARGIN_AT, CONTRACT, CLOSING_FEE];
/** The options of `bankruptcy_price`. */
export const BANKRUPTCY_OPTIONS: readonly OptionSpec[] = [CONTRACT, CLOSING_FEE];

/** The declaration of a named option, by name (for hover and completion). */
export function optionSpec(name: string): OptionSpec | undefined {
  return LIQUIDATION_OPTIONS.find((o) => o.name === name);
}

/** How hover and completion show an option: `contract: linear | inverse`, `closing_fee: Rate`. */
export function optionSignature(spec: OptionSpec): string {
  return `${spec.name}: ${spec.words ? spec.words.join(" | ") : "Rate"}`;
}

/** Whether a call names a function that takes options (checked in full where it is typed). */
export function takesOptions(expr: A.CallExpr): boolean {
  const callee = expr.callee;
  if (callee.kind === "NameRef") return callee.name === "bankruptcy_price";
  return callee.kind === "MemberExpr" && callee.member.text === "liquidation_price";
}

/** Reports MB3100 when a call that takes no options has some. */
export function refuseOptions(expr: A.CallExpr, name: string, context: CheckContext): void {
  const first = expr.options?.[0];
  if (first) context.report(messages.optionsNotTaken, first.span, { name });
}

/**
 * Checks the options of a call of `name` against `specs` and returns the convention they select,
 * or undefined after reporting a problem. `typeOf` types an option's value (a rate).
 */
export function checkOptions(
  expr: A.CallExpr,
  name: string,
  specs: readonly OptionSpec[],
  context: CheckContext,
  typeOf: (value: A.Expr) => Type,
): LiquidationConvention | undefined {
  const convention: LiquidationConvention = { marginAt: "liquidation", contract: "linear", closingFee: 0 };
  const options = expr.options ?? [];
  let ok = true;
  const firstOption = options[0];
  const late = firstOption && expr.args.find((a) => a.span.start > firstOption.span.start);
  if (late) {
    context.report(messages.optionBeforeArgument, late.span);
    ok = false;
  }
  const seen = new Set<string>();
  for (const option of options) {
    const text = option.name.text;
    const spec = specs.find((s) => s.name === text);
    if (!spec) {
      const names = specs.map((s) => s.name);
      context.report(
        messages.unknownOption,
        option.name.span,
        { name, option: text, options: names.map((n) => `\`${n}\``).join(", ") },
        context.didYouMean(text, option.name.span, names),
      );
      ok = false;
      continue;
    }
    if (seen.has(text)) {
      context.report(messages.duplicateOption, option.name.span, { option: text });
      ok = false;
      continue;
    }
    seen.add(text);
    if (spec.words) ok = word(option, spec, spec.words, convention, context) && ok;
    else ok = closingFee(option, convention, context, typeOf) && ok;
  }
  return ok ? convention : undefined;
}

function word(
  option: A.CallOption,
  spec: OptionSpec,
  words: readonly string[],
  convention: LiquidationConvention,
  context: CheckContext,
): boolean {
  const value = option.value;
  const text = value.kind === "NameRef" ? value.name : undefined;
  if (text === undefined || !words.includes(text)) {
    context.report(
      messages.invalidOptionWord,
      value.span,
      {
        option: spec.name,
        words: words.map((w) => `\`${w}\``).join(" or "),
        text: text ?? printExpression(value),
      },
      text === undefined ? {} : context.didYouMean(text, value.span, words),
    );
    return false;
  }
  if (spec.name === "margin_at") convention.marginAt = text as LiquidationConvention["marginAt"];
  else convention.contract = text as LiquidationConvention["contract"];
  return true;
}

function closingFee(
  option: A.CallOption,
  convention: LiquidationConvention,
  context: CheckContext,
  typeOf: (value: A.Expr) => Type,
): boolean {
  const type = typeOf(option.value);
  if (type.kind === "error") return false;
  if (!assignable(RATE, type)) {
    context.report(messages.closingFeeOutOfRange, option.value.span, { actual: describeType(type) });
    return false;
  }
  const value = context.constant(option.value);
  if (value === undefined) {
    context.reportNotConstant(option.value, "the closing fee");
    return false;
  }
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    const actual =
      typeof value === "number" ? `${String(Number((value * 100).toPrecision(12)))}%` : String(value);
    context.report(messages.closingFeeOutOfRange, option.value.span, { actual });
    return false;
  }
  convention.closingFee = value;
  return true;
}
