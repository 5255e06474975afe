/**
 * Validation and the columnar path against hand-written TypeScript (`npm run bench:columnar`):
 *
 * - per position (rules/binance-btcusdt-perp.margin, bench/baseline/binance-handwritten.ts):
 *   `evaluate` with validation on, and `evaluateColumns` (Float64Array columns in and out; validated,
 *   the default, with the checks fused into the loop, and trusted, `{ validate: false }`), each
 *   against the hand-written function called once per position object;
 * - per portfolio (rules/span-sp500.margin, bench/baseline/portfolio-handwritten.ts): the same for
 *   accounts of 20 positions, the columnar form in the Arrow layout (offsets plus item columns).
 *
 * Results are checked identical (bit for bit) before timing. Each comparison runs paired rounds
 * (bench/support/paired.ts): ratio of speeds within a round, median and 10th-90th percentile
 * spread, and the load average. A measurement, not a test. Options: `--positions N` (default
 * 100,000), `--accounts N` (default 5,000), `--rounds N` (default 21), `--seed N`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { columnLayout, toColumns } from "../src/runtime/column-layout.js";
import { loadArtifact, type LoadedRulebook } from "../src/runtime/index.js";
import { compileOrThrow } from "../src/service/language-service.js";
import { binanceMargin } from "./baseline/binance-handwritten.js";
import { spanMargin } from "./baseline/portfolio-handwritten.js";
import { binancePositions } from "./support/binance-positions.js";
import { loadLine, pairedRounds, printPairs } from "./support/paired.js";
import { generateAccounts } from "./support/span-accounts.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function load(file: string): LoadedRulebook {
  const source = readFileSync(path.join(root, file), "utf8");
  const ir = compileOrThrow(source, file);
  return loadArtifact(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "bench" } })));
}

/** Every result is kept, as an engine keeps it (see bench/eval-speed.ts). */
const kept: unknown[] = new Array(1024);

function sumColumns(outputs: Record<string, unknown>, names: readonly string[], rows: number): number {
  let sum = 0;
  for (const name of names) {
    const column = outputs[name] as Float64Array;
    for (let i = 0; i < rows; i++) sum += column[i]!;
  }
  return sum;
}

