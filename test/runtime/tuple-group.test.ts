/**
 * Grouping by a tuple of keys (`group(p for p in xs by (p.currency, p.kind))`) and record values
 * (`{ im: a, mm: b }`, a parameter table of records): the reference interpreter and the generated
 * code form the same groups, in order of first appearance, and the same records.
 */
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { checkRulebook } from "../../src/service/language-service.js";

const source = `rulebook "G" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
enum Kind { swap, bond }
record S { currency: Text, kind: Kind, tenor: Integer, delta: USD }
input portfolio { sensitivities: List<S> }
let netted = group(s for s in portfolio.sensitivities by (s.currency, s.kind, s.tenor))
output net: List<USD> = [sum(s.delta for s in g.items) for g in netted]
output keys: List<Text> = [g.key.currency for g in netted where g.key.kind == swap and g.key.tenor > 1]
output groups: Number = count(netted)
record Line { currency: Text, net: USD }
record Weight { currency: Text, weight: Rate }
param weights: List<Weight> = [{ currency: "USD", weight: 50% }, { currency: "EUR", weight: 25% }]
output lines: List<Line> = [{ currency: g.key.currency, net: sum(s.delta for s in g.items) } for g in netted]
output first: Line = { currency: weights[1].currency, net: sum(s.delta for s in portfolio.sensitivities) * weights[1].weight }
`;

const row = (currency: string, kind: string, tenor: number, delta: number) => ({
  currency,
  kind,
  tenor,
  delta,
});

describe("group by a tuple of keys", () => {
  const checked = checkRulebook(source, "g.margin");
  const ir = lowerRulebook(checked.checked);
  const compiled = compileEvaluator(ir);

  it("nets by the combination of keys, in both evaluators", () => {
    expect(checked.diagnostics).toEqual([]);
    const input = {
      portfolio: {
        sensitivities: [
          row("USD", "swap", 5, 100),
          row("USD", "swap", 5, -30),
          row("EUR", "swap", 5, 10),
          row("USD", "bond", 5, 7),
          row("USD", "swap", 10, 1),
          row("EUR", "swap", 5, -4),
          // A text that a naive join of the parts would confuse with ("USD", ...).
          row("USD,swap", "bond", 5, 2),
        ],
      },
    };
    const expected = {
      net: [70, 6, 7, 1, 2],
      keys: ["USD", "EUR", "USD"],
      groups: 5,
      lines: [
        { currency: "USD", net: 70 },
        { currency: "EUR", net: 6 },
        { currency: "USD", net: 7 },
        { currency: "USD", net: 1 },
        { currency: "USD,swap", net: 2 },
      ],
      first: { currency: "EUR", net: 21.5 },
    };
    expect(evaluate(ir, input).outputs).toEqual(expected);
    expect(compiled.evaluate(input)).toEqual(expected);
  });

  it("treats 0 and -0 as one key, as a one-part group does", () => {
    const input = { portfolio: { sensitivities: [row("USD", "swap", 0, 1), row("USD", "swap", -0, 2)] } };
    expect(evaluate(ir, input).outputs["net"]).toEqual([3]);
    expect(compiled.evaluate(input)["net"]).toEqual([3]);
  });
});
