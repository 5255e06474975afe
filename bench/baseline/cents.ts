/**
 * Cent rounding for the hand-written baselines, as marginbook documents `round up to 0.01`:
 * q = x / 0.01; ceil, except that a q just above an integer (within max(1e-9, min(1e-12 |q|, 1e-3)):
 * binary noise) stays on it, unless that would collect less than x; then / 100 (the next cent up
 * when that double is below x: never under-collect). One copy, shared by every baseline.
 */
export function roundUpToCent(x: number): number {
  const q = x / 0.01;
  const n = Math.ceil(q);
  // Binary noise just above a whole cent is ignored, unless that would collect less than x. The
  // cap (1e-3) is tested first, as src/semantics/numeric.ts does: false for nearly every amount, so
  // the branch is predicted right (a baseline without it would run its rounding at half speed).
  const below = q - (n - 1);
  if (below <= 1e-3 && n - q > 0.5 && below <= Math.max(1e-9, Math.min(1e-12 * Math.abs(q), 1e-3))) {
    const snapped = cents(n - 1);
    if (snapped >= x) return snapped;
  }
  const up = cents(n);
  if (up >= x) return up;
  const next = cents(n + 1);
  return next >= x ? next : x;
}

/** n cents as the double nearest to the decimal n / 100. */
function cents(n: number): number {
  return Math.abs(n) <= 9007199254740991 ? n / 100 + 0 : n * 0.01 + 0;
}
