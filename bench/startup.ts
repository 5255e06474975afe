/**
 * Start-up costs, each in fresh processes (`npm run bench:startup`; needs the build in dist/):
 *
 * - `marginbook check` of the 110-line rules/binance-btcusdt-perp.margin, whole process, wall;
 * - the same check, phase by phase in CPU time, run as bin/marginbook.js runs it (the bundled check
 *   script with its code cache, scripts/bundle-cli.mjs): read, compile, top level, check;
 * - `marginbook check` of a generated 5,000-line rulebook (bench/check-speed.ts's generator),
 *   whole process, wall, and the check itself measured inside the process (`checkRulebook`);
 * - the floor under that check: Chevrotain alone on the same file in a fresh process, its lexer
 *   and its parser recognizing the tokens without building a CST (`lex`, `recognize`);
 * - `loadArtifact` of the Binance artifact, the first load in a fresh process (the import of
 *   `marginbook/runtime`, its ESM bundle, and the load timed apart, inside the process; the load's
 *   CPU time too, `loadArtifactCpu`, which a machine loaded by others inflates far less than wall
 *   time);
 * - a bare `node -e ""`, the floor every Node command pays.
 *
 * Each process also reports its own CPU time (user + system): on a machine loaded by others, wall
 * time mostly measures waiting for a core, CPU time what the command itself costs.
 *
 * Paired runs: each round runs every command once, in turn, so a burst of load hits them alike;
 * the median and the spread (10th to 90th percentile) over rounds are printed, with the load
 * average. A measurement, not a test. Options: `--rounds N` (default 15); `--against DIR` also
 * runs every command with the marginbook build in DIR (a built checkout, e.g. an older commit),
 * back to back with this one in each round, and prints the ratio per round (this / other).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadLine, quantile } from "./support/paired.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin/marginbook.js");

interface Command {
  name: string;
  args: string[];
  goal?: number;
  /** Figures the process prints on its last line as JSON (milliseconds measured inside it). */
  inside?: string[];
}

/**
 * Loaded before each command: at exit, the process prints the CPU time it used (user + system, ms)
 * on stderr. CPU time moves far less than wall time when the machine is loaded by others.
 */
const CPU_PROBE =
  "data:text/javascript," +
  encodeURIComponent(
    'process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write(`\\nmb-cpu ${(u.user + u.system) / 1000}\\n`); });',
  );

/** Runs a command once: its wall time and CPU time in ms, and the figures it reports. */
function runOnce(command: Command): { wall: number; cpu: number; inside: Record<string, number> } {
  const start = performance.now();
  const run = spawnSync(process.execPath, ["--import", CPU_PROBE, ...command.args], {
    cwd: root,
    encoding: "utf8",
  });
  const wall = performance.now() - start;
  if (run.status !== 0) throw new Error(`${command.name} failed (${run.status}): ${run.stderr}`);
  const cpu = Number(/mb-cpu ([\d.]+)/.exec(run.stderr)?.[1] ?? NaN);
  const inside = command.inside
    ? (JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<string, number>)
    : {};
  return { wall, cpu, inside };
}

/**
 * The file `import "marginbook/runtime"` loads in a build: the ESM bundle (dist/esm), or the module
 * tree tsc wrote in a build that has no bundle (an older checkout given with `--against`).
 */
function runtimeEntry(build: string): string {
  const bundle = path.join(build, "dist/esm/runtime.mjs");
  return existsSync(bundle) ? bundle : path.join(build, "dist/src/runtime/index.js");
}

