/**
 * The limits that keep one caller from starving the others: body size (413), batch size (422),
 * time per request (503), time to send a request (408, enforced by Node's `requestTimeout`), and
 * reading a body without ever holding more than the limit in memory.
 */
import type { IncomingMessage } from "node:http";
import { HttpError, serveErrorCodes } from "./errors.js";

/** The limits of a server. Every field has a default ({@link defaultServeLimits}). */
export interface ServeLimits {
  /** Largest request body, in bytes (default 16 MiB). Larger: 413, MB6202. */
  maxBodyBytes: number;
  /** Most inputs in a batch, or rows in a columnar batch (default 100,000). More: 422, MB6203. */
  maxBatch: number;
  /** Most time spent evaluating one request, in milliseconds (default 5,000). Longer: 503, MB6204. */
  timeLimitMs: number;
  /** Most time a client may take to send a whole request, in milliseconds (default 30,000): 408. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in milliseconds (default 30,000). */
  keepAliveMs: number;
}

/** The default limits. */
export const defaultServeLimits: Readonly<ServeLimits> = Object.freeze({
  maxBodyBytes: 16 * 1024 * 1024,
  maxBatch: 100_000,
  timeLimitMs: 5_000,
  requestTimeoutMs: 30_000,
  keepAliveMs: 30_000,
});

/**
 * Reads a request's body as UTF-8 text and calls `done` once, refusing (413) as soon as it is
 * known to be larger than `maxBytes`: at once from `Content-Length`, or when the chunks received
 * pass the limit. The caller answers and closes the connection, so the rest of an oversized body
 * is never read. A callback, not a promise: this is on every request's path.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  done: (error: Error | undefined, text?: string) => void,
): void {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) {
    done(tooLarge(Number(declared), maxBytes));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on("data", (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > maxBytes) {
      finished = true;
      req.pause();
      done(tooLarge(size, maxBytes));
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (finished) return;
    finished = true;
    done(
      undefined,
      chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"),
    );
  });
  req.on("error", (error) => {
    if (finished) return;
    finished = true;
    done(error);
  });
}

function tooLarge(size: number, max: number): HttpError {
  return new HttpError(
    413,
    serveErrorCodes.bodyTooLarge,
    `the request body is ${size} bytes or more: at most ${max} are accepted; split the batch`,
  );
}

/** Refuses a batch of `n` inputs when it is over the limit (422, MB6203). */
export function checkBatchSize(n: number, limits: ServeLimits, what: "inputs" | "rows"): void {
  if (n > limits.maxBatch) {
    throw new HttpError(
      422,
      serveErrorCodes.batchTooLarge,
      `the batch has ${n} ${what}: at most ${limits.maxBatch} are accepted in one request; split it`,
    );
  }
}

/** A deadline for one request; `check()` throws 503 (MB6204) once it has passed. */
export class Deadline {
  private readonly end: number;
  constructor(private readonly limitMs: number) {
    this.end = Date.now() + limitMs;
  }

  check(): void {
    if (Date.now() > this.end) {
      throw new HttpError(
        503,
        serveErrorCodes.timeLimit,
        `the request took longer than the server's limit of ${this.limitMs} ms; split the batch`,
        {},
        { "retry-after": "1" },
      );
    }
  }
}
