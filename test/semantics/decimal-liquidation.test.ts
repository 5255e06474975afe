/**
 * The decimal liquidation and bankruptcy prices follow the binary64 ones (src/semantics/liquidation.ts)
 * under every convention: the same errors, and prices equal up to binary64's rounding.
 */
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";

const books = ["", "margin_at: entry", "closing_fee: 0.06%", "margin_at: entry, closing_fee: 0.075%"].flatMap(
  (options) =>
    [false, true].map((inverse) => {
      const [size, entry, balance, key] = inverse
        ? ["p.contracts", "p.mark", "p.coins", "BTC"]
        : ["p.size", "p.entry", "p.balance", "USDT"];
      const all = [options, inverse ? "contract: inverse" : ""].filter((o) => o !== "").map((o) => `, ${o}`);
      const header = (arithmetic: string): string =>
        `rulebook "Conventions" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT${arithmetic}`;
      const body = `
enum Side { long, short }
input p { side: Side, size: Quantity > 0, entry: Price > 0, balance: USDT, contracts: USD > 0, mark: USD / BTC > 0, coins: BTC }
tiers t by notional: ${key}, marginal {
  columns mmr: Rate
  [0, 5_000)  0.4%
  [5_000, 50_000)  1%
  [50_000, inf)  2.5%
}
output liquidation = t.liquidation_price(p.side, ${size}, ${entry}, ${balance}, mmr${all.join("")})
output bankruptcy = bankruptcy_price(p.side, ${size}, ${entry}, ${balance}${all.filter((o) => !o.includes("margin_at")).join("")})
`;
      return {
        name: `${inverse ? "inverse" : "linear"} ${options}`,
        binary: header("") + body,
        decimal: header(" arithmetic decimal") + body,
      };
    }),
);

function compile(source: string): IrRulebook {
  const checked = checkRulebook(source, "conventions.margin");
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return lowerRulebook(checked.checked, { source: () => source });
}

function outcome(ir: IrRulebook, input: unknown): { error: string } | { outputs: Record<string, number> } {
  try {
    const { outputs } = evaluate(ir, input);
    return { outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, Number(v)])) };
  } catch (error) {
    if (error instanceof RuntimeError) return { error: error.code };
    throw error;
  }
}

describe("decimal liquidation and bankruptcy prices", () => {
  it.each(books)("agree with binary64: $name", ({ binary, decimal }) => {
    const [inBinary, inDecimal] = [compile(binary), compile(decimal)];
    const generator = new InputGenerator(inBinary, 7, "typical");
    let values = 0;
    for (let i = 0; i < 40; i++) {
      const input = generator.next();
      const a = outcome(inBinary, input);
      const b = outcome(inDecimal, input);
      if ("error" in a || "error" in b) {
        expect(b, JSON.stringify(input)).toEqual(a);
        continue;
      }
      for (const name of Object.keys(a.outputs)) {
        const [x, y] = [a.outputs[name]!, b.outputs[name]!];
        expect(Math.abs(x - y), `${name} ${JSON.stringify(input)}: ${x} vs ${y}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(x)),
        );
      }
      values++;
    }
    expect(values).toBeGreaterThan(5);
  });
});
