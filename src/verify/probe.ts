/**
 * The probe: the rulebook's IR with its assertions removed and extra outputs added (property
 * conditions, the values of lets and quantities, outputs before rounding, tier keys and the two
 * sides of conditions), run by the reference interpreter. The search reads everything it needs
 * from one evaluation, and a counterexample is replayed on the rulebook itself for its outputs and
 * its explanation.
 */
import type { IrExpr, IrOutputStep, IrRulebook, IrSlot, IrStep } from "../ir/ir.js";
import { inputValidator } from "../runtime/input-schema.js";
import { evaluate, RuntimeError, type OutputValue } from "../runtime/interpreter.js";
import type { Trace } from "../runtime/trace.js";
import { outputNumber } from "../runtime/decimal-values.js";

/** An extra output the probe computes at the end of an evaluation. */
export interface ProbeOutput {
  name: string;
  value: IrExpr;
}

/** The outputs of one probe evaluation, by name; undefined when the evaluation stopped. */
export type ProbeResult = Record<string, OutputValue> | undefined;

/** One evaluation of the rulebook, as a counterexample shows it. */
export interface Replay {
  input: Record<string, unknown>;
  outputs: Record<string, OutputValue>;
  explanation?: Trace;
  /** Set when the evaluation stopped with a runtime error (its code and message). */
  error?: { code: string; message: string };
}

/** Evaluates inputs on an augmented copy of a rulebook's IR. */
export class Probe {
  /** The rulebook without its assertions: what a counterexample is replayed on. */
  readonly plain: IrRulebook;
  private readonly augmented: IrRulebook;
  evaluations = 0;

  constructor(
    readonly ir: IrRulebook,
    extras: readonly ProbeOutput[],
  ) {
    const steps = ir.steps.filter((s) => s.kind !== "assert");
    this.plain = { ...ir, steps };
    const slots: IrSlot[] = [...ir.slots];
    const added: IrStep[] = extras.map((extra): IrOutputStep => {
      slots.push({ name: extra.name, kind: "output", type: { kind: "opaque", description: "probe" } });
      return { kind: "output", slot: slots.length - 1, value: extra.value, site: 0 };
    });
    this.augmented = { ...ir, slots, steps: [...steps, ...added] };
  }

  /** Whether an input is valid for the rulebook's schema (the search only evaluates valid inputs). */
  valid(input: unknown): boolean {
    return inputValidator(this.ir).validate(input).valid;
  }

  /** Evaluates one input; undefined when the evaluation stops with a runtime error. */
  run(input: unknown): ProbeResult {
    this.evaluations += 1;
    try {
      return evaluate(this.augmented, input).outputs;
    } catch (error) {
      if (error instanceof RuntimeError) return undefined;
      throw error;
    }
  }

  /** Evaluates one input on the rulebook itself, with its explanation. */
  replay(input: Record<string, unknown>): Replay {
    try {
      const result = evaluate(this.plain, input, { explain: true });
      return {
        input,
        outputs: result.outputs,
        ...(result.explanation ? { explanation: result.explanation } : {}),
      };
    } catch (error) {
      if (!(error instanceof RuntimeError)) throw error;
      return { input, outputs: {}, error: { code: error.code, message: error.message } };
    }
  }
}

/** A number read from a probe result, or undefined. */
export function numberOf(result: ProbeResult, name: string): number | undefined {
  // A decimal rulebook's numbers are decimal text: read as the nearest double.
  return outputNumber(result?.[name]);
}
