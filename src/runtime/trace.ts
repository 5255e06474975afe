/**
 * The explanation of one evaluation: every let, rule, rule step, output and assertion in evaluation
 * order, with the values before and after each step, the tier rows chosen and the source lines.
 * Plain JSON data, so the CLI prints it and the editor renders it as it likes.
 */

/** A value in an explanation: a tier row appears as `{ table, tier }`, a missing value as null. */
export type TraceValue = number | boolean | string | null | TraceValue[] | { [field: string]: TraceValue };

/** Where an entry comes from: a 1-based line (0 when unknown) and, for inherited declarations, the file. */
export interface TraceLocation {
  line: number;
  file?: string;
}

/** A tier row chosen by a lookup (`brackets(notional)`, `brackets.margin(...)`). */
export interface TierChoice {
  table: string;
  key: number;
  /** 1-based. */
  tier: number;
  lower: number;
  /** `null` is infinity. */
  upper: number | null;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  cells: Record<string, number>;
  /** The derived deductions of the rate columns (0 in flat tables). */
  deductions: Record<string, number>;
  /**
   * For a liquidation price: where the key was taken and the convention (`at the liquidation
   * price`, `at entry, inverse, closing fee 0.055%`).
   */
  convention?: string;
}

/**
 * The element that won a `min` or `max` over a list: for a scenario set, the worst (or best)
 * scenario, by name and index, and its value. Recorded each time the aggregation runs, so a `max`
 * over scenarios inside a `sum` over groups gives one choice per group, named by `within`.
 */
export interface AggregateChoice {
  /** `min` / `max` / `argmax` / `argmin` over a list, or `call` of a user function. */
  op: "min" | "max" | "argmax" | "argmin" | "call";
  /** `call`: the function's name and its arguments (`value` is then its result, when a number). */
  fn?: string;
  args?: TraceValue[];
  /** `call`: a result that is not a number (a list, a record, a Bool, text). */
  result?: TraceValue;
  /** Where the aggregation is written (1-based line). */
  line: number;
  /** The scenario set aggregated over, when the list is one. */
  scenarios?: string;
  /** The number of elements compared (those that passed the `where` filter). */
  count: number;
  /** The winning element's 0-based position in the list (the first one, on a tie). */
  position: number;
  /** The winner's name: a scenario's name, a group's key, a record's `name` (or first text field). */
  name?: string;
  /** A scenario's `index` and `weight`. */
  index?: number;
  weight?: number;
  /** The winning value, and its unit as the rulebook writes it (`USD`, `Rate`). */
  value: number;
  unit?: string;
  /** The elements of the enclosing comprehensions, outermost first (a group's key, a scenario's name, `#2`). */
  within: string[];
}

/** What an entry may add: the winners of `min` / `max` aggregations, when there were any. */
export interface TraceChoices {
  choices?: AggregateChoice[];
  /** How many choices were left out of `choices` (an entry keeps at most 64). */
  choicesOmitted?: number;
}

export interface TraceLet extends TraceLocation, TraceChoices {
  kind: "let";
  name: string;
  value: TraceValue;
  tiers: TierChoice[];
}

export interface TraceRule extends TraceLocation, TraceChoices {
  kind: "rule";
  name: string;
  ran: boolean;
  /** The value of the rule's `when` condition, if it has one. */
  condition?: boolean;
  /** Why the rule ran or was skipped, in words. */
  reason: string;
  actions: TraceAction[];
  /** Tier rows chosen by the condition. */
  tiers: TierChoice[];
}

/** One step of a rule: the quantity before and after, and the operand (`scale im_rate by 1.1`). */
export interface TraceAction extends TraceLocation, TraceChoices {
  verb: "set" | "scale" | "add" | "floor" | "cap";
  quantity: string;
  applied: boolean;
  /** The value of the step's own `when` condition, if it has one. */
  condition?: boolean;
  operand?: TraceValue;
  before?: TraceValue;
  after: TraceValue;
  tiers: TierChoice[];
}

export interface TraceOutput extends TraceLocation, TraceChoices {
  kind: "output";
  name: string;
  value: TraceValue;
  /** The value before the declared rounding. */
  unrounded?: number;
  rounding?: { direction: "up" | "down" | "half_even"; step: number };
  tiers: TierChoice[];
}

export interface TraceAssert extends TraceLocation, TraceChoices {
  kind: "assert";
  holds: boolean;
  message?: string;
  tiers: TierChoice[];
}

export type TraceEntry = TraceLet | TraceRule | TraceOutput | TraceAssert;

/** The explanation of one evaluation. */
export interface Trace {
  rulebook: string;
  version: string;
  /** In decimal arithmetic: `decimal, / and functions to 18 places, rounding half_even`; numbers are decimal text. */
  arithmetic?: string;
  entries: TraceEntry[];
}
