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
}

export interface TraceLet extends TraceLocation {
  kind: "let";
  name: string;
  value: TraceValue;
  tiers: TierChoice[];
}

export interface TraceRule extends TraceLocation {
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
export interface TraceAction extends TraceLocation {
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

export interface TraceOutput extends TraceLocation {
  kind: "output";
  name: string;
  value: TraceValue;
  /** The value before the declared rounding. */
  unrounded?: number;
  rounding?: { direction: "up" | "down" | "half_even"; step: number };
  tiers: TierChoice[];
}

export interface TraceAssert extends TraceLocation {
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
  entries: TraceEntry[];
}
