/**
 * A three-way merge of lines, for a file that changed on disk while it was edited: `base` is the
 * version the editor opened, `mine` the edits, `theirs` the disk. Changes on one side only are taken;
 * the same change on both sides is taken once; different changes to the same lines are a conflict,
 * written between `<<<<<<< yours`, `=======` and `>>>>>>> on disk` markers (which the checker then
 * reports, so a conflict cannot be saved unnoticed). Pure.
 */

/** The merged text and the number of conflicts left in it. */
export interface MergeResult {
  text: string;
  conflicts: number;
}

/** For each line of `a`, the index of the matching line of `b` in a longest common subsequence, or -1. */
function matches(a: readonly string[], b: readonly string[]): Int32Array {
  const n = a.length;
  const m = b.length;
  // Lengths of the LCS of a[i..] and b[j..], row by row from the end.
  const table = new Int32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] =
        a[i] === b[j]
          ? table[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(table[(i + 1) * (m + 1) + j]!, table[i * (m + 1) + j + 1]!);
    }
  }
  const result = new Int32Array(n).fill(-1);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      result[i++] = j++;
    } else if (table[(i + 1) * (m + 1) + j]! >= table[i * (m + 1) + j + 1]!) i++;
    else j++;
  }
  return result;
}

/** Merges `mine` and `theirs`, both edited from `base`. */
export function mergeThreeWay(base: string, mine: string, theirs: string): MergeResult {
  if (mine === theirs) return { text: mine, conflicts: 0 };
  if (mine === base) return { text: theirs, conflicts: 0 };
  if (theirs === base) return { text: mine, conflicts: 0 };
  const [o, a, b] = [base.split("\n"), mine.split("\n"), theirs.split("\n")];
  const ma = matches(o, a);
  const mb = matches(o, b);
  const out: string[] = [];
  let conflicts = 0;
  let [io, ia, ib] = [0, 0, 0];
  while (io <= o.length) {
    // The next base line both sides kept (a stable anchor), or the end.
    let next = io;
    while (next < o.length && (ma[next]! < 0 || mb[next]! < 0)) next++;
    const [ea, eb] = next < o.length ? [ma[next]!, mb[next]!] : [a.length, b.length];
    const chunkO = o.slice(io, next);
    const chunkA = a.slice(ia, ea);
    const chunkB = b.slice(ib, eb);
    const same = (x: string[], y: string[]): boolean =>
      x.length === y.length && x.every((l, k) => l === y[k]);
    if (same(chunkA, chunkO)) out.push(...chunkB);
    else if (same(chunkB, chunkO) || same(chunkA, chunkB)) out.push(...chunkA);
    else {
      conflicts++;
      out.push("<<<<<<< yours", ...chunkA, "=======", ...chunkB, ">>>>>>> on disk");
    }
    if (next >= o.length) break;
    out.push(o[next]!);
    [io, ia, ib] = [next + 1, ea + 1, eb + 1];
  }
  return { text: out.join("\n"), conflicts };
}
