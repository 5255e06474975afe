/**
 * Order statistics of a list of numbers: `quantile`, `kth_smallest`, `kth_largest`. One sort of a
 * copy (O(n log n)); the list itself is never reordered. Both evaluators and the checker's constant
 * folding call these, so every evaluator returns the same double.
 */
import { decText, type Dec } from "./decimal.js";
import { runtimeErrors, type Raise } from "./errors.js";

/** Ascending; of two zeros, -0 first, so that the order (and so the result) never depends on the input's. */
function ascending(a: number, b: number): number {
  return a < b
    ? -1
    : a > b
      ? 1
      : Object.is(a, -0) && !Object.is(b, -0)
        ? -1
        : Object.is(b, -0) && !Object.is(a, -0)
          ? 1
          : 0;
}

function sorted(xs: readonly number[], fn: string, site: number, raise: Raise): number[] {
  if (xs.length === 0) raise(site, runtimeErrors.emptyOrderStatistic, { fn });
  return [...xs].sort(ascending);
}

/**
 * The `q`-quantile of `xs`, by linear interpolation between the order statistics around rank
 * `h = (n - 1) q` (Hyndman and Fan, "Sample quantiles in statistical packages", The American
 * Statistician 50(4), 1996, definition 7; R's default, numpy's `linear`, Excel's `PERCENTILE.INC`):
 * `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])` over the ascending `x`, 0-based.
 * `q = 0` is the smallest element, `q = 1` the largest; a rank that falls on an element returns it
 * exactly. An empty list is MB6040, a `q` outside [0, 1] MB6042.
 */
export function quantile(xs: readonly number[], q: number, site: number, raise: Raise): number {
  if (!(q >= 0 && q <= 1)) raise(site, runtimeErrors.quantileOutOfRange, { q });
  const x = sorted(xs, "quantile", site, raise);
  const h = (x.length - 1) * q;
  const low = Math.floor(h);
  const fraction = h - low;
  const below = x[low]!;
  if (fraction === 0 || low + 1 >= x.length) return below;
  const above = x[low + 1]!;
  const spread = above - below;
  // A spread that overflows (from -max to +max) is interpolated from the two ends instead.
  return Number.isFinite(spread) ? below + fraction * spread : (1 - fraction) * below + fraction * above;
}

/**
 * The `k`-th smallest (`largest: false`) or largest element of `xs`, `k` 1-based: `k = 1` is the
 * minimum (the maximum). An empty list is MB6040, a `k` that is not a whole number from 1 to the
 * length MB6041.
 */
export function kth(xs: readonly number[], k: number, largest: boolean, site: number, raise: Raise): number {
  const fn = largest ? "kth_largest" : "kth_smallest";
  const x = sorted(xs, fn, site, raise);
  if (!(Number.isInteger(k) && k >= 1 && k <= x.length))
    raise(site, runtimeErrors.rankOutOfRange, { fn, k, length: x.length });
  return largest ? x[x.length - k]! : x[k - 1]!;
}

/** The ascending copy of a list of decimals (`arithmetic decimal`); an empty list is MB6040. */
function sortedDecimals(xs: readonly Dec[], fn: string, site: number, raise: Raise): Dec[] {
  if (xs.length === 0) raise(site, runtimeErrors.emptyOrderStatistic, { fn });
  return [...xs].sort((a, b) => a.cmp(b));
}

/** {@link quantile} in decimal arithmetic: the same definition, and exact (a product and a sum). */
export function decQuantile(xs: readonly Dec[], q: Dec, site: number, raise: Raise): Dec {
  if (!(q.gte(0) && q.lte(1))) raise(site, runtimeErrors.quantileOutOfRange, { q: decText(q) });
  const x = sortedDecimals(xs, "quantile", site, raise);
  const h = q.times(x.length - 1);
  const low = h.floor();
  const fraction = h.minus(low);
  const below = x[low.toNumber()]!;
  if (fraction.isZero() || low.toNumber() + 1 >= x.length) return below;
  return below.plus(fraction.times(x[low.toNumber() + 1]!.minus(below)));
}

/** {@link kth} in decimal arithmetic. */
export function decKth(xs: readonly Dec[], k: Dec, largest: boolean, site: number, raise: Raise): Dec {
  const fn = largest ? "kth_largest" : "kth_smallest";
  const x = sortedDecimals(xs, fn, site, raise);
  if (!(k.isInteger() && k.gte(1) && k.lte(x.length)))
    raise(site, runtimeErrors.rankOutOfRange, { fn, k: decText(k), length: x.length });
  const rank = k.toNumber();
  return largest ? x[x.length - rank]! : x[rank - 1]!;
}
