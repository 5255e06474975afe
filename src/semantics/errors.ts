/**
 * The runtime errors (MB60xx, entries of the one catalog) and the error class both evaluators throw.
 *
 * A runtime error stops the evaluation. Its message is rendered here, from the catalog and the IR
 * site where it happened, so that the interpreter and the compiled evaluator produce the same code
 * and the same message for the same input.
 */
import type { IrRulebook } from "../ir/ir.js";
import { messages, type MessageSpec } from "./catalog.js";
import { brandClass } from "./brand.js";

/** One runtime error kind: a stable code and a message template with `{placeholder}` fields. */
export type RuntimeErrorSpec = MessageSpec;

/** Every evaluation error (MB60xx), by name: the catalog's entries. */
export const runtimeErrors = {
  invalidInput: messages.invalidInput,
  divisionByZero: messages.divisionByZero,
  sqrtOfNegative: messages.sqrtOfNegative,
  lnOfNonPositive: messages.lnOfNonPositive,
  emptyAggregate: messages.emptyAggregate,
  outsideTiers: messages.outsideTiers,
  nonFiniteOutput: messages.nonFiniteOutput,
  assertionFailed: messages.assertionFailed,
  indexOutOfRange: messages.indexOutOfRange,
  invalidArgument: messages.invalidArgument,
  nonFiniteValue: messages.nonFiniteValue,
  missingKey: messages.missingKey,
  aboveLimit: messages.aboveLimit,
  emptyOrderStatistic: messages.emptyOrderStatistic,
  rankOutOfRange: messages.rankOutOfRange,
  quantileOutOfRange: messages.quantileOutOfRange,
  noLiquidationPrice: messages.noLiquidationPrice,
} as const;

export type RuntimeErrorName = keyof typeof runtimeErrors;

/** The values that fill a template. */
export type RuntimeErrorArgs = Record<string, string | number>;

/**
 * An evaluation that stopped: a coded error naming the rule, the source line and the inputs involved.
 * `detail` is the filled template alone; `message` adds where it happened.
 */
export class RuntimeError extends Error {
  override readonly name = "RuntimeError";

  constructor(
    readonly code: string,
    message: string,
    readonly detail: string,
    readonly line: number,
    readonly inputs: readonly string[],
    readonly rule?: string,
    readonly file?: string,
    readonly what?: string,
  ) {
    super(message);
  }
}
brandClass(RuntimeError, "RuntimeError");

/** Formats a number the same way everywhere: `-0`, `NaN`, `Infinity` spelled out. */
export function formatNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

/** Fills `{name}` placeholders; numbers are formatted with {@link formatNumber}. */
export function fillRuntimeTemplate(template: string, args: RuntimeErrorArgs): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = args[key];
    if (value === undefined)
      throw new Error(`runtime error template "${template}" is missing a value for {${key}}`);
    return typeof value === "number" ? formatNumber(value) : value;
  });
}

/**
 * Builds the error for `spec` at `site` of `ir`. The message reads, for example:
 * "division by zero in rule `liquidity` (line 80), with market.adv".
 */
export function makeRuntimeError(
  ir: IrRulebook,
  site: number,
  error: RuntimeErrorSpec,
  args: RuntimeErrorArgs,
): RuntimeError {
  const detail = fillRuntimeTemplate(error.template, args);
  const where = ir.sites[site];
  if (!where) return new RuntimeError(error.code, detail, detail, 0, []);
  const place = where.rule !== undefined ? `rule \`${where.rule}\`` : `\`${where.what}\``;
  const line = where.line > 0 ? ` (${where.file ? `${where.file}, ` : ""}line ${where.line})` : "";
  const inputs = where.inputs.length > 0 ? `, with ${where.inputs.join(", ")}` : "";
  const message = `${detail} in ${place}${line}${inputs}`;
  return new RuntimeError(
    error.code,
    message,
    detail,
    where.line,
    where.inputs,
    where.rule,
    where.file,
    where.what,
  );
}

/** Throws a runtime error; both evaluators raise errors through a function of this type. */
export type Raise = (site: number, error: RuntimeErrorSpec, args: RuntimeErrorArgs) => never;

/** The raising function for one rulebook. */
export function raiserFor(ir: IrRulebook): Raise {
  return (site, error, args) => {
    throw makeRuntimeError(ir, site, error, args);
  };
}
