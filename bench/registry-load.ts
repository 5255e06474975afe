/**
 * What loading and logging cost an engine (`npm run bench:registry`), on the Binance rulebook
 * (rules/binance-btcusdt-perp.margin), signed:
 *
 * - **artifact load time**: `loadArtifact` (synchronous: parse, schema, hash, references, code
 *   generation, input validator) and `registry.add` (the same in stages, plus the Ed25519 signature
 *   check with Web Crypto), wall time per artifact;
 * - **event-loop blocking per load**: while `registry.add` runs, a `setImmediate` ticker records the
 *   longest gap between its ticks, the longest time evaluations would have waited; compared with the
 *   same for a synchronous `loadArtifact`, and with the same ticker over an idle wait as long as the
 *   load (the gaps the machine itself causes when it is busy: on a shared machine the process is
 *   descheduled for milliseconds at a time, and that is not the runtime's doing);
 * - **decision-log overhead per evaluation**: `registry.evaluate` with no log, with an in-memory
 *   sink, and with `jsonLinesDecisionLog` (a synchronous append per evaluation), in paired rounds
 *   (each round runs the three in turn on the same inputs); the overhead is the median of the
 *   per-round differences.
 *
 * Every figure is a median over rounds with its spread (min-max), and the load average is printed:
 * the machine is shared. Nothing here asserts a time. Options: `--rounds N` (default 15), `--evals N`
 * evaluations per round (default 20,000).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { generateKeyPair, readSigningKey, signArtifact } from "../src/compile/sign.js";
import { loadArtifact, RulebookRegistry, type DecisionRecord } from "../src/runtime/index.js";
import { jsonLinesDecisionLog } from "../src/runtime/node.js";
import { compileOrThrow } from "../src/service/language-service.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "15" }, evals: { type: "string", default: "20000" } },
});
const rounds = Number(values.rounds);
const evals = Number(values.evals);
const NAME = "BTCUSDT perpetual";

function artifactText(version: string, privateKey: ReturnType<typeof readSigningKey>): string {
  const file = "rules/binance-btcusdt-perp.margin";
  const source = readFileSync(path.join(root, file), "utf8").replace(
    /version \d+\.\d+\.\d+/,
    `version ${version}`,
  );
  const artifact = buildArtifact(compileOrThrow(source, file), { source, compiler: { version: "bench" } });
  if (typeof privateKey === "string") throw new Error(privateKey);
  return serializeArtifact(signArtifact(artifact, privateKey));
}

const stats = (xs: number[]): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(2)}  (min ${sorted[0]!.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)})`;
};

/** Runs `work` while a setImmediate ticker measures the longest gap between ticks (ms). */
async function longestStall(
  work: () => Promise<unknown> | unknown,
): Promise<{ wall: number; stall: number }> {
  let last = performance.now();
  let stall = 0;
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await new Promise((resolve) => setImmediate(resolve));
  const started = performance.now();
  last = started;
  await work();
  const wall = performance.now() - started;
  // The last slice before completion counts too.
  stall = Math.max(stall, performance.now() - last);
  running = false;
  await new Promise((resolve) => setImmediate(resolve));
  return { wall, stall };
}

async function main(): Promise<void> {
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const pair = generateKeyPair();
  const key = readSigningKey(pair.privateKeyPem);
  const texts = Array.from({ length: rounds + 1 }, (_, i) => artifactText(`1.${i}.0`, key));
  console.log(`artifact: ${(texts[0]!.length / 1024).toFixed(1)} KiB, ${rounds} rounds\n`);

  // Warm-up: the first load of a process pays for JIT compilation of the runtime itself.
  const first = await longestStall(() => loadArtifact(texts[0]!));
  console.log(`first load in a fresh process (loadArtifact): ${first.wall.toFixed(2)} ms`);

  const syncWall: number[] = [];
  const syncStall: number[] = [];
  const asyncWall: number[] = [];
  const asyncStall: number[] = [];
  const idleStall: number[] = [];
  const registry = new RulebookRegistry({ trustedKeys: [pair.publicKeyPem] });
  for (let i = 1; i <= rounds; i++) {
    const sync = await longestStall(() => loadArtifact(texts[i]!));
    syncWall.push(sync.wall);
    syncStall.push(sync.stall);
    const staged = await longestStall(() => registry.add(texts[i]!));
    asyncWall.push(staged.wall);
    asyncStall.push(staged.stall);
    idleStall.push(
      (await longestStall(() => new Promise((resolve) => setTimeout(resolve, staged.wall)))).stall,
    );
  }
  console.log("artifact load time (ms per artifact):");
  console.log(`  loadArtifact (synchronous)      ${stats(syncWall)}`);
  console.log(`  registry.add (staged, signed)   ${stats(asyncWall)}`);
  console.log("event-loop blocking per load (longest stall, ms):");
  console.log(`  loadArtifact (synchronous)      ${stats(syncStall)}`);
  console.log(`  registry.add (staged)           ${stats(asyncStall)}`);
  console.log(`  idle wait as long as the add    ${stats(idleStall)}   (the machine's own gaps)`);

  // Decision log: paired rounds over the same inputs.
  const folder = mkdtempSync(path.join(tmpdir(), "marginbook-bench-"));
  const records: DecisionRecord[] = [];
  const plain = new RulebookRegistry({ trustedKeys: [pair.publicKeyPem] });
  const memory = new RulebookRegistry({
    trustedKeys: [pair.publicKeyPem],
    decisionLog: (r) => void records.push(r),
  });
  const file = new RulebookRegistry({
    trustedKeys: [pair.publicKeyPem],
    decisionLog: jsonLinesDecisionLog(path.join(folder, "decisions.jsonl")),
  });
  for (const r of [plain, memory, file]) await r.add(texts[0]!);
  const inputs = Array.from({ length: evals }, (_, i) => ({
    position: { size: 0.01 + (i % 1000) * 0.37, mark: 30_000 + (i % 97), side: i % 2 ? "long" : "short" },
    market: { vol_30d: (i % 250) / 100, adv: 2e9 },
  }));
  const timeOf = (registry: RulebookRegistry): number => {
    const started = performance.now();
    for (const input of inputs) registry.evaluate(NAME, input);
    return ((performance.now() - started) * 1e6) / evals; // ns per evaluation
  };
  for (const r of [plain, memory, file]) timeOf(r); // warm-up
  const base: number[] = [];
  const memoryOverhead: number[] = [];
  const fileOverhead: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = timeOf(plain);
    const b = timeOf(memory);
    const c = timeOf(file);
    base.push(a / 1000);
    memoryOverhead.push((b - a) / 1000);
    fileOverhead.push((c - a) / 1000);
    records.length = 0;
  }
  rmSync(folder, { recursive: true, force: true });
  console.log(
    `decision-log overhead per evaluation (µs, paired rounds of ${evals.toLocaleString("en-US")} evaluations):`,
  );
  console.log(`  evaluate without a log          ${stats(base)}`);
  console.log(`  + in-memory sink (input hash)   ${stats(memoryOverhead)}`);
  console.log(`  + jsonLinesDecisionLog (file)   ${stats(fileOverhead)}`);
  console.log(
    `\nload average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
}

await main();
