/** Inputs shaped for columns, shared by the columnar tests. */
import type { ColumnLayout } from "../../src/runtime/column-layout.js";

/** Inputs whose optional fields are given in all of them or in none (what columns can carry). */
export function uniform(layout: ColumnLayout, inputs: unknown[]): unknown[] {
  const copies = inputs.map((i) => structuredClone(i));
  for (const field of layout.fields) {
    if (!field.optional) continue;
    const holders = holdersOf(copies, field.path.split("."));
    const last = field.path.split(".").pop()!;
    const given = holders.filter((h) => Object.hasOwn(h, last)).length;
    if (given > 0 && given < holders.length) for (const h of holders) delete h[last];
  }
  return copies;
}

/** The objects that hold the last part of `path` (through lists, item by item). */
function holdersOf(values: unknown[], path: string[]): Record<string, unknown>[] {
  let current = values;
  for (const part of path.slice(0, -1)) {
    const next: unknown[] = [];
    for (const value of current) {
      const inner =
        value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
      if (Array.isArray(inner)) next.push(...inner);
      else if (inner !== undefined) next.push(inner);
    }
    current = next;
  }
  return current.filter((v): v is Record<string, unknown> => v !== null && typeof v === "object");
}
