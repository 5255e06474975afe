/**
 * The runtime registry: versions selected by effective date (replay), signatures checked against
 * trusted keys, every bad artifact refused with its code while the last good version keeps serving,
 * folders loaded and watched, and evaluations hammered while versions are reloaded.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadArtifact,
  RegistryError,
  RulebookRegistry,
  type RegistryResult,
} from "../../src/runtime/index.js";
import { FolderRegistry } from "../../src/runtime/node.js";
import { binanceVersion, sampleInput, signedText, testKey } from "../support/signed-artifacts.js";

const NAME = "BTCUSDT perpetual";
const key = testKey();
const stranger = testKey();
const dir = mkdtempSync(path.join(tmpdir(), "marginbook-registry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v100 = signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "80%"), key);
const v110 = signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"), key);
const u110 = signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"));
const expected = (text: string) => loadArtifact(text).evaluate(sampleInput).outputs;

async function refusal(registry: RulebookRegistry, artifact: unknown): Promise<RegistryError> {
  const outcome = await registry.tryAdd(artifact, "test");
  if (outcome.ok) throw new Error("the artifact was accepted");
  return outcome.error;
}

async function registryWith(...texts: string[]): Promise<RulebookRegistry> {
  const registry = new RulebookRegistry({ trustedKeys: [key.publicKeyPem] });
  for (const text of texts) await registry.add(text);
  return registry;
}

describe("selecting the version in force", async () => {
  const registry = await registryWith(v110, v100);

  it("picks the latest version effective at the timestamp, and names it in the result", () => {
    expect(registry.versions(NAME).map((v) => v.version)).toEqual(["1.0.0", "1.1.0"]);
    expect(registry.select(NAME, "2026-03-01T00:00:00Z").version).toBe("1.0.0");
    expect(registry.select(NAME, new Date("2026-06-01T00:00:00Z")).version).toBe("1.1.0");
    expect(registry.select(NAME).version).toBe("1.1.0"); // now
    const replay = registry.evaluate(NAME, sampleInput, { at: "2026-02-01T12:00:00Z" });
    expect(replay.outputs).toEqual(expected(v100));
    expect(replay.rulebook).toEqual({
      name: NAME,
      version: "1.0.0",
      irHash: loadArtifact(v100).irHash,
      effective: "2026-01-01T00:00:00Z",
    });
    expect(registry.evaluate(NAME, sampleInput, { at: Date.parse("2026-07-01") }).outputs).toEqual(
      expected(v110),
    );
    expect(expected(v110)).not.toEqual(expected(v100));
    const batch = registry.evaluateBatch(NAME, [sampleInput, { position: {} }], {
      at: "2026-02-01T00:00:00Z",
    });
    expect(batch.rulebook.version).toBe("1.0.0");
    expect(batch.results.map((r) => r.ok)).toEqual([true, false]);
    expect(registry.select(NAME, "2026-03-01T00:00:00Z").signedBy).toBe("trusted key 1");
  });

  it("orders versions effective at the same moment by version number", async () => {
    const tie = await registryWith(
      v110,
      signedText(binanceVersion("1.2.0", "2026-06-01T00:00:00Z", "60%"), key),
    );
    expect(tie.select(NAME, "2026-06-01T00:00:00Z").version).toBe("1.2.0");
    expect(tie.remove(NAME, "1.2.0")).toBe(true);
    expect(tie.select(NAME, "2026-06-01T00:00:00Z").version).toBe("1.1.0");
    expect(tie.remove(NAME, "1.2.0")).toBe(false);
  });

  it("says clearly when nothing is in force", () => {
    expect(() => registry.select(NAME, "2025-12-31T23:59:59Z")).toThrow(
      /no version of "BTCUSDT perpetual" is in force at 2025-12-31T23:59:59.000Z: the earliest, 1.0.0, is effective from 2026-01-01/,
    );
    expect(() => registry.evaluate("ETHUSDT", sampleInput)).toThrow(
      /no rulebook named "ETHUSDT" is loaded \(loaded: "BTCUSDT perpetual"\)/,
    );
    expect(() => registry.select(NAME, "yesterday")).toThrow(RegistryError);
  });
});

describe("refusing bad artifacts while the last good version keeps serving", async () => {
  const registry = await registryWith(v100);
  // Without a trusted key and with unsigned artifacts allowed, the structural checks are reached for an artifact that is only re-signed.
  const open = new RulebookRegistry({ allowUnsigned: true });
  await open.add(v100);
  const serving = (): RegistryResult => registry.evaluate(NAME, sampleInput);
  const before = serving();

  it.each([
    ["not JSON", v110.slice(0, 200), "MB6101"],
    ["not an artifact", JSON.stringify({ hello: 1 }), "MB6102"],
    // Signed: the signature is checked before the structure, so any change is MB6153 ...
    ["an unknown field", v110.replace('"format":', '"extra": 1, "format":'), "MB6153"],
    ["an IR changed after compilation", v110.replace('"name": "notional"', '"name": "notionax"'), "MB6153"],
    ["a tier rate changed", v110.replace(/"cells": \[\s*0\.05,/, '"cells": [0.06,'), "MB6153"],
    [
      "a header that disagrees with its IR",
      v110.replace('"version": "1.1.0",', '"version": "1.1.1",'),
      "MB6153",
    ],
    ["an unsigned artifact", signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%")), "MB6151"],
    [
      "an artifact signed by an unknown key",
      signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"), stranger),
      "MB6152",
    ],
    [
      "a compiler version changed after signing",
      v110.replace('"version": "test"', '"version": "tess"'),
      "MB6153",
    ],
    [
      "a source hash changed after signing",
      v110.replace(/"sourceHash": "sha256:./, '"sourceHash": "sha256:0'),
      "MB6153",
    ],
    [
      "a signature changed",
      v110.replace(/"value": "(.)/, (_, c: string) => `"value": "${c === "A" ? "B" : "A"}`),
      "MB6153",
    ],
    [
      "the same version with another IR",
      signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "60%"), key),
      "MB6161",
    ],
  ])("refuses %s (%s)", async (_, artifact, code) => {
    expect(artifact).not.toBe(v110);
    const error = await refusal(registry, artifact);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(20);
    expect(registry.versions(NAME).map((v) => v.version)).toEqual(["1.0.0"]);
    expect(serving()).toEqual(before);
  });

  it.each([
    // ... and unsigned, each is refused by the structural check that finds it.
    ["an unknown field", u110.replace('"format":', '"extra": 1, "format":'), "MB6104"],
    ["an IR changed after compilation", u110.replace('"name": "notional"', '"name": "notionax"'), "MB6105"],
    ["a tier rate changed", u110.replace(/"cells": \[\s*0\.05,/, '"cells": [0.06,'), "MB6105"],
    [
      "a header that disagrees with its IR",
      u110.replace('"version": "1.1.0",', '"version": "1.1.1",'),
      "MB6106",
    ],
  ])("refuses unsigned %s (%s)", async (_, artifact, code) => {
    expect((await refusal(open, artifact)).code).toBe(code);
    expect(open.versions(NAME).map((v) => v.version)).toEqual(["1.0.0"]);
  });

  it("refuses a version that fails the engine's checks", async () => {
    const strict = new RulebookRegistry({
      trustedKeys: [key.publicKeyPem],
      checks: (v) =>
        (v.book.evaluate(sampleInput).outputs["initial_margin"] as number) > 670
          ? ["initial margin above 670 USDT on the canary position"]
          : [],
    });
    await strict.add(v100);
    const error = await refusal(strict, v110);
    expect(error.code).toBe("MB6163");
    expect(error.problems).toEqual(["initial margin above 670 USDT on the canary position"]);
    expect(strict.select(NAME).version).toBe("1.0.0");
  });

  it("accepts the same artifact twice as one version, and unsigned ones only when allowed", async () => {
    expect(await registry.tryAdd(v100)).toMatchObject({ ok: true, added: false });
    const open = new RulebookRegistry({ allowUnsigned: true });
    expect(
      (await open.add(signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z")))).keyId,
    ).toBeUndefined();
    // Without trusted keys, a signed artifact must still be intact, and its signer is not taken as established.
    expect((await refusal(open, v110.replace('"version": "test"', '"version": "tess"'))).code).toBe("MB6153");
    expect((await open.add(v110)).signedBy).toBeUndefined();
    expect(() => new RulebookRegistry({ trustedKeys: ["not a key"] })).toThrow(
      /trusted key 1 is not a public key/,
    );
  });

  it("refuses every one-byte change that changes the artifact's content", async () => {
    const content = (text: string): string | undefined => {
      try {
        return JSON.stringify(JSON.parse(text));
      } catch {
        return undefined;
      }
    };
    let refused = 0;
    const target = await registryWith(v100);
    for (let i = 0; i < 200; i++) {
      // Positions spread over the whole file (a golden-ratio sequence), each byte replaced by another.
      const at = Math.floor(((i * 0.6180339887498949) % 1) * v110.length);
      const replacement = v110[at] === "1" ? "2" : "1";
      const mutated = v110.slice(0, at) + replacement + v110.slice(at + 1);
      const outcome = await target.tryAdd(mutated);
      if (content(mutated) !== undefined && content(mutated) === content(v110)) continue;
      expect(outcome.ok, `byte ${at}: ${JSON.stringify(v110.slice(at - 20, at + 20))}`).toBe(false);
      refused++;
    }
    expect(refused).toBeGreaterThan(150);
    expect(target.select(NAME).version).toBe("1.0.0");
  }, 60_000);
});

describe("loading from a folder", () => {
  it("loads every artifact, skips unchanged files, reports refused ones, and reloads fixed ones", async () => {
    const folder = mkdtempSync(path.join(dir, "folder-"));
    writeFileSync(path.join(folder, "btc-1.0.0.json"), v100);
    writeFileSync(
      path.join(folder, "btc-1.1.0.json"),
      v110.replace('"version": "test"', '"version": "tess"'),
    );
    writeFileSync(path.join(folder, "notes.txt"), "not an artifact");
    const events: string[] = [];
    const registry = new FolderRegistry({
      trustedKeys: [key.publicKeyPem],
      onEvent: (e) => void events.push(e.kind),
    });
    const first = await registry.loadFolder(folder);
    expect(first.loaded.map((v) => v.version)).toEqual(["1.0.0"]);
    expect(first.refused.map((r) => [path.basename(r.file), r.error.code])).toEqual([
      ["btc-1.1.0.json", "MB6153"],
    ]);
    expect(first.refused[0]!.error.message).toContain("btc-1.1.0.json: the signature does not hold");
    expect(registry.select(NAME).version).toBe("1.0.0");
    const second = await registry.loadFolder(folder);
    expect(second).toMatchObject({ loaded: [], refused: [], skipped: 2 });
    writeFileSync(path.join(folder, "btc-1.1.0.json"), v110);
    const third = await registry.loadFolder(folder);
    expect(third.loaded.map((v) => v.version)).toEqual(["1.1.0"]);
    expect(registry.select(NAME).version).toBe("1.1.0");
    expect(registry.select(NAME).origin).toBe(path.join(folder, "btc-1.1.0.json"));
    expect(events).toEqual(["loaded", "refused", "loaded"]);
  });

  it("watches a folder: a new version dropped in starts serving, a broken one is refused", async () => {
    const folder = mkdtempSync(path.join(dir, "watch-"));
    writeFileSync(path.join(folder, "a.json"), v100);
    const registry = new FolderRegistry({ trustedKeys: [key.publicKeyPem] });
    const refused: string[] = [];
    const watch = registry.watchFolder(folder, {
      intervalMs: 10,
      onReport: (r) => refused.push(...r.refused.map((x) => x.error.code)),
    });
    await watch.ready;
    expect(registry.select(NAME).version).toBe("1.0.0");
    writeFileSync(path.join(folder, "b.json"), v110.slice(0, 1000));
    // An atomic drop: write elsewhere, rename in.
    writeFileSync(path.join(dir, "c.tmp"), v110);
    renameSync(path.join(dir, "c.tmp"), path.join(folder, "c.json"));
    for (let i = 0; i < 200 && registry.versions(NAME).length < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    watch.stop();
    expect(registry.select(NAME).version).toBe("1.1.0");
    expect(refused).toContain("MB6101");
  });

  it("watches a folder with no one listening to its reports (the load still happens)", async () => {
    const folder = mkdtempSync(path.join(dir, "watch-quiet-"));
    writeFileSync(path.join(folder, "a.json"), v100);
    const registry = new FolderRegistry({ trustedKeys: [key.publicKeyPem] });
    const watch = registry.watchFolder(folder, { intervalMs: 10 });
    await watch.ready;
    watch.stop();
    expect(registry.select(NAME).version).toBe("1.0.0");
  });
});

describe("hot reload under load", () => {
  it("never fails an evaluation nor mixes versions while versions are loaded, refused and withdrawn", async () => {
    // Twelve versions, each with its own volatility threshold, effective one day apart.
    const versions = Array.from({ length: 12 }, (_, i) => {
      const version = `2.${i}.0`;
      const text = signedText(
        binanceVersion(version, `2026-01-${String(i + 1).padStart(2, "0")}T00:00:00Z`, `${80 - i * 5}%`),
        key,
      );
      return { version, text, outputs: expected(text) };
    });
    expect(new Set(versions.map((v) => v.outputs["initial_margin"])).size).toBe(12);
    const byVersion = new Map(versions.map((v) => [v.version, v.outputs]));
    const folder = mkdtempSync(path.join(dir, "hammer-"));
    const registry = new FolderRegistry({ trustedKeys: [key.publicKeyPem] });
    await registry.add(versions[0]!.text);

    let evaluations = 0;
    let stop = false;
    const seen = new Set<string>();
    const evaluator = async (): Promise<void> => {
      while (!stop) {
        for (let i = 0; i < 50; i++) {
          const result = registry.evaluate(NAME, sampleInput);
          expect(result.outputs).toEqual(byVersion.get(result.rulebook.version));
          const batch = registry.evaluateBatch(NAME, [sampleInput, sampleInput]);
          for (const outcome of batch.results)
            expect(outcome.ok && outcome.outputs).toEqual(byVersion.get(batch.rulebook.version));
          seen.add(result.rulebook.version);
          evaluations += 3;
        }
        await yieldToLoop();
      }
    };
    const reloader = async (): Promise<void> => {
      for (const [i, v] of versions.entries()) {
        if (i === 0) continue;
        writeFileSync(
          path.join(folder, `broken-${i}.json`),
          v.text.replace('"version": "test"', '"version": "tess"'),
        );
        writeFileSync(path.join(folder, `v${String(i).padStart(2, "0")}.json`), v.text);
        const report = await registry.loadFolder(folder);
        expect(report.loaded.map((x) => x.version)).toEqual([v.version]);
        expect(report.refused.map((x) => x.error.code)).toEqual(["MB6153"]);
        if (i % 4 === 0) {
          registry.withdraw(NAME, v.version); // withdrawn: the previous one serves again, and this one never comes back
          await yieldToLoop();
          expect((await registry.tryAdd(v.text)).ok).toBe(false);
        }
        await yieldToLoop();
      }
      stop = true;
    };
    await Promise.all([evaluator(), evaluator(), reloader()]);
    expect(registry.select(NAME).version).toBe("2.11.0");
    expect(registry.versions(NAME).map((v) => v.version)).not.toContain("2.8.0");
    expect(evaluations).toBeGreaterThan(1000);
    expect(seen.size).toBeGreaterThan(3);
  }, 60_000);
});
