/**
 * The evaluation service: an HTTP/1.1 server (node:http, keep-alive) over a rulebook registry.
 *
 * Routes (JSON unless noted; described in `openapi.ts`, served at `/v1/openapi.json`):
 * - `GET /health` (alive), `GET /ready` (503 until trusted versions are loaded),
 *   `GET /metrics` (Prometheus text);
 * - `GET /v1/rulebooks`, `GET /v1/rulebooks/{name}[?at=|?version=]`,
 *   `POST /v1/rulebooks/{name}/evaluate` (see `evaluate.ts`).
 *
 * The server never touches the file system: the registry it is given is its only source of
 * rulebooks, and no request names a file. With a token, every route but `/health` and `/ready`
 * needs `Authorization: Bearer <token>` (compared in constant time).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DecisionLogger, type DecisionRecord } from "../runtime/decision-log.js";
import type { Health, Readiness } from "./api-types.js";
import { HttpError, malformed, serveErrorCodes } from "./errors.js";
import { evaluateRequest, parseEnvelope, pickVersion, type ServeRegistry } from "./evaluate.js";
import { defaultServeLimits, readBody, type ServeLimits } from "./limits.js";
import { ServeMetrics } from "./metrics.js";
import { openApiDocument } from "./openapi.js";
import { describeRulebook, listRulebooks, loadedVersions } from "./rulebooks.js";

/** Options of {@link startServe}. */
export interface ServeOptions {
  registry: ServeRegistry;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, callers must send `Authorization: Bearer <token>`. */
  token?: string;
  limits?: Partial<ServeLimits>;
  /** The metrics to count into (default: new ones). Share them with the registry's event handler. */
  metrics?: ServeMetrics;
  /** Whether the service is ready (default: at least one version loaded). */
  ready?: () => boolean;
  /**
   * The decision log's sink (the registry's record format, `runtime/decision-log.ts`): one record
   * per evaluation, one per columnar request. `jsonLinesDecisionLog` appends them to a file.
   */
  decisionLog?: (record: DecisionRecord) => void;
  /** Called with a line for each notable event (a bug answered with 500). */
  log?: (line: string) => void;
}

/** A running service. */
export interface Service {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  metrics: ServeMetrics;
  server: Server;
  close(): Promise<void>;
}

type Route =
  | "/health"
  | "/ready"
  | "/metrics"
  | "/v1/openapi.json"
  | "/v1/rulebooks"
  | "/v1/rulebooks/{name}"
  | "/v1/rulebooks/{name}/evaluate"
  | "other";

