/**
 * Linear forms with interval coefficients, `sum of [c_lo, c_hi] x atom + [k_lo, k_hi]`: the
 * relational part of the prover. An atom is a term the form does not look into (an input, a
 * product of two varying terms, a `min`, ...), identified by its structural id; subtracting two
 * forms cancels the atoms they share, which is what proves `notional x 2% >= notional x 1%`
 * where intervals alone cannot.
 */
import { add, EVERYTHING, interval, isEmpty, mul, neg, times, type Interval } from "./interval.js";

/** A linear form over atoms (term ids). */
export interface Linear {
  readonly terms: ReadonlyMap<number, Interval>;
  readonly c: Interval;
}

const ZERO = interval(0);

/** A form without atoms: a constant (an interval). */
export function constantForm(c: Interval): Linear {
  return { terms: new Map(), c };
}

/** The form `1 x atom`. */
export function atomForm(id: number): Linear {
  return { terms: new Map([[id, interval(1)]]), c: ZERO };
}

/** Whether a form has no atom. */
export function isConstantForm(form: Linear): boolean {
  return form.terms.size === 0;
}

/** `a + b`: coefficients of the same atom add up (and cancel). */
export function addForms(a: Linear, b: Linear): Linear {
  const terms = new Map(a.terms);
  for (const [id, coefficient] of b.terms) {
    const sum = terms.has(id) ? add(terms.get(id)!, coefficient) : coefficient;
    if (sum.lo === 0 && sum.hi === 0) terms.delete(id);
    else terms.set(id, sum);
  }
  return { terms, c: add(a.c, b.c) };
}

/** `-a`. */
export function negForm(a: Linear): Linear {
  return { terms: new Map([...a.terms].map(([id, c]) => [id, neg(c)])), c: neg(a.c) };
}

/** `a x factor` for a constant (interval) factor. */
export function scaleForm(a: Linear, factor: Interval): Linear {
  if (factor.lo === 0 && factor.hi === 0) return constantForm(ZERO);
  return { terms: new Map([...a.terms].map(([id, c]) => [id, mul(c, factor)])), c: mul(a.c, factor) };
}

/** What the lower bound of a form may use: atom intervals, and linear bounds of atoms by other atoms. */
export interface AtomBounds {
  interval(id: number): Interval;
  /** Forms `u` with `atom <= u` (for example `min(a, b) <= a`). */
  upper(id: number): readonly Linear[];
  /** Forms `l` with `atom >= l` (for example `max(a, b) >= a`). */
  lower(id: number): readonly Linear[];
}

/** The plain lower bound: each term at its worst corner. */
function directLowerBound(form: Linear, atoms: AtomBounds): number {
  let total = form.c.lo;
  for (const [id, c] of form.terms) {
    const range = atoms.interval(id);
    if (isEmpty(range)) continue;
    total += Math.min(
      times(c.lo, range.lo),
      times(c.lo, range.hi),
      times(c.hi, range.lo),
      times(c.hi, range.hi),
    );
    if (Number.isNaN(total)) return -Infinity;
  }
  return total;
}

/**
 * A lower bound of a form over every value of its atoms. Besides the plain bound, it tries
 * replacing an atom with a negative coefficient by one of its upper bounds (a positive one by a
 * lower bound), up to `depth` times, and keeps the best: `1750 a + 2500 b - 3300 min(a / 2, b)`
 * is at least `1750 a + 2500 b - 1650 a >= 0`. It stops as soon as the bound reaches `enough`.
 */
export function lowerBound(form: Linear, atoms: AtomBounds, depth = 2, enough = 0): number {
  let best = directLowerBound(form, atoms);
  if (depth <= 0 || best >= enough) return best;
  for (const [id, c] of form.terms) {
    const options = c.hi <= 0 ? atoms.upper(id) : c.lo >= 0 ? atoms.lower(id) : [];
    for (const option of options) {
      const rest = new Map(form.terms);
      rest.delete(id);
      const replaced = addForms({ terms: rest, c: form.c }, scaleForm(option, c));
      best = Math.max(best, lowerBound(replaced, atoms, depth - 1, enough));
      if (best >= enough) return best;
    }
  }
  return best;
}

/** The interval of values a form may take (plain bounds, no substitution). */
export function formInterval(form: Linear, atoms: AtomBounds): Interval {
  const lo = directLowerBound(form, atoms);
  const hi = -directLowerBound(negForm(form), atoms);
  return Number.isNaN(lo) || Number.isNaN(hi) ? EVERYTHING : { lo, hi };
}