function expectSame(what: string, a: readonly number[], b: readonly number[]): void {
  const differ = a.findIndex((x, i) => !Object.is(x, b[i]));
  if (differ >= 0 || a.length !== b.length)
    throw new Error(`${what}: results differ at ${differ} (${a[differ]} against ${b[differ]})`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      positions: { type: "string" },
      accounts: { type: "string" },
      rounds: { type: "string" },
      seed: { type: "string" },
    },
  });
  const count = Number(values.positions ?? 100_000);
  const accountCount = Number(values.accounts ?? 5_000);
  const rounds = Number(values.rounds ?? 21);
  const seed = Number(values.seed ?? 20261201);

  const binance = load("rules/binance-btcusdt-perp.margin");
  const positions = binancePositions(count, seed);
  const positionColumns = toColumns(columnLayout(binance.ir), positions) as Record<string, number[]>;
  const positionOutputs = [
    "initial_margin",
    "maintenance_margin",
    "maintenance_margin_exact",
    "max_leverage",
  ];

  const span = load("rules/span-sp500.margin");
  const accounts = generateAccounts(accountCount, 20, seed);
  const accountColumns = toColumns(columnLayout(span.ir), accounts) as Record<string, number[]>;
  const accountOutputs = ["commodities", "scanning_risk_requirement"];

  // Identical results before any timing.
  const handPositions = positions.flatMap((p) => {
    const o = binanceMargin(p);
    return positionOutputs.map((k) => o[k as keyof typeof o]);
  });
  const validated = positions.flatMap((p) => {
    const o = binance.evaluate(p).outputs;
    return positionOutputs.map((k) => o[k] as number);
  });
  const columnar = binance.evaluateColumns(positionColumns, count);
  if (columnar.errors.length > 0)
    throw new Error(`columnar positions failed: ${columnar.errors[0]!.message}`);
  expectSame("evaluate (validated), positions", validated, handPositions);
  expectSame(
    "evaluateColumns, positions",
    positions.flatMap((_, i) => positionOutputs.map((k) => (columnar.outputs[k] as Float64Array)[i]!)),
    handPositions,
  );
  const trusted = binance.evaluateColumns(positionColumns, count, { validate: false });
  expectSame(
    "evaluateColumns (trusted), positions",
    positions.flatMap((_, i) => positionOutputs.map((k) => (trusted.outputs[k] as Float64Array)[i]!)),
    handPositions,
  );
  const handAccounts = accounts.flatMap((a) => {
    const o = spanMargin(a);
    return [o.commodities, o.scanning_risk_requirement];
  });
  const columnarAccounts = span.evaluateColumns(accountColumns, accountCount);
  if (columnarAccounts.errors.length > 0)
    throw new Error(`columnar accounts failed: ${columnarAccounts.errors[0]!.message}`);
  expectSame(
    "evaluateColumns, accounts",
    accounts.flatMap((_, i) => accountOutputs.map((k) => (columnarAccounts.outputs[k] as Float64Array)[i]!)),
    handAccounts,
  );
  const trustedAccounts = span.evaluateColumns(accountColumns, accountCount, { validate: false });
  expectSame(
    "evaluateColumns (trusted), accounts",
    accounts.flatMap((_, i) => accountOutputs.map((k) => (trustedAccounts.outputs[k] as Float64Array)[i]!)),
    handAccounts,
  );
  expectSame(
    "evaluate (validated), accounts",
    accounts.flatMap((a) => {
      const o = span.evaluate(a).outputs;
      return [o["commodities"] as number, o["scanning_risk_requirement"] as number];
    }),
    handAccounts,
  );

  console.log(
    `columnar-speed: ${count.toLocaleString("en-US")} positions (rules/binance-btcusdt-perp.margin), ${accountCount.toLocaleString("en-US")} accounts of 20 positions (rules/span-sp500.margin); ${rounds} paired rounds; results identical to the hand-written code`,
  );
  console.log(`  ${loadLine()} (before)`);

  const handPositionPass = (): number => {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const o = binanceMargin(positions[i]!);
      kept[i & 1023] = o;
      sum += o.initial_margin + o.maintenance_margin + o.maintenance_margin_exact + o.max_leverage;
    }
    return sum;
  };
  const handAccountPass = (): number => {
    let sum = 0;
    for (let i = 0; i < accountCount; i++) {
      const o = spanMargin(accounts[i]!);
      kept[i & 1023] = o;
      sum += o.commodities + o.scanning_risk_requirement;
    }
    return sum;
  };
  const results = pairedRounds(
    [
      {
        name: "per position, evaluate (validated)",
        items: count,
        baseline: handPositionPass,
        engine: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = binance.evaluate(positions[i]).outputs;
            kept[i & 1023] = o;
            sum += (o["initial_margin"] as number) + (o["maintenance_margin"] as number);
          }
          return sum;
        },
      },
      {
        name: "per position, evaluateColumns (validated)",
        items: count,
        baseline: handPositionPass,
        engine: () =>
          sumColumns(binance.evaluateColumns(positionColumns, count).outputs, positionOutputs, count),
      },
      {
        name: "per position, evaluateColumns (trusted)",
        items: count,
        baseline: handPositionPass,
        engine: () =>
          sumColumns(
            binance.evaluateColumns(positionColumns, count, { validate: false }).outputs,
            positionOutputs,
            count,
          ),
      },
      {
        name: "per portfolio, evaluate (validated)",
        items: accountCount,
        baseline: handAccountPass,
        engine: () => {
          let sum = 0;
          for (let i = 0; i < accountCount; i++) {
            const o = span.evaluate(accounts[i]).outputs;
            kept[i & 1023] = o;
            sum += o["scanning_risk_requirement"] as number;
          }
          return sum;
        },
      },
      {
        name: "per portfolio, evaluateColumns (validated)",
        items: accountCount,
        baseline: handAccountPass,
        engine: () =>
          sumColumns(
            span.evaluateColumns(accountColumns, accountCount).outputs,
            accountOutputs,
            accountCount,
          ),
      },
      {
        name: "per portfolio, evaluateColumns (trusted)",
        items: accountCount,
        baseline: handAccountPass,
        engine: () =>
          sumColumns(
            span.evaluateColumns(accountColumns, accountCount, { validate: false }).outputs,
            accountOutputs,
            accountCount,
          ),
      },
    ],
    rounds,
  );
  console.log("  engine speed / hand-written speed (per-record hand-written TypeScript):");
  printPairs(results, {
    "per position, evaluate (validated)": 0.5,
    "per position, evaluateColumns (validated)": 1.5,
    "per portfolio, evaluateColumns (validated)": 1.2,
  });
  console.log(`  ${loadLine()} (after)`);
}

main();