interface Answer {
  status: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = "application/json; charset=utf-8";
const PREFIX = "/v1/rulebooks/";
const EVALUATE = "/evaluate";

/** Starts the service; resolves once it listens. */
export async function startServe(options: ServeOptions): Promise<Service> {
  const limits: ServeLimits = { ...defaultServeLimits, ...options.limits };
  const metrics = options.metrics ?? new ServeMetrics();
  const handler = serveHandler(options, limits, metrics);
  const server = createServer(
    {
      keepAlive: true,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.requestTimeoutMs, 20_000),
    },
    handler,
  );
  server.keepAliveTimeout = limits.keepAliveMs;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    metrics,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request handler (exported for tests that mount it on their own server). */
export function serveHandler(
  options: ServeOptions,
  limits: ServeLimits,
  metrics: ServeMetrics,
): (req: IncomingMessage, res: ServerResponse) => void {
  const registry = options.registry;
  const ready = options.ready ?? (() => registry.names().length > 0);
  const tokenDigest = options.token !== undefined ? digest(options.token) : undefined;
  const started = Date.now();
  const openapi = JSON.stringify(openApiDocument());
  const decisions = options.decisionLog ? new DecisionLogger(options.decisionLog) : undefined;

  const authorize = (req: IncomingMessage): void => {
    if (tokenDigest === undefined) return;
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), tokenDigest)) {
      throw new HttpError(
        401,
        serveErrorCodes.unauthorized,
        match
          ? "the bearer token is not valid"
          : "this service needs a bearer token: send `Authorization: Bearer <token>`",
        {},
        { "www-authenticate": 'Bearer realm="marginbook"' },
      );
    }
  };

  /**
   * Answers a request whose route needs no body, or returns the function that answers it from
   * its body (the evaluate route); throws an {@link HttpError} to refuse it.
   */
  const route = (
    req: IncomingMessage,
    route: Route,
    name: string | undefined,
    query: string,
  ): Answer | ((body: string) => Answer) => {
    const method = req.method ?? "GET";
    const only = (allowed: string): void => {
      if (method !== allowed && !(allowed === "GET" && method === "HEAD")) {
        throw new HttpError(
          405,
          serveErrorCodes.noRoute,
          `${route} takes ${allowed}, not ${method}`,
          {},
          { allow: allowed === "GET" ? "GET, HEAD" : allowed },
        );
      }
    };
    switch (route) {
      case "/health": {
        only("GET");
        const body: Health = { status: "ok", uptimeSeconds: (Date.now() - started) / 1000 };
        return { status: 200, body: JSON.stringify(body) };
      }
      case "/ready": {
        only("GET");
        const names = registry.names();
        const versions = names.reduce((n, name) => n + registry.versions(name).length, 0);
        const ok = ready();
        const body: Readiness = {
          ready: ok,
          rulebooks: names.length,
          versions,
          ...(ok
            ? {}
            : {
                reason:
                  names.length === 0
                    ? "no trusted rulebook version is loaded yet"
                    : "the first load of the artifacts folder has not finished",
              }),
        };
        return { status: ok ? 200 : 503, body: JSON.stringify(body) };
      }
      case "/metrics":
        only("GET");
        authorize(req);
        return {
          status: 200,
          body: metrics.render(loadedVersions(registry), ready()),
          type: "text/plain; version=0.0.4; charset=utf-8",
        };
      case "/v1/openapi.json":
        only("GET");
        return { status: 200, body: openapi };
      case "/v1/rulebooks":
        only("GET");
        authorize(req);
        return { status: 200, body: JSON.stringify(listRulebooks(registry)) };
      case "/v1/rulebooks/{name}": {
        only("GET");
        authorize(req);
        const params = new URLSearchParams(query);
        const at = params.get("at") ?? undefined;
        const version = params.get("version") ?? undefined;
        if (at !== undefined && !Number.isFinite(Date.parse(at)))
          throw malformed(
            `"at" must be an ISO 8601 timestamp such as 2026-03-01T00:00:00Z, not ${JSON.stringify(at)}`,
          );
        if (at !== undefined && version !== undefined) throw malformed(`give "at" or "version", not both`);
        return {
          status: 200,
          body: JSON.stringify(
            describeRulebook(registry, name!, {
              ...(at !== undefined ? { at } : {}),
              ...(version !== undefined ? { version } : {}),
            }),
          ),
        };
      }
      case "/v1/rulebooks/{name}/evaluate": {
        only("POST");
        authorize(req);
        const type = req.headers["content-type"];
        if (type !== undefined && !/^application\/json\b/i.test(type))
          throw new HttpError(
            415,
            serveErrorCodes.malformed,
            `the request body must be JSON (content-type application/json), not ${type}`,
          );
        return (text) => {
          const envelope = parseEnvelope(text, limits);
          let version;
          try {
            version = pickVersion(registry, name!, envelope);
          } catch (error) {
            // Nothing found because nothing is loaded yet: say so (503), rather than "no such rulebook".
            if (!ready() && registry.names().length === 0)
              throw new HttpError(
                503,
                serveErrorCodes.notReady,
                "no rulebook is loaded yet",
                {},
                { "retry-after": "1" },
              );
            throw error;
          }
          return { status: 200, body: evaluateRequest(version, envelope, limits, metrics, decisions) };
        };
      }
      default:
        throw new HttpError(
          404,
          serveErrorCodes.noRoute,
          `no route ${method} ${req.url ?? ""}: see /v1/openapi.json for the API`,
        );
    }
  };

  return (req, res) => {
    const start = performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q + 1);
    let name: string | undefined;
    let pattern: Route;
    try {
      [pattern, name] = match(pathname);
    } catch (error) {
      pattern = "other";
      finish(req, res, pattern, start, failure(error, metrics, options.log));
      return;
    }
    let routed: ReturnType<typeof route>;
    try {
      routed = route(req, pattern, name, query);
    } catch (error) {
      finish(req, res, pattern, start, failure(error, metrics, options.log));
      return;
    }
    if (typeof routed !== "function") {
      finish(req, res, pattern, start, routed);
      return;
    }
    // Callbacks, not promises: this is the hot path, and each promise costs about a microsecond.
    const answerFrom = routed;
    readBody(req, limits.maxBodyBytes, (error, text) => {
      let answer: Answer;
      try {
        if (error !== undefined)
          throw error instanceof HttpError
            ? error
            : malformed(`the request body could not be read: ${error.message}`);
        answer = answerFrom(text!);
      } catch (refusal) {
        answer = failure(refusal, metrics, options.log);
      }
      finish(req, res, pattern, start, answer);
    });
  };

  function finish(
    req: IncomingMessage,
    res: ServerResponse,
    pattern: Route,
    start: number,
    answer: Answer,
  ): void {
    const headers: Record<string, string | number> = {
      "content-type": answer.type ?? JSON_TYPE,
      "content-length": Buffer.byteLength(answer.body),
      ...answer.headers,
    };
    // After a refused body (413) the rest of it is never read: close the connection.
    if (answer.status === 413 || !req.complete) headers["connection"] = "close";
    res.writeHead(answer.status, headers);
    res.end(req.method === "HEAD" ? undefined : answer.body);
    metrics.request(pattern, req.method ?? "GET", answer.status, (performance.now() - start) / 1000);
  }
}

