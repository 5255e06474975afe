/**
 * Load and fault tests of `marginbook serve`, in-process on 127.0.0.1, each a bounded loop (no
 * timing is asserted): hot reload under load (no failed request, every result from one of the two
 * versions and equal to what that version computes, the version switching once), a tampered
 * artifact refused, logged and counted while the last good version keeps serving, a removed file
 * withdrawing its version, slow clients and oversized bodies that do not stall other callers, and
 * the time limit and readiness answers.
 */
import { rmSync, unlinkSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFolderService, type FolderService } from "../../src/cli/serve.js";
import { loadArtifact, RulebookRegistry, trustedKey } from "../../src/runtime/index.js";
import { hashJson } from "../../src/runtime/hash.js";
import { startServe, type Service } from "../../src/serve/server.js";
import { binanceVersion, sampleInput, signedText, testKey } from "../support/signed-artifacts.js";
import { caller, metricValue, tempFolder, writeAtomic, type Answer } from "../support/serve.js";

const NAME = "BTCUSDT perpetual";
const EVAL = `/v1/rulebooks/${encodeURIComponent(NAME)}/evaluate`;
const key = testKey();
const v100 = signedText(binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "80%"), key);
const v110 = signedText(binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"), key);
const v120 = signedText(binanceVersion("1.2.0", "2026-07-01T00:00:00Z", "60%"), key);
const v130 = signedText(binanceVersion("1.3.0", "2026-08-01T00:00:00Z", "50%"), key);
const expected: Record<string, unknown> = Object.fromEntries(
  [v100, v110, v120, v130].map((t) => {
    const book = loadArtifact(t);
    return [book.meta.version, book.evaluate(sampleInput).outputs];
  }),
);

/** v120 with one rate changed in the IR and the IR hash recomputed: only the signature gives it away. */
function tampered(): string {
  const artifact = JSON.parse(v120) as { ir: unknown; irHash: string };
  const ir = JSON.stringify(artifact.ir);
  const changed = ir.replace("0.025", "0.0125");
  expect(changed).not.toBe(ir);
  artifact.ir = JSON.parse(changed);
  artifact.irHash = hashJson(artifact.ir);
  return JSON.stringify(artifact);
}

interface Sample {
  /** The order the request was sent in. */
  sent: number;
  /** How many requests had been sent when its answer arrived. */
  received: number;
  answer: Answer;
}

/**
 * Runs `workers` callers in a loop until `until()` is true; each request notes the order it was
 * sent in. `during` runs once the loop is going.
 */
async function underLoad(
  api: ReturnType<typeof caller>,
  workers: number,
  until: (samples: readonly Sample[]) => boolean,
  during: () => Promise<void> | void,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  let sent = 0;
  let stop = false;
  const loop = async (): Promise<void> => {
    for (let i = 0; !stop && i < 20_000; i++) {
      const order = sent++;
      const answer = await api.post(EVAL, { input: sampleInput });
      samples.push({ sent: order, received: sent, answer });
    }
  };
  const running = Array.from({ length: workers }, loop);
  while (samples.length < 50) await new Promise((r) => setTimeout(r, 5));
  await during();
  for (let round = 0; round < 2_000 && !until(samples); round++) await new Promise((r) => setTimeout(r, 10));
  stop = true;
  await Promise.all(running);
  return samples;
}

describe("a folder served under load", () => {
  let folder: string;
  let running: FolderService;
  let api: ReturnType<typeof caller>;
  const logged: string[] = [];

  beforeAll(async () => {
    folder = tempFolder();
    writeAtomic(path.join(folder, "binance.json"), v100);
    running = await startFolderService({
      folder,
      trusted: [trustedKey(key.publicKeyPem)],
      port: 0,
      intervalMs: 20,
      log: (l) => logged.push(l),
      cwd: folder,
    });
    api = caller(running.service.url);
  });
  afterAll(async () => {
    api.agent.destroy();
    await running.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it(
    "swaps in a new version with no failed request, and the version switches once",
    { timeout: 30_000 },
    async () => {
      const samples = await underLoad(
        api,
        8,
        (s) => s.filter((x) => x.answer.json?.rulebook?.version === "1.1.0").length >= 200,
        () => {
          writeAtomic(path.join(folder, "binance.json"), v110);
        },
      );
      expect(samples.filter((s) => s.answer.status !== 200).map((s) => s.answer.text)).toEqual([]);
      const versions = new Set(samples.map((s) => s.answer.json.rulebook.version));
      expect([...versions].sort()).toEqual(["1.0.0", "1.1.0"]);
      // Every result is what its version computes: none from neither version, none mixed.
      for (const s of samples)
        expect(s.answer.json.outputs).toEqual(expected[s.answer.json.rulebook.version]);
      // Once an answer from 1.1.0 has arrived, every request sent after it gets 1.1.0: it switched once.
      const switched = Math.min(
        ...samples.filter((s) => s.answer.json.rulebook.version === "1.1.0").map((s) => s.received),
      );
      const later = samples.filter((s) => s.sent >= switched);
      expect(later.length).toBeGreaterThan(100);
      expect(later.filter((s) => s.answer.json.rulebook.version !== "1.1.0")).toEqual([]);
      const metrics = (await api.get("/metrics")).text;
      expect(metricValue(metrics, "marginbook_reloads_total", { rulebook: NAME })).toBe(2);
      expect(logged.some((l) => l.startsWith(`loaded ${NAME} 1.1.0`))).toBe(true);
    },
  );

  it(
    "refuses a tampered artifact (logged, counted) while the last good version keeps serving",
    { timeout: 30_000 },
    async () => {
      const samples = await underLoad(
        api,
        4,
        () => logged.some((l) => l.startsWith("refused")),
        () => {
          writeAtomic(path.join(folder, "binance-1.2.0.json"), tampered());
        },
      );
      expect(samples.filter((s) => s.answer.status !== 200)).toEqual([]);
      expect(samples.every((s) => s.answer.json.rulebook.version === "1.1.0")).toBe(true);
      expect(logged.find((l) => l.startsWith("refused"))).toMatch(
        /^refused MB6153: binance-1\.2\.0\.json: the signature does not hold/,
      );
      const metrics = (await api.get("/metrics")).text;
      expect(metricValue(metrics, "marginbook_artifacts_refused_total", { code: "MB6153" })).toBe(1);
      expect((await api.post(EVAL, { input: sampleInput })).json.rulebook.version).toBe("1.1.0");
    },
  );

  it("withdraws a version when its file is removed", { timeout: 15_000 }, async () => {
    const file = path.join(folder, "binance-1.3.0.json");
    writeAtomic(file, v130);
    await until(() => logged.some((l) => l.startsWith(`loaded ${NAME} 1.3.0`)));
    const before = metricValue((await api.get("/metrics")).text, "marginbook_withdrawals_total", {
      rulebook: NAME,
    });
    expect((await api.post(EVAL, { input: sampleInput })).json.outputs).toEqual(expected["1.3.0"]);
    unlinkSync(file);
    await until(() => logged.some((l) => l.startsWith(`withdrew ${NAME} 1.3.0`)));
    const after = await api.post(EVAL, { input: sampleInput });
    expect(after.json.rulebook.version).toBe("1.1.0");
    expect(
      metricValue((await api.get("/metrics")).text, "marginbook_withdrawals_total", { rulebook: NAME }),
    ).toBe(before + 1);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

/** Sends raw bytes; resolves with everything the server sent back once it closes (or after `end`). */
function rawSocket(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, "127.0.0.1");
  let data = "";
  socket.on("data", (chunk) => (data += chunk.toString("utf8")));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => undefined); // a reset after a refused body is expected
  return { socket, received: () => data, closed };
}

describe("limits", () => {
  let service: Service;
  let api: ReturnType<typeof caller>;
  const registry = new RulebookRegistry({ trustedKeys: [key.publicKeyPem] });

  beforeAll(async () => {
    await registry.add(v100);
    service = await startServe({ registry, limits: { maxBodyBytes: 64 * 1024 } });
    api = caller(service.url);
  });
  afterAll(async () => {
    api.agent.destroy();
    await service.close();
  });

  it("a slow client and oversized bodies do not stall other callers", { timeout: 15_000 }, async () => {
    const slow = rawSocket(service.port);
    slow.socket.write(
      `POST ${EVAL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ input: sampleInput }).length}\r\n\r\n{"inp`,
    );
    const declared = rawSocket(service.port);
    declared.socket.write(
      `POST ${EVAL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"inputs":[`,
    );
    const chunked = rawSocket(service.port);
    chunked.socket.write(
      `POST ${EVAL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const piece = "x".repeat(16 * 1024);
    for (let i = 0; i < 8; i++) chunked.socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);

    const answers = await Promise.all(
      Array.from({ length: 40 }, () => api.post(EVAL, { input: sampleInput })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await declared.closed;
    expect(declared.received()).toMatch(/^HTTP\/1\.1 413 [\s\S]*"code":"MB6202"/);
    await chunked.closed;
    expect(chunked.received()).toMatch(/^HTTP\/1\.1 413 /);
    // The slow client was only waiting: nothing answered yet, and its request completes normally.
    expect(slow.received()).toBe("");
    slow.socket.write(`${JSON.stringify({ input: sampleInput }).slice(5)}`);
    await until(() => slow.received().includes("\r\n\r\n{"));
    expect(slow.received()).toMatch(/^HTTP\/1\.1 200 /);
    slow.socket.destroy();
  });

  it("answers 503 past the time limit, with Retry-After", async () => {
    const strict = await startServe({ registry, limits: { timeLimitMs: 0 } });
    try {
      const answer = await caller(strict.url).post(EVAL, {
        inputs: Array.from({ length: 3 * 4096 }, () => sampleInput),
      });
      expect(answer.status).toBe(503);
      expect(answer.json.error.code).toBe("MB6204");
      expect(answer.headers["retry-after"]).toBe("1");
    } finally {
      await strict.close();
    }
  });

  it("is not ready, and says so, before a version is loaded", async () => {
    const empty = await startServe({ registry: new RulebookRegistry({ trustedKeys: [key.publicKeyPem] }) });
    try {
      const api = caller(empty.url);
      expect((await api.get("/ready")).status).toBe(503);
      const answer = await api.post(EVAL, { input: sampleInput });
      expect(answer).toMatchObject({ status: 503, json: { error: { code: "MB6207" } } });
    } finally {
      await empty.close();
    }
  });
});
