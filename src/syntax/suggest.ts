/**
 * "Did you mean ...?" suggestions for unknown names, by edit distance.
 */
import type { Span } from "./ast.js";
import type { Fix } from "../diagnostics/diagnostic.js";

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  return boundedDistance(a, b, Math.max(a.length, b.length));
}

/**
 * The optimal string alignment distance of `a` and `b` when it is at most `limit`, else `limit + 1`.
 * Costs O(length x limit): only the diagonal band that can stay within the limit is computed, and
 * the computation stops as soon as a whole row is beyond it.
 */
export function boundedDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const big = limit + 1;
  const width = b.length + 1;
  if (scratch.length < 3 * width) scratch = new Int32Array(6 * width);
  // Three rows of the table, reused: the one before the previous (for transpositions), the previous, the current.
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j < width; j++) scratch[previous + j] = j <= limit ? j : big;
  for (let i = 1; i <= a.length; i++) {
    scratch.fill(big, current, current + width);
    scratch[current] = i <= limit ? i : big;
    const from = Math.max(1, i - limit);
    const to = Math.min(b.length, i + limit);
    let rowMin = scratch[current]!;
    const ai = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(
        scratch[previous + j]! + 1,
        scratch[current + j - 1]! + 1,
        scratch[previous + j - 1]! + (ai === bj ? 0 : 1),
      );
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        d = Math.min(d, scratch[before + j - 2]! + 1);
      d = Math.min(d, big);
      scratch[current + j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return big;
    const spare = before;
    before = previous;
    previous = current;
    current = spare;
  }
  return Math.min(scratch[previous + b.length]!, big);
}

let scratch = new Int32Array(3 * 130);

/**
 * The work left for suggestions in one check (distances computed). A rulebook with thousands of
 * misspelt names among thousands of declarations gets suggestions until it runs out, then none:
 * the check stays linear in the rulebook's size.
 */
export interface SuggestionBudget {
  left: number;
}

/** The distances one check may compute for suggestions. */
export const SUGGESTION_BUDGET = 200_000;

/**
 * The closest candidates (ties kept, at most 3) within a third of the name's length (1 to 3 edits).
 * Linear in the number of candidates: those whose length differs by more than the limit are skipped
 * without a distance, and a distance is computed only within its band.
 */
export function closestNames(
  name: string,
  candidates: Iterable<string>,
  budget?: SuggestionBudget,
): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  const lower = name.toLowerCase();
  let best = new Set<string>();
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name || candidate === "" || Math.abs(candidate.length - name.length) > limit) continue;
    if (budget && --budget.left < 0) return [];
    const distance =
      candidate.length === name.length && candidate.toLowerCase() === lower
        ? 0.5
        : boundedDistance(name, candidate, Math.min(limit, Math.floor(bestDistance)));
    if (distance > limit || distance > bestDistance) continue;
    if (distance < bestDistance) best = new Set();
    bestDistance = distance;
    best.add(candidate);
  }
  return [...best].sort().slice(0, 3);
}

/** The help text and quick fix of a did-you-mean suggestion, or nothing when no name is close. */
export function didYouMean(
  name: string,
  span: Span,
  candidates: Iterable<string>,
  budget?: SuggestionBudget,
): { help?: string; fix?: Fix } {
  const suggestions = closestNames(name, candidates, budget);
  if (suggestions.length === 0) return {};
  const quoted = suggestions.map((s) => `\`${s}\``);
  const list =
    quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
  return {
    help: `did you mean ${list}?`,
    fix: { title: `change to \`${suggestions[0]}\``, edits: [{ span, newText: suggestions[0]! }] },
  };
}
