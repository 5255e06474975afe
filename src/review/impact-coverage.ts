/**
 * Whether an impact set can show a change at all: an output that is constant over the whole set
 * (every input gives the same value, in both versions), or pinned at its largest value for most of
 * the set (a cap, such as an IM rate capped at 100%), hides any change to the rules that feed it.
 * Generated sets are where this bites: random magnitudes can put every position in one tier, or
 * every one past a cap. The warnings go into the impact report, so the reviewer sees them.
 */
import { InputStatus, type ComparedOutput, type ImpactColumns } from "./impact.js";

/** The share of the set above which an output pinned at its maximum is reported as capped. */
export const CAPPED_SHARE = 0.5;

/** One sentence per output that the set cannot show a change of. */
export function coverageWarnings(columns: ImpactColumns, outputs: readonly ComparedOutput[]): string[] {
  const warnings: string[] = [];
  outputs.forEach((output, o) => {
    const oldValues = columns.old[o]!;
    const newValues = columns.new[o]!;
    let evaluated = 0;
    let oldMin = Infinity,
      oldMax = -Infinity,
      newMin = Infinity,
      newMax = -Infinity;
    for (let i = 0; i < columns.count; i++) {
      if (columns.status[i] !== InputStatus.both) continue;
      evaluated++;
      oldMin = Math.min(oldMin, oldValues[i]!);
      oldMax = Math.max(oldMax, oldValues[i]!);
      newMin = Math.min(newMin, newValues[i]!);
      newMax = Math.max(newMax, newValues[i]!);
    }
    if (evaluated < 2) return;
    if (oldMin === oldMax && newMin === newMax) {
      warnings.push(
        `${output.name} is ${newMax === oldMax ? `${newMax}` : `${oldMax} (old) and ${newMax} (new)`} for every one of the ${evaluated} inputs: this set cannot show a change to it`,
      );
      return;
    }
    let atMax = 0;
    for (let i = 0; i < columns.count; i++)
      if (columns.status[i] === InputStatus.both && newValues[i] === newMax && oldValues[i] === oldMax)
        atMax++;
    if (newMin !== newMax && atMax / evaluated > CAPPED_SHARE) {
      warnings.push(
        `${output.name} is at its largest value (${newMax}) in both versions for ${Math.round((atMax / evaluated) * 100)}% of the inputs (capped?): a change to the rules below the cap cannot show there`,
      );
    }
  });
  return warnings;
}
