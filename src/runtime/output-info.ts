/**
 * The outputs a rulebook declares, as the runtime describes them to its callers (names, types and
 * units), shared by the per-record and the columnar evaluators.
 */
import type { IrRulebook, IrType } from "../ir/ir.js";

/** An output of the rulebook: its name and type (numbers carry their unit, e.g. `USDT`). */
export interface OutputInfo {
  name: string;
  type: IrType;
  /** The unit of a number (`USDT`, `Rate`, `Number`), else undefined. */
  unit?: string;
}

/** The outputs of a rulebook, in the order of its steps. */
export function outputInfos(ir: IrRulebook): OutputInfo[] {
  const result: OutputInfo[] = [];
  for (const step of ir.steps) {
    if (step.kind !== "output") continue;
    const slot = ir.slots[step.slot]!;
    result.push({
      name: slot.name,
      type: slot.type,
      ...(slot.type.kind === "number" ? { unit: slot.type.unit } : {}),
    });
  }
  return result;
}
