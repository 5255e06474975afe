/**
 * The columns route with list inputs: a portfolio rulebook (rules/span-sp500.margin) evaluated
 * from Arrow-style columns (offsets plus item columns) gives what the per-record route gives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeArtifact } from "../../src/compile/artifact.js";
import { RulebookRegistry } from "../../src/runtime/index.js";
import { startServe, type Service } from "../../src/serve/server.js";
import { compileArtifact } from "../support/rulebooks.js";
import { caller, OpenApiChecker } from "../support/serve.js";

let service: Service;
let api: ReturnType<typeof caller>;
let path = "";
const accounts = [
  {
    account: {
      positions: [
        {
          contract: "SP fut",
          underlying: "SP",
          quantity: 1,
          risk: Array.from({ length: 16 }, (_, i) => i * 100 - 700),
        },
        {
          contract: "NQ fut",
          underlying: "NQ",
          quantity: -2,
          risk: Array.from({ length: 16 }, (_, i) => 300 - i * 40),
        },
      ],
    },
  },
  {
    account: {
      positions: [{ contract: "SP call", underlying: "SP", quantity: 3, risk: new Array(16).fill(-10) }],
    },
  },
];

beforeAll(async () => {
  const registry = new RulebookRegistry({ allowUnsigned: true });
  const version = await registry.add(
    serializeArtifact(compileArtifact("rules/span-sp500.margin")),
    "span.json",
  );
  path = `/v1/rulebooks/${encodeURIComponent(version.name)}/evaluate`;
  service = await startServe({ registry });
  api = caller(service.url, new OpenApiChecker());
});
afterAll(async () => {
  api.agent.destroy();
  await service.close();
});

describe("the columns route with lists", () => {
  it("evaluates portfolios given as offsets and item columns, as the per-record route does", async () => {
    const positions = accounts.flatMap((a) => a.account.positions);
    const answer = await api.post(path, {
      columns: {
        "account.positions": [0, 2, 3],
        "account.positions.contract": positions.map((p) => p.contract),
        "account.positions.underlying": positions.map((p) => p.underlying),
        "account.positions.quantity": positions.map((p) => p.quantity),
        "account.positions.risk": [0, 16, 32, 48],
        "account.positions.risk[]": positions.flatMap((p) => p.risk),
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.rows).toBe(2);
    const batch = await api.post(path, { inputs: accounts });
    expect(answer.json.outputs.scanning_risk_requirement).toEqual(
      batch.json.results.map(
        (r: { outputs: Record<string, number> }) => r.outputs["scanning_risk_requirement"],
      ),
    );
    expect(answer.json.errors).toEqual([]);
  });

  it("refuses offsets that do not fit (422)", async () => {
    const bad = await api.post(path, {
      columns: {
        "account.positions": [0, 5],
        "account.positions.contract": [],
        "account.positions.underlying": [],
        "account.positions.quantity": [],
        "account.positions.risk": [0],
        "account.positions.risk[]": [],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("MB6001");
  });
});
