/**
 * Published worked examples, read from the rulebooks' own test files: the numbers are pinned once,
 * in `rules/*.test.yaml`, where they are derived by hand from the venue's method; other tests take
 * them from here instead of copying them.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ROOT } from "./rulebooks.js";

/** One case of a test file: its input and the expected outputs. */
export interface WorkedExample {
  name: string;
  input: { position: Record<string, unknown>; market: Record<string, unknown> };
  expect: Record<string, number>;
}

/** The first case of `rules/<file>` whose name starts with `name`. */
export function workedExample(file: string, name: string): WorkedExample {
  const doc = parse(readFileSync(path.join(ROOT, "rules", file), "utf8")) as { cases: WorkedExample[] };
  const found = doc.cases.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`rules/${file} has no case named "${name}..."`);
  return found;
}

/**
 * Binance's published example: 109.488 BTC at a mark of 31,967.27 USDT (notional 3,500,032.45776,
 * tier 4): maintenance margin 71,200.811444, rounded up 71,200.82.
 */
export const BINANCE = workedExample("binance-btcusdt-perp.test.yaml", "Binance worked example");