/** Rulebook names as they appear in paths, decoded. */
const decoded = new Map<string, string>();

/** The route of a path, with the rulebook name it carries (URL-decoded). */
function match(pathname: string): [Route, string | undefined] {
  if (pathname.startsWith(PREFIX)) {
    const evaluate = pathname.endsWith(EVALUATE);
    const raw = pathname.slice(PREFIX.length, evaluate ? -EVALUATE.length : undefined);
    if (raw === "" || raw.includes("/")) return ["other", undefined];
    let name = decoded.get(raw);
    if (name === undefined) {
      try {
        name = decodeURIComponent(raw);
      } catch {
        throw malformed(`the rulebook name in the path is not valid percent-encoding: ${raw}`);
      }
      if (decoded.size >= 256) decoded.clear(); // a small cache: callers use a handful of names
      decoded.set(raw, name);
    }
    return [evaluate ? "/v1/rulebooks/{name}/evaluate" : "/v1/rulebooks/{name}", name];
  }
  switch (pathname) {
    case "/health":
    case "/ready":
    case "/metrics":
    case "/v1/openapi.json":
    case "/v1/rulebooks":
      return [pathname, undefined];
    default:
      return ["other", undefined];
  }
}

/** The answer to a refused request; anything but an {@link HttpError} is a bug: 500, and logged. */
function failure(error: unknown, metrics: ServeMetrics, log?: (line: string) => void): Answer {
  if (error instanceof HttpError) {
    metrics.error(error.code);
    return { status: error.status, body: JSON.stringify(error.body()), headers: error.headers };
  }
  log?.(
    `internal error (a bug in marginbook): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  metrics.error("internal");
  return {
    status: 500,
    body: JSON.stringify({
      error: { code: "internal", message: "internal error: this is a bug in marginbook" },
    }),
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
