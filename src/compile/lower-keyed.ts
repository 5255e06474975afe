/**
 * Lowering of keyed lookups: a row of a keyed table (`fees[p.symbol].taker`) and one table of a
 * tier table family (`brackets[p.symbol](notional).imr`, `brackets[p.symbol].margin(n, mmr)`)
 * become a chain of `if`s on the key, one branch per row, ending at the `default:` row or at a
 * `nokey` node that raises MB6020. Cells are the constants the checker folded.
 */
import type * as A from "../syntax/ast.js";
import type { IrConstValue, IrExpr } from "../ir/ir.js";

/** One branch of a keyed chain: the key values of a row, and what the row gives. */
export interface KeyedBranch {
  key: readonly IrConstValue[];
  value: IrExpr;
}

/**
 * `if keys == branch_1.key then branch_1.value else if ... else fallback`; without a fallback the
 * chain ends at `nokey`. Branches giving the same constant as the fallback are dropped.
 */
export function keyedChain(
  table: string,
  keys: readonly IrExpr[],
  branches: readonly KeyedBranch[],
  fallback: IrExpr | undefined,
  site: () => number,
): IrExpr {
  const end: IrExpr = fallback ?? { k: "nokey", table, keys: [...keys], site: site() };
  let result = end;
  for (let i = branches.length - 1; i >= 0; i--) {
    const branch = branches[i]!;
    if (fallback && sameConstant(branch.value, fallback)) continue;
    result = { k: "if", c: keyTest(keys, branch.key), t: branch.value, e: result };
  }
  return result;
}

function keyTest(keys: readonly IrExpr[], values: readonly IrConstValue[]): IrExpr {
  const tests = keys.map((key, i): IrExpr => ({
    k: "binary",
    op: "==",
    l: key,
    r: { k: "const", v: values[i]! },
  }));
  return tests.reduce((all, test) => ({ k: "binary", op: "and", l: all, r: test }));
}

function sameConstant(a: IrExpr, b: IrExpr): boolean {
  return a.k === "const" && b.k === "const" && Object.is(a.v, b.v);
}

/** The runtime values of a row's key as written (enum members and texts as strings). */
export function keyValues(key: readonly A.TableKeyValue[]): IrConstValue[] {
  return key.map((k) => k.value);
}

/** The name of one table of a family in the IR: `brackets[BTCUSDT]`. */
export function familyTableName(table: string, key: readonly A.TableKeyValue[]): string {
  return `${table}[${key.map((k) => (k.kind === "string" ? JSON.stringify(k.text) : k.text)).join(", ")}]`;
}

/** Whether a family group is the `default:` one. */
export function isDefaultGroup(group: A.TierGroup): boolean {
  return group.key.length === 1 && group.key[0]!.kind === "name" && group.key[0]!.text === "default";
}
