/**
 * A worker thread of impact analysis (`marginbook diff --impact`): generates the evaluators of both
 * versions from their IR (each thread its own), evaluates its range of inputs (generated here from
 * the seed, or handed over by the main thread), reports progress, and sends back typed arrays.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { IrRulebook } from "../ir/ir.js";
import { evaluateImpactChunk, type ImpactColumns } from "../review/impact.js";
import { InputGenerator } from "../review/random-inputs.js";
import { rulebookFromIr } from "../runtime/rulebook.js";

/** What the main thread gives a worker. */
export interface ImpactWorkerData {
  oldIr: IrRulebook;
  newIr: IrRulebook;
  outputs: string[];
  start: number;
  end: number;
  /** Generate input i as `new InputGenerator(newIr, seed).at(i)`... */
  seed?: number;
  /** ...or take it from here (`inputs[i - start]`). */
  inputs?: unknown[];
}

/** What a worker sends back. */
export type ImpactWorkerMessage =
  { type: "progress"; done: number } | { type: "done"; columns: ImpactColumns };

/** About a hundred progress messages per worker, at least 500 inputs apart. */
function progressStep(count: number): number {
  return Math.max(500, Math.ceil(count / 100));
}

function run(data: ImpactWorkerData): void {
  const oldBook = rulebookFromIr(data.oldIr);
  const newBook = rulebookFromIr(data.newIr);
  const generator =
    data.seed !== undefined ? new InputGenerator(data.newIr, data.seed, "typical") : undefined;
  const inputs = data.inputs ?? [];
  const inputAt = generator ? (i: number) => generator.at(i) : (i: number) => inputs[i - data.start];
  const post = (message: ImpactWorkerMessage, transfer: ArrayBuffer[] = []): void =>
    parentPort!.postMessage(message, transfer);
  const columns = evaluateImpactChunk(
    oldBook,
    newBook,
    data.outputs,
    inputAt,
    data.start,
    data.end,
    (done) => post({ type: "progress", done }),
    progressStep(data.end - data.start),
  );
  const buffers = [...columns.old, ...columns.new, columns.status].map((a) => a.buffer as ArrayBuffer);
  post({ type: "done", columns }, buffers);
}

if (parentPort) run(workerData as ImpactWorkerData);