/** The scripts and commands measured, for the marginbook build in `build` (a checkout with dist/). */
function commandsFor(build: string, work: string, big: string, artifact: string, tag: string): Command[] {
  const loadScript = path.join(work, `load-${tag}.mjs`);
  writeFileSync(
    loadScript,
    [
      'import { readFileSync } from "node:fs";',
      // CPU time of this thread's process (user + system, ms): what the load costs, waiting for a core excluded.
      "const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };",
      `const text = readFileSync(${JSON.stringify(artifact)}, "utf8");`,
      "const t0 = performance.now();",
      `const runtime = await import(${JSON.stringify(runtimeEntry(build))});`,
      "const t1 = performance.now(), c1 = cpu();",
      "const book = runtime.loadArtifact(text);",
      "const t2 = performance.now(), c2 = cpu();",
      'book.evaluate({ position: { size: 1, mark: 30000, side: "long" }, market: { vol_30d: 0.5, adv: 1e9 } });',
      "const t3 = performance.now();",
      "console.log(JSON.stringify({ import: t1 - t0, loadArtifact: t2 - t1, loadArtifactCpu: c2 - c1, firstEvaluate: t3 - t2 }));",
    ].join("\n"),
  );
  const checkScript = path.join(work, `check-${tag}.mjs`);
  writeFileSync(
    checkScript,
    [
      'import { readFileSync } from "node:fs";',
      `const service = await import(${JSON.stringify(path.join(build, "dist/src/service/language-service.js"))});`,
      `const source = readFileSync(${JSON.stringify(big)}, "utf8");`,
      "const t0 = performance.now();",
      `const result = service.checkRulebook(source, "big.margin");`,
      "const t1 = performance.now();",
      'if (result.diagnostics.some((d) => d.severity === "error")) throw new Error("the generated rulebook has errors");',
      "console.log(JSON.stringify({ checkRulebook: t1 - t0 }));",
    ].join("\n"),
  );
  // The floor under the 5,000-line check in a fresh process: Chevrotain alone, the lexer and then the
  // parser with its CST building switched off (its tree-builder hooks replaced by no-ops, internals of
  // Chevrotain 11 that this measurement, not the product, reaches into), so that the parser only
  // recognizes the tokens. No AST, no limits, no checker: whatever marginbook does goes on top.
  const floorScript = path.join(work, `floor-${tag}.mjs`);
  writeFileSync(
    floorScript,
    [
      'import { readFileSync } from "node:fs";',
      `const { parser } = await import(${JSON.stringify(path.join(build, "dist/grammar/parser.js"))});`,
      `const { marginbookLexer } = await import(${JSON.stringify(path.join(build, "dist/grammar/tokens.js"))});`,
      "const noop = () => {};",
      'for (const hook of ["cstInvocationStateUpdate", "cstFinallyStateUpdate", "cstPostTerminal", "cstPostNonTerminal", "cstPostRule"]) {',
      "  if (typeof parser[hook] !== 'function') throw new Error(`Chevrotain has no ${hook} any more`);",
      "  parser[hook] = noop;",
      "}",
      `const source = readFileSync(${JSON.stringify(big)}, "utf8");`,
      "const t0 = performance.now();",
      "const lexed = marginbookLexer.tokenize(source);",
      "const t1 = performance.now();",
      "parser.parseRulebook(lexed.tokens); // as src/syntax/parse.ts parses: recovery off",
      "const t2 = performance.now();",
      "if (lexed.errors.length + parser.errors.length > 0) throw new Error('the generated rulebook does not parse');",
      "console.log(JSON.stringify({ lex: t1 - t0, recognize: t2 - t1, both: t2 - t0 }));",
    ].join("\n"),
  );
  // The check script as bin/marginbook.js runs it (scripts/bundle-cli.mjs), each phase timed in CPU
  // time: reading it and its code cache, compiling (from the cache), running its top level (the
  // Chevrotain bundle, the lexer and the parser are built), and the check itself. A build without
  // the script reports nothing.
  const phaseScript = path.join(work, `phases-${tag}.mjs`);
  const vmScript = path.join(build, "dist/cli/check.vm.js");
  writeFileSync(
    phaseScript,
    [
      'import { existsSync, readFileSync } from "node:fs";',
      'import { createRequire } from "node:module";',
      'import vm from "node:vm";',
      "const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };",
      `const file = ${JSON.stringify(vmScript)};`,
      "if (!existsSync(file)) { console.log('{}'); process.exit(0); }",
      "const c0 = cpu();",
      'const text = readFileSync(file, "utf8");',
      'const cachedData = readFileSync(file.replace(/\.js$/, ".cache"));',
      "const c1 = cpu();",
      "const script = new vm.Script(text, { filename: file, cachedData });",
      "const c2 = cpu();",
      "const module = { exports: {} };",
      `script.runInThisContext()(module.exports, createRequire(file), module, file, ${JSON.stringify(path.dirname(vmScript))}, "file://" + file);`,
      "const c3 = cpu();",
      "const io = { stdout() {}, stderr() {}, cwd: process.cwd(), color: false };",
      'await module.exports.runCli(["check", "rules/binance-btcusdt-perp.margin"], io);',
      "const c4 = cpu();",
      "if (script.cachedDataRejected) throw new Error('V8 rejected the code cache');",
      "console.log(JSON.stringify({ read: c1 - c0, compile: c2 - c1, topLevel: c3 - c2, check: c4 - c3 }));",
    ].join("\n"),
  );
  const cli = path.join(build, "bin/marginbook.js");
  return [
    { name: "node -e '' (floor)", args: ["-e", ""] },
    { name: "check, 110 lines (wall)", args: [cli, "check", "rules/binance-btcusdt-perp.margin"], goal: 150 },
    {
      name: "check, 110 lines, phases (CPU)",
      args: [phaseScript],
      inside: ["read", "compile", "topLevel", "check"],
    },
    { name: "check, 5,000 lines (wall)", args: [cli, "check", big] },
    { name: "check, 5,000 lines (in process)", args: [checkScript], inside: ["checkRulebook"] },
    {
      name: "5,000 lines, Chevrotain alone",
      args: [floorScript],
      inside: ["lex", "recognize", "both"],
    },
    {
      name: "loadArtifact, fresh process",
      args: [loadScript],
      inside: ["import", "loadArtifact", "loadArtifactCpu", "firstEvaluate"],
    },
  ];
}

