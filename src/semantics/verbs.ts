/**
 * The verbs of rule steps (`set`, `scale ... by`, `add ... to`, `floor ... at`, `cap ... at`),
 * declared once: documentation and meaning on numbers.
 *
 * The interpreter applies {@link VERBS}; the code generator and the verifier keep complete
 * `Record<IrVerb, ...>` tables of their own forms, so a new verb is a `tsc` error in each until it
 * has one (never a `default:` arm that silently runs it as another verb).
 */
import type { IrVerb } from "../ir/ir.js";

/** The declaration of one rule verb. */
export interface VerbDeclaration {
  /** How a step is written, for the docs and the editor. */
  syntax: string;
  doc: string;
  /** The quantity after the step, from its value before and the step's operand. */
  apply(current: number, operand: number): number;
}

/** Every rule verb, by its IR name. */
export const VERBS: Readonly<Record<IrVerb, VerbDeclaration>> = {
  set: { syntax: "set q = x", doc: "Sets the quantity to `x`.", apply: (_current, operand) => operand },
  scale: {
    syntax: "scale q by f",
    doc: "Multiplies the quantity by the dimensionless factor `f`.",
    apply: (current, operand) => current * operand,
  },
  add: {
    syntax: "add x to q",
    doc: "Adds `x` to the quantity.",
    apply: (current, operand) => current + operand,
  },
  floor: {
    syntax: "floor q at x",
    doc: "Raises the quantity to at least `x`.",
    apply: (current, operand) => Math.max(current, operand),
  },
  cap: {
    syntax: "cap q at x",
    doc: "Lowers the quantity to at most `x`.",
    apply: (current, operand) => Math.min(current, operand),
  },
};
