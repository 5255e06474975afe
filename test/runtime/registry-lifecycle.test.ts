/**
 * The registry's lifecycle and trust: trust that fails closed, tombstones and minimum versions,
 * four-eyes approvals, the decision log, columnar evaluation, artifacts too deep to validate, folder
 * loads where each file stands alone, and loads that yield to the event loop. Each case is a
 * regression test: it failed (or threw) before these were built.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { signApproval } from "../../src/compile/sign.js";
import { hashJson } from "../../src/runtime/hash.js";
import {
  ArtifactError,
  loadArtifact,
  RulebookRegistry,
  type DecisionRecord,
} from "../../src/runtime/index.js";
import { FolderRegistry, jsonLinesDecisionLog } from "../../src/runtime/node.js";
import {
  artifactOf,
  binanceVersion,
  sampleInput,
  signedText,
  testKey,
  type TestKey,
} from "../support/signed-artifacts.js";
import { serializeArtifact } from "../../src/compile/artifact.js";
import { signArtifact } from "../../src/compile/sign.js";

const NAME = "BTCUSDT perpetual";
const author = testKey();
const alice = testKey();
const bob = testKey();
const dir = mkdtempSync(path.join(tmpdir(), "marginbook-lifecycle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v100 = signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z"), author);
const v110 = signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"), author);
const irHashOf = (text: string): string => JSON.parse(text).irHash as string;
const approve = (text: string, key: TestKey, approver: string): unknown =>
  signApproval(
    { rulebook: NAME, version: JSON.parse(text).meta.version, irHash: irHashOf(text), approver },
    key.privateKey,
  );

/** The Binance artifact with every tier rate set to 0, compiled and signed by `key`. */
function zeroRates(key: TestKey): string {
  const artifact = artifactOf(binanceVersion("9.0.0", "2026-01-01T00:00:00Z"));
  for (const table of artifact.ir.tables) for (const row of table.rows) row.cells = row.cells.map(() => 0);
  artifact.irHash = hashJson(artifact.ir);
  return serializeArtifact(signArtifact(artifact, key.privateKey));
}

/** An unsigned artifact with one expression nested `depth` levels deep (hash recomputed). */
function deepArtifact(depth: number): string {
  const artifact = artifactOf(binanceVersion("1.2.0", "2026-07-01T00:00:00Z"));
  const step = artifact.ir.steps.find((s) => s.kind === "let")!;
  if (step.kind !== "let") throw new Error("no let step");
  let value = step.value;
  for (let i = 0; i < depth; i++) value = { k: "unary", op: "neg", x: value };
  step.value = value;
  artifact.irHash = hashJson(artifact.ir);
  return serializeArtifact(artifact);
}