/** The figures of one command over the rounds. */
interface Figures {
  walls: number[];
  cpus: number[];
  inside: Map<string, number[]>;
}

function record(figures: Figures, result: ReturnType<typeof runOnce>): void {
  figures.walls.push(result.wall);
  figures.cpus.push(result.cpu);
  for (const [k, v] of Object.entries(result.inside))
    figures.inside.set(k, [...(figures.inside.get(k) ?? []), v]);
}

const figure = (xs: number[]): string =>
  `${quantile(xs, 0.5).toFixed(1)} ms (p10-p90 ${quantile(xs, 0.1).toFixed(1)}-${quantile(xs, 0.9).toFixed(1)})`;

const ratio = (xs: number[]): string =>
  `${quantile(xs, 0.5).toFixed(2)} (p10-p90 ${quantile(xs, 0.1).toFixed(2)}-${quantile(xs, 0.9).toFixed(2)})`;

function main(): void {
  const { values } = parseArgs({ options: { rounds: { type: "string" }, against: { type: "string" } } });
  const rounds = Number(values.rounds ?? 15);
  const against = values.against ? path.resolve(values.against) : undefined;
  const work = mkdtempSync(path.join(tmpdir(), "mb-startup-"));
  try {
    const big = path.join(work, "big.margin");
    const generated = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/check-speed.ts", "--lines", "5000", "--runs", "1", "--write", big],
      { cwd: root, encoding: "utf8" },
    );
    if (generated.status !== 0)
      throw new Error(`generating the 5,000-line rulebook failed: ${generated.stderr}`);
    const artifact = path.join(work, "binance.json");
    const compiled = spawnSync(
      process.execPath,
      [bin, "compile", "rules/binance-btcusdt-perp.margin", "-o", artifact, "--allow-dirty"],
      { cwd: root, encoding: "utf8" },
    );
    if (compiled.status !== 0) throw new Error(`compile failed: ${compiled.stderr}`);
    const commands = commandsFor(root, work, big, artifact, "this");
    const others = against ? commandsFor(against, work, big, artifact, "other") : undefined;
    console.log(
      `startup: ${rounds} rounds of fresh processes${against ? `, paired with the build in ${against}` : ""}; ${loadLine()} (before)`,
    );
    const empty = (): Figures => ({ walls: [], cpus: [], inside: new Map() });
    const mine = commands.map(empty);
    const theirs = commands.map(empty);
    for (const c of [...commands, ...(others ?? [])]) runOnce(c); // warm the file cache
    for (let r = 0; r < rounds; r++) {
      commands.forEach((c, i) => {
        // Each round runs this build's command and the other's back to back, in alternating order.
        const other = others?.[i];
        if (other && r % 2 === 1) record(theirs[i]!, runOnce(other));
        record(mine[i]!, runOnce(c));
        if (other && r % 2 === 0) record(theirs[i]!, runOnce(other));
      });
    }
    const width = Math.max(...commands.map((c) => c.name.length));
    commands.forEach((c, i) => {
      const f = mine[i]!;
      const goal =
        c.goal !== undefined
          ? `  goal < ${c.goal} ms: ${quantile(f.walls, 0.5) < c.goal ? "met" : "not met"}`
          : "";
      console.log(`  ${c.name.padEnd(width)}  process ${figure(f.walls)}${goal}`);
      console.log(`  ${"".padEnd(width)}    CPU time: ${figure(f.cpus)}`);
      for (const [k, xs] of f.inside) {
        const target = k.startsWith("loadArtifact") ? 20 : k === "checkRulebook" ? 150 : undefined;
        const verdict =
          target !== undefined
            ? `  goal < ${target} ms: ${quantile(xs, 0.5) < target ? "met" : "not met"}`
            : "";
        console.log(`  ${"".padEnd(width)}    ${k}: ${figure(xs)}${verdict}`);
      }
      if (!others) return;
      const o = theirs[i]!;
      const per = (a: number[], b: number[]): number[] => a.map((x, j) => x / b[j]!);
      console.log(
        `  ${"".padEnd(width)}    other build: process ${figure(o.walls)}, CPU time ${figure(o.cpus)}`,
      );
      for (const [k, xs] of o.inside) console.log(`  ${"".padEnd(width)}      ${k}: ${figure(xs)}`);
      console.log(
        `  ${"".padEnd(width)}    this / other, per round: wall ${ratio(per(f.walls, o.walls))}, CPU ${ratio(per(f.cpus, o.cpus))}`,
      );
      for (const [k, xs] of f.inside) {
        const theirsK = o.inside.get(k);
        if (theirsK) console.log(`  ${"".padEnd(width)}      ${k}: ${ratio(per(xs, theirsK))}`);
      }
    });
    console.log(`  ${loadLine()} (after)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
