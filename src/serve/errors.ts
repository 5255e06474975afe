/**
 * Why the evaluation service refuses a request (MB62xx), and the HTTP status each refusal carries.
 *
 * The status tells a caller what to do: 400 fix the request (not JSON, wrong shape, a bad
 * parameter), 401 send the token, 404 no such route or rulebook, 413 send less, 422 fix the input
 * (the same per-field errors `marginbook eval` prints, code MB6001, or a runtime error MB60xx),
 * 503 try later or split the batch. A bad request never gets a 500: that is kept for bugs.
 */
import { messages } from "../semantics/catalog.js";
import type { ApiError } from "./api-types.js";

/** The codes of refused requests. Codes never change meaning once published. */
export const serveErrorCodes = {
  /** The body is not JSON, or not the shape the route takes (a field of the wrong type). */
  malformed: messages.malformedRequest.code,
  /** The body is larger than the server accepts. */
  bodyTooLarge: messages.bodyTooLarge.code,
  /** A batch has more inputs (or rows) than the server accepts. */
  batchTooLarge: messages.batchTooLarge.code,
  /** The request took longer than the server's time limit. */
  timeLimit: messages.timeLimit.code,
  /** The request has no valid bearer token. */
  unauthorized: messages.unauthorized.code,
  /** No such route, or a method the route does not take. */
  noRoute: messages.noRoute.code,
  /** The server has no rulebook loaded yet. */
  notReady: messages.notReady.code,
} as const;

/** A request refused with an HTTP status and a coded error body. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Partial<ApiError> = {},
    /** Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body of the answer. */
  body(): { error: ApiError } {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

/** A malformed request (400, MB6201). */
export function malformed(message: string): HttpError {
  return new HttpError(400, serveErrorCodes.malformed, message);
}
