/**
 * How fast `marginbook serve` answers (`npm run bench:serve`), against a hand-written Node HTTP
 * handler computing the same Binance margin (bench/baseline/serve-handwritten.ts), in the same run.
 *
 * Setup, as an engine team would do it: compile rules/binance-btcusdt-perp.margin, sign it with a
 * fresh key, start `node bin/marginbook.js serve <folder> --trust <key>` (the built CLI) and the
 * baseline, each in its own process on 127.0.0.1. The load generator is autocannon, in this process.
 *
 * Workloads (the same request bodies for both servers):
 * - single: `{ "input": <the worked example> }`, 10 connections;
 * - batch: `{ "inputs": [1,000 generated positions] }`, 4 connections;
 * - columns (marginbook only, no baseline form): the same 1,000 positions as columns.
 *
 * Paired rounds: each round runs the baseline and marginbook back to back, so that load from the
 * rest of the machine hits both alike; the figures are the median over rounds and the spread
 * (min-max). Before timing, both servers must give the same margins. A measurement, not a test:
 * nothing here asserts a time. Options: `--rounds N` (default 3), `--seconds N` per run (default 5), `--only single|batch`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { readFileSync } from "node:fs";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { generateKeyPair, readSigningKey, signArtifact } from "../src/compile/sign.js";
import { compileOrThrow } from "../src/service/language-service.js";
import { binanceMargin, type BinanceInput } from "./baseline/binance-handwritten.js";

import { binancePositions } from "./support/binance-positions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rulebookFile = "rules/binance-btcusdt-perp.margin";
const example: BinanceInput = {
  position: { size: 109.488, mark: 31967.27, side: "long" },
  market: { vol_30d: 0.5, adv: 2000000000 },
};

/** Starts a child process and resolves with its port once it prints it. */
function start(args: string[], pattern: RegExp): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const match = pattern.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${err}`)));
  });
}

async function post(port: number, pathname: string, body: string): Promise<any> {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return response.json();
}

interface Run {
  requests: number;
  p50: number;
  p99: number;
  failed: number;
  /** The server process's CPU time per request, in microseconds (user + system, from /proc). */
  cpuPerRequest: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

async function load(
  server: { port: number; child: ChildProcess },
  pathname: string,
  body: string,
  connections: number,
  seconds: number,
): Promise<Run> {
  const before = cpuSeconds(server.child.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}${pathname}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: seconds,
  });
  const cpu = cpuSeconds(server.child.pid) - before;
  return {
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.non2xx + result.timeouts,
    cpuPerRequest: (cpu / result.requests.total) * 1e6,
  };
}

const median = (xs: readonly number[]): number =>
  xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, digits = 0): string =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (xs: readonly number[], digits = 0): string =>
  `${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)}`;

function summary(
  label: string,
  runs: readonly Run[],
  perRequest: number,
): { rps: number; cpu: number; line: string } {
  const rps = median(runs.map((r) => r.requests));
  const evals = perRequest > 1 ? `  ${fmt((rps * perRequest) / 1e6, 2)} M evaluations/s` : "";
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  return {
    rps,
    cpu: median(runs.map((r) => r.cpuPerRequest)),
    line: `  ${label.padEnd(34)} ${fmt(rps).padStart(8)} req/s (spread ${spread(runs.map((r) => r.requests))})  p50 ${fmt(median(runs.map((r) => r.p50)), 2)} ms  p99 ${fmt(median(runs.map((r) => r.p99)), 2)} ms  server CPU ${fmt(median(runs.map((r) => r.cpuPerRequest)), 0)} µs/req${evals}${failed > 0 ? `  FAILED ${failed}` : ""}`,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: "string" }, seconds: { type: "string" }, only: { type: "string" } },
  });
  const only = values.only; // "single" or "batch": time that workload alone
  const rounds = Number(values.rounds ?? 3);
  const seconds = Number(values.seconds ?? 5);

  const folder = mkdtempSync(path.join(tmpdir(), "mb-bench-serve-"));
  const children: ChildProcess[] = [];
  try {
    const source = readFileSync(path.join(root, rulebookFile), "utf8");
    const ir = compileOrThrow(source, rulebookFile);
    const keys = generateKeyPair();
    const signing = readSigningKey(keys.privateKeyPem);
    if (typeof signing === "string") throw new Error(signing);
    writeFileSync(path.join(folder, "release.pub"), keys.publicKeyPem);
    writeFileSync(
      path.join(folder, "binance.json"),
      serializeArtifact(signArtifact(buildArtifact(ir, { source, compiler: { version: "bench" } }), signing)),
    );

    const serve = await start(
      ["bin/marginbook.js", "serve", folder, "--trust", path.join(folder, "release.pub"), "--port", "0"],
      /at http:\/\/127\.0\.0\.1:(\d+)/,
    );
    const baseline = await start(
      ["--import", "tsx", "bench/baseline/serve-handwritten.ts"],
      /listening (\d+)/,
    );
    children.push(serve.child, baseline.child);
    const evaluate = `/v1/rulebooks/${encodeURIComponent("BTCUSDT perpetual")}/evaluate`;

    const batch = binancePositions(1_000, 20261201);
    const single = JSON.stringify({ input: example });
    const batchBody = JSON.stringify({ inputs: batch });
    const columnsBody = JSON.stringify({
      columns: {
        "position.size": batch.map((p) => p.position.size),
        "position.mark": batch.map((p) => p.position.mark),
        "position.side": batch.map((p) => p.position.side),
        "market.vol_30d": batch.map((p) => p.market.vol_30d),
        "market.adv": batch.map((p) => p.market.adv),
      },
    });

    // Same margins from both, and from the hand-written function, before any timing.
    const ours = await post(serve.port, evaluate, batchBody);
    const theirs = await post(baseline.port, "/", batchBody);
    const cols = await post(serve.port, evaluate, columnsBody);
    let differ = 0;
    batch.forEach((p, i) => {
      const want = binanceMargin(p);
      if (
        ours.results[i].outputs.maintenance_margin !== want.maintenance_margin ||
        theirs.results[i].outputs.maintenance_margin !== want.maintenance_margin
      )
        differ++;
      if (
        ours.results[i].outputs.initial_margin !== theirs.results[i].outputs.initial_margin ||
        cols.outputs.initial_margin[i] !== want.initial_margin
      )
        differ++;
    });
    const one = await post(serve.port, evaluate, single);

    console.log(
      `serve-speed: ${rulebookFile}, autocannon, ${rounds} paired rounds of ${seconds} s per workload; ${cpus().length} cores; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `agreement: the worked example gives ${one.outputs.maintenance_margin} (${one.rulebook.version}); the 1,000-position batch differs on ${differ} positions between marginbook, the baseline and the hand-written function`,
    );

    const runs = {
      baseSingle: [] as Run[],
      single: [] as Run[],
      baseBatch: [] as Run[],
      batch: [] as Run[],
      columns: [] as Run[],
    };
    // Warm-up: both servers' JITs, one second each.
    await load(baseline, "/", single, 10, 1);
    await load(serve, evaluate, single, 10, 1);
    await load(baseline, "/", batchBody, 4, 1);
    await load(serve, evaluate, batchBody, 4, 1);
    await load(serve, evaluate, columnsBody, 4, 1);
    for (let r = 0; r < rounds; r++) {
      if (only !== "batch") {
        runs.baseSingle.push(await load(baseline, "/", single, 10, seconds));
        runs.single.push(await load(serve, evaluate, single, 10, seconds));
      }
      if (only !== "single") {
        runs.baseBatch.push(await load(baseline, "/", batchBody, 4, seconds));
        runs.batch.push(await load(serve, evaluate, batchBody, 4, seconds));
        runs.columns.push(await load(serve, evaluate, columnsBody, 4, seconds));
      }
    }
    const baseSingle = summary("hand-written handler, single", runs.baseSingle, 1);
    const oneEach = summary("marginbook serve, single", runs.single, 1);
    const baseBatch = summary("hand-written handler, batch 1,000", runs.baseBatch, 1_000);
    const batched = summary("marginbook serve, batch 1,000", runs.batch, 1_000);
    const columns = summary("marginbook serve, columns 1,000", runs.columns, 1_000);
    for (const s of [baseSingle, oneEach, baseBatch, batched, columns])
      if (!Number.isNaN(s.rps)) console.log(s.line);
    if (only !== "batch") {
      console.log(
        `  ratio single (marginbook / hand-written): ${fmt(oneEach.rps / baseSingle.rps, 2)}x req/s (goal >= 0.8x); ${fmt(baseSingle.cpu / oneEach.cpu, 2)}x by server CPU per request`,
      );
    }
    if (only !== "single") {
      console.log(
        `  ratio batch  (marginbook / hand-written): ${fmt(batched.rps / baseBatch.rps, 2)}x req/s; ${fmt(baseBatch.cpu / batched.cpu, 2)}x by server CPU per request`,
      );
      console.log(
        `  evaluations/s end to end: batch ${fmt((batched.rps * 1000) / 1e6, 2)} M, columns ${fmt((columns.rps * 1000) / 1e6, 2)} M (goal >= 2 M); by server CPU alone: batch ${fmt(1000 / batched.cpu, 2)} M, columns ${fmt(1000 / columns.cpu, 2)} M per core-second`,
      );
    }
    console.log(
      `load average after: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    for (const child of children) child.kill();
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