describe("trust fails closed", () => {
  it.each([
    ["no options", {}],
    ["an empty trust list", { trustedKeys: [] }],
  ])("a registry with %s accepts no signed artifact", async (_, options) => {
    const registry = new RulebookRegistry(options);
    const outcome = await registry.tryAdd(zeroRates(testKey()));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe("MB6152");
    expect(!outcome.ok && outcome.error.message).toContain("this registry trusts no key");
    expect((await registry.tryAdd(signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z")))).ok).toBe(
      false,
    );
    expect(registry.names()).toEqual([]);
  });

  it("accepts unsigned (or self-signed) artifacts only when the caller says so, without naming a signer", async () => {
    const open = new RulebookRegistry({ allowUnsigned: true });
    const version = await open.add(zeroRates(testKey()));
    expect(version.signedBy).toBeUndefined();
    expect(version.keyId).toBeUndefined();
  });
});

describe("tombstones and minimum versions", () => {
  it("a withdrawn version stays withdrawn when it is handed over again", async () => {
    const registry = new RulebookRegistry({ trustedKeys: [author.publicKeyPem] });
    await registry.add(v100);
    await registry.add(v110);
    expect(registry.withdraw(NAME, "1.1.0", "a wrong tier")).toBe(true);
    expect(registry.select(NAME).version).toBe("1.0.0");
    const again = await registry.tryAdd(v110);
    expect(!again.ok && again.error.code).toBe("MB6165");
    expect(!again.ok && again.error.message).toMatch(
      /BTCUSDT perpetual 1.1.0 was withdrawn at .* \(a wrong tier\)/,
    );
    expect(registry.withdrawn().map((t) => [t.version, t.reason])).toEqual([["1.1.0", "a wrong tier"]]);
    // A tombstone laid before the version ever arrived refuses it too.
    expect(registry.withdraw(NAME, "1.3.0")).toBe(false);
    const early = await registry.tryAdd(signedText(binanceVersion("1.3.0", "2026-08-01T00:00:00Z"), author));
    expect(!early.ok && early.error.code).toBe("MB6165");
  });

  it("refuses versions below the minimum, and withdraws loaded ones when the minimum rises", async () => {
    const registry = new RulebookRegistry({
      trustedKeys: [author.publicKeyPem],
      minimumVersions: { [NAME]: "1.0.1" },
    });
    const low = await registry.tryAdd(v100);
    expect(!low.ok && low.error.code).toBe("MB6166");
    await registry.add(v110);
    registry.setMinimumVersion(NAME, "1.2.0");
    expect(registry.versions(NAME)).toEqual([]);
    expect(registry.withdrawn()[0]).toMatchObject({
      version: "1.1.0",
      reason: "below the minimum version 1.2.0",
    });
  });
});

describe("four-eyes approvals", () => {
  const options = {
    trustedKeys: [author.publicKeyPem, alice.publicKeyPem, bob.publicKeyPem],
    approvals: { required: 2 },
  };

  it("two approvals from two trusted keys make the version acceptable; one does not; the author's own never counts", async () => {
    const registry = new RulebookRegistry(options);
    const none = await registry.tryAdd(v110);
    expect(!none.ok && none.error.code).toBe("MB6164");
    const one = await registry.tryAdd(v110, {
      approvals: [approve(v110, alice, "alice"), approve(v110, alice, "alice again")],
    });
    expect(!one.ok && one.error.message).toContain("it has 1 (by trusted key 2)");
    expect(!one.ok && one.error.problems).toEqual(["approval 2: a second approval by key trusted key 2"]);
    const self = await registry.tryAdd(v110, {
      approvals: [approve(v110, alice, "alice"), approve(v110, author, "the author")],
    });
    expect(!self.ok && self.error.problems[0]).toContain("the author cannot approve their own artifact");
    const otherArtifact = await registry.tryAdd(v110, {
      approvals: [approve(v110, alice, "alice"), approve(v100, bob, "bob")],
    });
    expect(otherArtifact.ok).toBe(false);
    const version = await registry.add(v110, {
      approvals: [JSON.stringify(approve(v110, alice, "alice")), approve(v110, bob, "bob")],
    });
    expect(version.approvals.map((a) => [a.trustedAs, a.approver])).toEqual([
      ["trusted key 2", "alice"],
      ["trusted key 3", "bob"],
    ]);
  });

  it("refuses an approval changed after it was signed, or by a key that is not an approver", async () => {
    const registry = new RulebookRegistry({
      ...options,
      approvals: { required: 1, keys: [bob.publicKeyPem] },
    });
    const forged = { ...(approve(v110, bob, "bob") as Record<string, unknown>), approver: "mallory" };
    const outcome = await registry.tryAdd(v110, { approvals: [forged, approve(v110, alice, "alice")] });
    expect(!outcome.ok && outcome.error.problems).toEqual([
      expect.stringContaining("approval 1: the signature does not hold"),
      expect.stringContaining("approval 2: signed by key"),
    ]);
  });

  it("approvals sit beside artifacts in a watched folder, and a version loads once they are there", async () => {
    const folder = mkdtempSync(path.join(dir, "approvals-"));
    writeFileSync(path.join(folder, "btc-1.1.0.json"), v110);
    const registry = new FolderRegistry(options);
    expect((await registry.loadFolder(folder)).refused.map((r) => r.error.code)).toEqual(["MB6164"]);
    writeFileSync(
      path.join(folder, "btc-1.1.0.alice.approval.json"),
      JSON.stringify(approve(v110, alice, "alice")),
    );
    writeFileSync(
      path.join(folder, "btc-1.1.0.bob.approval.json"),
      JSON.stringify(approve(v110, bob, "bob")),
    );
    expect((await registry.loadFolder(folder)).loaded.map((v) => v.version)).toEqual(["1.1.0"]);
  });
});

describe("a folder where each file stands alone", () => {
  it("a withdrawn.json and a removed file withdraw versions; engines started later converge", async () => {
    const folder = mkdtempSync(path.join(dir, "withdraw-"));
    writeFileSync(path.join(folder, "a.json"), v100);
    writeFileSync(path.join(folder, "b.json"), v110);
    const running = new FolderRegistry({ trustedKeys: [author.publicKeyPem] });
    await running.loadFolder(folder);
    expect(running.select(NAME).version).toBe("1.1.0");
    unlinkSync(path.join(folder, "b.json"));
    // The folder named another way (a trailing slash) is the same folder.
    expect((await running.loadFolder(`${folder}/`)).withdrawn).toEqual([
      { name: NAME, version: "1.1.0", reason: "its file b.json was removed" },
    ]);
    const fresh = new FolderRegistry({ trustedKeys: [author.publicKeyPem] });
    await fresh.loadFolder(folder);
    expect(running.versions(NAME).map((v) => v.version)).toEqual(fresh.versions(NAME).map((v) => v.version));
    writeFileSync(
      path.join(folder, "withdrawn.json"),
      JSON.stringify({ withdrawn: [{ name: NAME, version: "1.0.0", reason: "superseded" }] }),
    );
    writeFileSync(path.join(folder, "b.json"), v110);
    for (const registry of [running, fresh, new FolderRegistry({ trustedKeys: [author.publicKeyPem] })]) {
      await registry.loadFolder(folder);
      expect(registry.versions(NAME).map((v) => v.version)).toEqual(registry === running ? [] : ["1.1.0"]);
    }
  });

  it("an unsigned 400-deep artifact neither throws nor keeps a signed version from loading", async () => {
    const folder = mkdtempSync(path.join(dir, "deep-"));
    writeFileSync(path.join(folder, "a-deep.json"), deepArtifact(400));
    writeFileSync(path.join(folder, "b-good.json"), v110);
    const registry = new FolderRegistry({ trustedKeys: [author.publicKeyPem] });
    const report = await registry.loadFolder(folder);
    expect(report.loaded.map((v) => v.version)).toEqual(["1.1.0"]);
    expect(report.refused.map((r) => r.error.code)).toEqual(["MB6107"]);
  });

  it("a file larger than any artifact is refused by its size, without being read", async () => {
    const folder = mkdtempSync(path.join(dir, "huge-"));
    writeFileSync(path.join(folder, "huge.json"), "");
    truncateSync(path.join(folder, "huge.json"), 65 * 1024 * 1024); // sparse: reading it whole would take 65 MB
    writeFileSync(path.join(folder, "ok.json"), v100);
    const report = await new FolderRegistry({ trustedKeys: [author.publicKeyPem] }).loadFolder(folder);
    expect(report.refused.map((r) => [path.basename(r.file), r.error.code])).toEqual([
      ["huge.json", "MB6107"],
    ]);
    expect(report.loaded).toHaveLength(1);
  });
});

describe("artifacts too deep to validate", () => {
  it("loadArtifact refuses a 400-deep expression with a code, never a RangeError", () => {
    let error: unknown;
    try {
      loadArtifact(deepArtifact(400));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).code).toBe("MB6107");
    expect(() => loadArtifact(deepArtifact(200))).not.toThrow();
  });

  it("tryAdd refuses it, and inspect says so in one line", async () => {
    const outcome = await new RulebookRegistry({ allowUnsigned: true }).tryAdd(deepArtifact(1_200));
    expect(!outcome.ok && outcome.error.code).toBe("MB6107");
    writeFileSync(path.join(dir, "deep.json"), deepArtifact(400));
    let stdout = "";
    let stderr = "";
    const code = await runCli(["inspect", "deep.json"], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stdout).toContain("refused: MB6107 the artifact nests deeper than 340 levels");
    expect(stderr).toBe("");
  });

  it("inspect lists an approval of another artifact as ignored, with both IR hashes", async () => {
    writeFileSync(path.join(dir, "v110.json"), v110);
    writeFileSync(path.join(dir, "bob.pub"), bob.publicKeyPem);
    writeFileSync(path.join(dir, "v100.bob.approval.json"), JSON.stringify(approve(v100, bob, "bob")));
    let stdout = "";
    const code = await runCli(
      [
        "inspect",
        "v110.json",
        "--trust",
        "bob.pub",
        "--approval",
        "v100.bob.approval.json",
        "--format",
        "json",
      ],
      { stdout: (t) => void (stdout += t), stderr: () => {}, cwd: dir },
    );
    const report = JSON.parse(stdout) as { approvals: { counted: unknown[]; ignored: string[] } };
    expect(report.approvals.counted).toEqual([]);
    expect(report.approvals.ignored).toEqual([
      `approval 1: it approves another artifact (IR ${JSON.parse(v100).irHash.slice(0, 19)}..., this one is ${JSON.parse(v110).irHash.slice(0, 19)}...)`,
    ]);
    expect(code).toBe(1); // signed by the author, whom bob.pub does not trust
  });

  it("inspect shows header values of any JSON type without crashing", async () => {
    const artifact = JSON.parse(v100);
    artifact.meta.name = { toString: 1 };
    artifact.meta.version = [1, 2];
    artifact.compiler = { name: null, version: { a: 1 } };
    writeFileSync(path.join(dir, "odd.json"), JSON.stringify(artifact));
    let stdout = "";
    const code = await runCli(["inspect", "odd.json"], {
      stdout: (t) => void (stdout += t),
      stderr: () => undefined,
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stdout).toContain('odd.json: {"toString":1} [1,2]');
  });
});

describe("evaluation through the registry", () => {
  it("keeps a decision log (JSON Lines) and evaluates columns with the version in force", async () => {
    const records: DecisionRecord[] = [];
    const registry = new RulebookRegistry({
      trustedKeys: [author.publicKeyPem],
      decisionLog: (r) => records.push(r),
    });
    await registry.add(v100);
    const { outputs } = registry.evaluate(NAME, sampleInput);
    expect(() => registry.evaluate(NAME, { position: {} })).toThrow();
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      time: expect.any(String),
      rulebook: NAME,
      version: "1.0.0",
      irHash: irHashOf(v100),
      inputHash: hashJson(sampleInput),
      outputs,
    });
    expect(records[1]).toMatchObject({ version: "1.0.0", error: { code: "MB6001" } });
    const columns = registry.evaluateColumns(
      NAME,
      {
        "position.size": [2, 4],
        "position.mark": [30_000, 30_000],
        "position.side": ["long", "long"],
        "market.vol_30d": [1, 1],
        "market.adv": [1e12, 1e12],
      },
      2,
    );
    expect(columns.rulebook.version).toBe("1.0.0");
    expect(columns.outputs["initial_margin"]![0]).toBe(outputs["initial_margin"]);
    expect(records[2]).toMatchObject({
      rows: 2,
      outputs: { initial_margin: [outputs["initial_margin"], expect.any(Number)] },
    });

    const file = path.join(dir, "decisions.jsonl");
    const logged = new RulebookRegistry({
      trustedKeys: [author.publicKeyPem],
      decisionLog: jsonLinesDecisionLog(file),
    });
    await logged.add(v100);
    logged.evaluate(NAME, sampleInput);
    logged.evaluateBatch(NAME, [sampleInput, sampleInput]);
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as DecisionRecord);
    expect(lines.map((l) => l.outputs)).toEqual([outputs, outputs, outputs]);
  });

  it("loads in stages: timers and evaluations run while a version loads", async () => {
    const registry = new RulebookRegistry({ trustedKeys: [author.publicKeyPem] });
    await registry.add(v100);
    const order: string[] = [];
    const loading = registry.add(v110).then(() => order.push("loaded"));
    setTimeout(
      () => order.push(`timer (serving ${registry.select(NAME, "2026-07-01T00:00:00Z").version})`),
      0,
    );
    await loading;
    expect(order).toEqual(["timer (serving 1.0.0)", "loaded"]);
  });
});
