/**
 * The registry's decision log: one record per evaluation (time, rulebook, version, IR hash, the
 * input's hash, the outputs or the error), handed to a sink the engine supplies, for replay and
 * audit. Records are plain JSON; `jsonLinesDecisionLog` (`marginbook/runtime/node`) appends each as
 * one line of a JSON Lines file. A sink that throws never fails the evaluation it records.
 */
import type { ColumnarResult, Columns } from "./columns.js";
import { hashJson } from "./hash.js";
import type { OutputValue } from "./interpreter.js";

/** One decision: what was evaluated, with which version, and what came out. */
export interface DecisionRecord {
  /** When it was evaluated (ISO 8601, UTC). */
  time: string;
  rulebook: string;
  version: string;
  irHash: string;
  /** `sha256:<hex>` of the canonical JSON of the input (null when the input is not JSON). */
  inputHash: string | null;
  /** The outputs (absent when the evaluation failed). */
  outputs?: Record<string, OutputValue>;
  /** The error's code and message, when the evaluation failed. */
  error?: { code: string; message: string };
  /** For a columnar call: the number of rows (`outputs` then holds one array per output). */
  rows?: number;
}

interface VersionLike {
  name: string;
  version: string;
  irHash: string;
}

/** Builds records and hands them to the sink. */
export class DecisionLogger {
  constructor(private readonly sink: (record: DecisionRecord) => void) {}

  /** Records a successful evaluation. */
  evaluated(version: VersionLike, input: unknown, outputs: Record<string, OutputValue>): void {
    this.emit({ ...this.head(version), inputHash: inputHashOf(input), outputs });
  }

  /** Records a failed evaluation (the error as thrown, or as a batch failure value). */
  failed(version: VersionLike, input: unknown, error: unknown): void {
    const e = (error ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof e.code === "string" ? e.code : "error";
    const message = typeof e.message === "string" ? e.message : String(error);
    this.emit({ ...this.head(version), inputHash: inputHashOf(input), error: { code, message } });
  }

  /** Records one columnar call: the hash of all its columns, and every output column. */
  columns(version: VersionLike, columns: Columns, length: number, result: ColumnarResult): void {
    const plain = (column: unknown): unknown =>
      ArrayBuffer.isView(column)
        ? Array.from(column as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null))
        : column;
    const inputs = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, plain(v)]));
    const outputs = Object.fromEntries(
      Object.entries(result.outputs).map(([k, v]) => [k, plain(v)]),
    ) as unknown as Record<string, OutputValue>;
    this.emit({
      ...this.head(version),
      inputHash: inputHashOf({ length, columns: inputs }),
      outputs,
      rows: length,
    });
  }

  private head(version: VersionLike): Pick<DecisionRecord, "time" | "rulebook" | "version" | "irHash"> {
    return {
      time: new Date().toISOString(),
      rulebook: version.name,
      version: version.version,
      irHash: version.irHash,
    };
  }

  private emit(record: DecisionRecord): void {
    try {
      this.sink(record);
    } catch {
      // The log is for audit; a failing sink must not change the margin an engine gets.
    }
  }
}

/** `sha256:<hex>` of an input's canonical JSON, or null when it is not JSON (NaN, a cycle, ...). */
export function inputHashOf(input: unknown): string | null {
  try {
    return hashJson(input);
  } catch {
    return null;
  }
}
