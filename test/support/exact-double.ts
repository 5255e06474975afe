/** Exact decimal values of doubles, for tests of sound intervals (every binary digit kept). */
import { Dec } from "../../src/semantics/decimal.js";

/** The exact value of a finite double, as a decimal (not its shortest spelling). */
export function exactDec(x: number): Dec {
  if (x === 0) return new Dec(0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = BigInt(hi & 0xfffff) * 2n ** 32n + BigInt(view.getUint32(4));
  const mantissa = biased === 0 ? fraction : fraction + 2n ** 52n;
  const e = (biased === 0 ? 1 : biased) - 1075;
  const m = new Dec(mantissa.toString());
  const value = e >= 0 ? m.times(new Dec(2).pow(e)) : m.div(new Dec(2).pow(-e));
  return hi >>> 31 ? value.neg() : value;
}
