/**
 * `normal_cdf`, `black76` and `black_scholes` in SQL, operation for operation as
 * `src/semantics/numeric.ts` computes them: W. J. Cody's rational approximation with its polynomials
 * evaluated in the same order (Horner, unrolled), the same branches, and the option formulas with
 * the same argument checks (MB6010). Only `exp`, `ln` and `sqrt` of the engine differ from
 * JavaScript's, so results agree within the transcendental bound of docs/scale.md.
 */
import { CODY_NORMAL, SECONDS_PER_YEAR } from "../semantics/numeric.js";
import type { SqlDialect } from "./dialect.js";

const { A, B, C, D, P, Q, ONE_OVER_SQRT_2PI, SQRT_32 } = CODY_NORMAL;

/** Shares a value: returns SQL that refers to `sql`, computed once. */
export type Share = (sql: string, body: (ref: string) => string) => string;

/** `num = seed; den = first; for i: num = (num + p[i]) * v; den = (den + q[i]) * v` as SQL. */
function horner(
  d: SqlDialect,
  v: string,
  seed: string,
  first: string,
  p: readonly number[],
  q: readonly number[],
  steps: number,
): { num: string; den: string } {
  let num = seed;
  let den = first;
  for (let i = 0; i < steps; i++) {
    num = `((${num} + ${d.number(p[i]!)}) * ${v})`;
    den = `((${den} + ${d.number(q[i]!)}) * ${v})`;
  }
  return { num, den };
}

function gaussianTail(d: SqlDialect, y: string, share: Share): string {
  return share(`(trunc(${y} * ${d.number(16)}) / ${d.number(16)})`, (ysq) => {
    const del = `((${y} - ${ysq}) * (${y} + ${ysq}))`;
    return `(exp((-${ysq}) * ${ysq} * ${d.number(0.5)}) * exp((-${del}) * ${d.number(0.5)}))`;
  });
}

/** The standard normal CDF of `x`, as `normalCdf` computes it. */
export function normalCdfSql(d: SqlDialect, x: string, share: Share): string {
  const n = d.number.bind(d);
  return share(x, (v) =>
    share(`abs(${v})`, (y) => {
      const small = share(`(${v} * ${v})`, (xsq) => {
        const { num, den } = horner(d, xsq, `(${n(A[4]!)} * ${xsq})`, xsq, A, B, 3);
        return `(CASE WHEN ${y} > ${n(1.11e-16)} THEN ${n(0.5)} + (${v} * (${num} + ${n(A[3]!)})) / (${den} + ${n(B[3]!)}) ELSE ${n(0.5)} + (${v} * (${n(0)} + ${n(A[3]!)})) / (${n(0)} + ${n(B[3]!)}) END)`;
      });
      const middle = (() => {
        const { num, den } = horner(d, y, `(${n(C[8]!)} * ${y})`, y, C, D, 7);
        return `(${gaussianTail(d, y, share)} * ((${num} + ${n(C[7]!)}) / (${den} + ${n(D[7]!)})))`;
      })();
      const large = share(`(${n(1)} / (${v} * ${v}))`, (xsq) => {
        const { num, den } = horner(d, xsq, `(${n(P[5]!)} * ${xsq})`, xsq, P, Q, 4);
        const ratio = `((${xsq} * (${num} + ${n(P[4]!)})) / (${den} + ${n(Q[4]!)}))`;
        return `(${gaussianTail(d, y, share)} * ((${n(ONE_OVER_SQRT_2PI)} - ${ratio}) / ${y}))`;
      });
      const tail = `(CASE WHEN ${y} <= ${n(SQRT_32)} THEN ${middle} WHEN ${y} < ${n(40)} THEN ${large} WHEN ${d.isNan(y)} THEN ${d.nan} ELSE ${n(0)} END)`;
      const wide = share(tail, (t) => `(CASE WHEN ${v} > ${n(0)} THEN ${n(1)} - ${t} ELSE ${t} END)`);
      return `(CASE WHEN ${d.isNan(v)} THEN ${d.nan} WHEN ${y} <= ${n(0.67448975)} THEN ${small} ELSE ${wide} END)`;
    }),
  );
}

