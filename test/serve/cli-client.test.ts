/**
 * `marginbook serve` as the CLI wires it (usage errors, four-eyes approvals from the folder, the
 * decision log) and the typed TypeScript client against a live server.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { startFolderService, type FolderService } from "../../src/cli/serve.js";
import { signApproval } from "../../src/compile/sign.js";
import type { DecisionRecord } from "../../src/runtime/decision-log.js";
import { loadArtifact, trustedKey } from "../../src/runtime/index.js";
import { MarginbookClient, ServeClientError } from "../../src/serve/client.js";
import {
  binanceVersion,
  sampleInput,
  signedText,
  testKey,
  type TestKey,
} from "../support/signed-artifacts.js";
import { binanceExample, binanceExpected, tempFolder, writeAtomic } from "../support/serve.js";

const NAME = "BTCUSDT perpetual";
const author = testKey();
const alice = testKey();
const v100 = signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "80%"), author);

function approve(text: string, key: TestKey, approver: string): string {
  const book = loadArtifact(text);
  return JSON.stringify(
    signApproval(
      { rulebook: book.meta.name, version: book.meta.version, irHash: book.irHash!, approver },
      key.privateKey,
    ),
  );
}

async function cli(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const code = await runCli(args, { stdout: () => undefined, stderr: (t) => void (stderr += t), cwd });
  return { code, stderr };
}

describe("serve's command line", () => {
  const folder = tempFolder();
  writeFileSync(path.join(folder, "release.pub"), author.publicKeyPem);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    [["serve", "."], /no trusted key: give --trust <key.pub>/],
    [["serve", "missing", "--trust", "release.pub"], /missing is not a folder/],
    [["serve", ".", "--trust", "nope.pub"], /cannot read the trusted key nope\.pub/],
    [
      ["serve", ".", "--trust", "release.pub", "--port", "99999"],
      /--port must be a whole number from 0 to 65535/,
    ],
    [
      ["serve", ".", "--trust", "release.pub", "--approvals", "2"],
      /--approvals 2 needs at least 2 approver keys/,
    ],
    [["serve", ".", "--trust", "release.pub", "--token", " "], /--token is empty/],
    [["serve", "--trust", "release.pub"], /give one artifacts folder/],
  ])("%j is a usage error", async (args, message) => {
    const { code, stderr } = await cli(args, folder);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});

describe("approvals and the decision log", () => {
  let folder: string;
  let running: FolderService;
  const logged: string[] = [];
  const decisions: DecisionRecord[] = [];

  beforeAll(async () => {
    folder = tempFolder();
    writeAtomic(path.join(folder, "binance.json"), v100);
    running = await startFolderService({
      folder,
      trusted: [trustedKey(author.publicKeyPem), trustedKey(alice.publicKeyPem, "alice.pub")],
      approvals: { required: 1 },
      decisionLog: (r) => decisions.push(r),
      port: 0,
      intervalMs: 20,
      log: (l) => logged.push(l),
      cwd: folder,
    });
  });
  afterAll(async () => {
    await running.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it(
    "refuses a version without its approval, then serves it once an approval is in the folder",
    { timeout: 15_000 },
    async () => {
      const client = new MarginbookClient(running.service.url);
      expect(logged.some((l) => l.startsWith("refused MB6164: binance.json"))).toBe(true);
      expect((await client.ready()).ready).toBe(false);
      writeAtomic(path.join(folder, "binance-1.0.0.alice.approval.json"), approve(v100, alice, "alice"));
      for (let i = 0; i < 300 && (await client.ready()).ready === false; i++)
        await new Promise((r) => setTimeout(r, 10));
      const list = await client.rulebooks();
      expect(list.rulebooks[0]!.versions[0]!.approvals).toMatchObject([
        { trustedAs: "alice.pub", approver: "alice" },
      ]);
      expect(logged.some((l) => /^loaded BTCUSDT perpetual 1\.0\.0 .*approved by alice\.pub/.test(l))).toBe(
        true,
      );
    },
  );

  it("records every evaluation in the decision log, whichever form the request takes", async () => {
    const client = new MarginbookClient(running.service.url);
    decisions.length = 0;
    await client.evaluate(NAME, binanceExample);
    await client.evaluate(NAME, binanceExample, { version: "1.0.0" });
    await client.evaluateBatch(NAME, [sampleInput, { position: {} }]);
    await client.evaluateColumns(NAME, {
      "position.size": [1, 2],
      "position.mark": [30000, 30000],
      "position.side": ["long", "long"],
      "market.vol_30d": [0.5, 0.5],
      "market.adv": [1e9, 1e9],
    });
    await expect(client.evaluate(NAME, { position: { size: -1 } })).rejects.toThrow(ServeClientError);
    expect(
      decisions.map((d) => [d.version, d.outputs?.["maintenance_margin"] ?? d.error?.code, d.rows]),
    ).toEqual([
      ["1.0.0", binanceExpected["maintenance_margin"], undefined],
      ["1.0.0", binanceExpected["maintenance_margin"], undefined],
      ["1.0.0", loadArtifact(v100).evaluate(sampleInput).outputs["maintenance_margin"], undefined],
      ["1.0.0", "MB6001", undefined],
      ["1.0.0", [120, 250], 2],
      ["1.0.0", "MB6001", undefined],
    ]);
    expect(decisions.every((d) => d.irHash === loadArtifact(v100).irHash && d.rulebook === NAME)).toBe(true);
  });
});

describe("the TypeScript client", () => {
  let folder: string;
  let running: FolderService;

  beforeAll(async () => {
    folder = tempFolder();
    writeAtomic(path.join(folder, "binance.json"), v100);
    running = await startFolderService({
      folder,
      trusted: [trustedKey(author.publicKeyPem)],
      token: "t0ken",
      port: 0,
      intervalMs: 1000,
      log: () => undefined,
      cwd: folder,
    });
  });
  afterAll(async () => {
    await running.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("evaluates, describes and reports errors with their status and code", async () => {
    const client = new MarginbookClient(`${running.service.url}/`, { token: "t0ken" });
    const result = await client.evaluate(NAME, binanceExample);
    expect(result.outputs["maintenance_margin"]).toBe(binanceExpected["maintenance_margin"]);
    expect(result.rulebook.version).toBe("1.0.0");
    const detail = await client.rulebook(NAME, { at: "2026-06-01T00:00:00Z" });
    expect(detail.columns).toContain("market.adv");
    expect(detail.signer?.trustedAs).toBe("trusted key");
    const columns = await client.evaluateColumns(NAME, {
      "position.size": new Float64Array([109.488]),
      "position.mark": [31967.27],
      "position.side": ["long"],
      "market.vol_30d": [0.5],
      "market.adv": [2e9],
    });
    expect(columns.outputs["maintenance_margin"]).toEqual([binanceExpected["maintenance_margin"]]);
    expect(await client.metrics()).toMatch(/^# HELP marginbook_http_requests_total/m);
    const invalid = await client.evaluate(NAME, { position: { size: -1 } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ServeClientError);
    expect(invalid).toMatchObject({ status: 422, code: "MB6001" });
    expect((invalid as ServeClientError).error.errors?.map((e) => e.path)).toContain("/position/size");
    const anonymous = await new MarginbookClient(running.service.url).rulebooks().catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401, code: "MB6205" });
    expect(readFileSync(path.join(folder, "binance.json"), "utf8")).toBe(v100); // the API never writes
  });
});
