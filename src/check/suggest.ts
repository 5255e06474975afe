/**
 * "Did you mean ...?" suggestions for unknown names, by edit distance.
 */
import type { Span } from "../syntax/ast.js";
import type { Fix } from "../diagnostics/diagnostic.js";

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidates (ties kept, at most 3) within a third of the name's length (1 to 3 edits). */
export function closestNames(name: string, candidates: Iterable<string>): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string[] = [];
  let bestDistance = Infinity;
  for (const candidate of new Set([...candidates].sort())) {
    if (candidate === name || candidate === "") continue;
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0.5 : editDistance(name, candidate);
    if (distance > limit || distance > bestDistance) continue;
    if (distance < bestDistance) best = [];
    bestDistance = distance;
    best.push(candidate);
  }
  return best.slice(0, 3);
}

/** The help text and quick fix of a did-you-mean suggestion, or nothing when no name is close. */
export function didYouMean(name: string, span: Span, candidates: Iterable<string>): { help?: string; fix?: Fix } {
  const suggestions = closestNames(name, candidates);
  if (suggestions.length === 0) return {};
  const quoted = suggestions.map((s) => `\`${s}\``);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
  return {
    help: `did you mean ${list}?`,
    fix: { title: `change to \`${suggestions[0]}\``, edits: [{ span, newText: suggestions[0]! }] },
  };
}