/** The condition under which option pricing raises MB6010 (`checkOptionArguments`, NaN included). */
export function optionArgumentsInvalid(
  d: SqlDialect,
  underlying: string,
  strike: string,
  vol: string,
  time: string,
): string {
  const zero = d.number(0);
  return [
    `NOT (${underlying} > ${zero})`,
    `NOT (${strike} > ${zero})`,
    `NOT (${vol} >= ${zero})`,
    `NOT (${time} >= ${zero})`,
  ]
    .concat([underlying, strike, vol, time].map((a) => d.isNan(a)))
    .join(" OR ");
}

/** The option pricing built-ins the SQL target emits. */
export type OptionFn = "black76" | "black_scholes" | "black76_df" | "black_scholes_df";

/**
 * `black76(kind, forward, strike, vol, seconds, rate)` or `black_scholes(...)`, as numeric.ts
 * computes them; the `_df` forms take a discount factor D in place of the rate (rT = -ln D, e^{-rT} = D).
 */
export function optionSql(
  d: SqlDialect,
  fn: OptionFn,
  args: string[],
  share: Share,
  max0: (x: string) => string,
): string {
  const n = d.number.bind(d);
  const [kind, spot, strike, vol, seconds, rate] = args as [string, string, string, string, string, string];
  const byFactor = fn === "black76_df" || fn === "black_scholes_df";
  const future = fn === "black76" || fn === "black76_df";
  // The guard keeps ln() from failing on rows that carry MB6010 (a factor that is not positive).
  const rt = (r: string, t: string): string =>
    byFactor ? `(-ln(CASE WHEN ${r} > ${n(0)} THEN ${r} ELSE ${n(1)} END))` : `${r} * ${t}`;
  const factor = (r: string, t: string): string => (byFactor ? r : `exp((-${r}) * ${t})`);
  return share(spot, (s) =>
    share(strike, (k) =>
      share(vol, (sigma) =>
        share(rate, (r) =>
          share(`(${seconds} / ${n(SECONDS_PER_YEAR)})`, (t) => {
            // Guards keep the engine from failing on rows that carry MB6010 (their values mean nothing).
            const safeT = `(CASE WHEN ${t} > ${n(0)} THEN ${t} ELSE ${n(0)} END)`;
            const logMoneyness = `ln(CASE WHEN ${s} / ${k} > ${n(0)} THEN ${s} / ${k} ELSE ${n(1)} END)`;
            const call = `(${kind} = ${d.text("call")})`;
            return share(`(${sigma} * sqrt(${safeT}))`, (spread) => {
              const d1 = future
                ? `((${logMoneyness} + ${n(0.5)} * ${spread} * ${spread}) / ${spread})`
                : `((${logMoneyness} + ${rt(r, t)} + ${n(0.5)} * ${spread} * ${spread}) / ${spread})`;
              const safeSpread = (sql: string): string =>
                `(CASE WHEN ${spread} = ${n(0)} THEN ${n(0)} ELSE ${sql} END)`;
              return share(safeSpread(d1), (x1) =>
                share(`(${x1} - ${spread})`, (x2) => {
                  const N = (x: string): string => normalCdfSql(d, x, share);
                  if (future) {
                    return share(factor(r, t), (discount) => {
                      const intrinsic = `(${discount} * ${max0(`(CASE WHEN ${call} THEN ${s} - ${k} ELSE ${k} - ${s} END)`)})`;
                      const priced = `(CASE WHEN ${call} THEN ${discount} * (${s} * ${N(x1)} - ${k} * ${N(x2)}) ELSE ${discount} * (${k} * ${N(`(-${x2})`)} - ${s} * ${N(`(-${x1})`)}) END)`;
                      return `(CASE WHEN ${spread} = ${n(0)} THEN ${intrinsic} ELSE ${priced} END)`;
                    });
                  }
                  return share(`(${k} * ${factor(r, t)})`, (dk) => {
                    const intrinsic = max0(`(CASE WHEN ${call} THEN ${s} - ${dk} ELSE ${dk} - ${s} END)`);
                    const priced = `(CASE WHEN ${call} THEN ${s} * ${N(x1)} - ${dk} * ${N(x2)} ELSE ${dk} * ${N(`(-${x2})`)} - ${s} * ${N(`(-${x1})`)} END)`;
                    return `(CASE WHEN ${spread} = ${n(0)} THEN ${intrinsic} ELSE ${priced} END)`;
                  });
                }),
              );
            });
          }),
        ),
      ),
    ),
  );
}
