/**
 * A typed client of `marginbook serve` (`import { MarginbookClient } from "marginbook/client"`).
 *
 * ```ts
 * const client = new MarginbookClient("http://127.0.0.1:8080", { token: process.env.MB_TOKEN });
 * const { outputs, rulebook } = await client.evaluate("BTCUSDT perpetual", input);
 * const batch = await client.evaluateBatch("BTCUSDT perpetual", inputs);       // one version for all
 * const cols = await client.evaluateColumns("BTCUSDT perpetual", { "position.size": sizes, ... });
 * ```
 *
 * It uses the platform's `fetch` (Node 20, browsers), which keeps connections alive. An answer
 * other than 2xx throws a {@link ServeClientError} carrying the HTTP status and the service's coded
 * error (for an invalid input: every problem, each with its path). Nothing here touches the file
 * system or imports Node modules.
 */
import type {
  ApiError,
  BatchResult,
  ColumnsResult,
  EvaluateOptions,
  EvaluateResult,
  Health,
  Readiness,
  RulebookDetail,
  RulebookList,
} from "./api-types.js";

export type * from "./api-types.js";

/** An answer other than 2xx: the HTTP status and the service's error. */
export class ServeClientError extends Error {
  override readonly name = "ServeClientError";
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(`${status} ${error.code}: ${error.message}`);
  }

  /** The code (`MB6001` invalid input, `MB6162` no such rulebook, `MB62xx` refused request). */
  get code(): string {
    return this.error.code;
  }
}

/** Options of a client. */
export interface ClientOptions {
  /** The bearer token, when the service was started with `--token`. */
  token?: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** A client of one service. */
export class MarginbookClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof fetch;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, "");
    this.headers = options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {};
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** `GET /health`. */
  health(): Promise<Health> {
    return this.get("/health");
  }

  /** `GET /ready`: `{ ready: false, ... }` while not ready (not an error). */
  async ready(): Promise<Readiness> {
    const response = await this.fetch(`${this.base}/ready`, { headers: this.headers });
    return (await response.json()) as Readiness;
  }

  /** `GET /v1/rulebooks`: every rulebook and version loaded. */
  rulebooks(): Promise<RulebookList> {
    return this.get("/v1/rulebooks");
  }

  /** `GET /v1/rulebooks/{name}`: the version in force (or at `at`, or `version`), its input schema and outputs. */
  rulebook(name: string, options: Pick<EvaluateOptions, "at" | "version"> = {}): Promise<RulebookDetail> {
    const query = new URLSearchParams();
    if (options.at !== undefined) query.set("at", options.at);
    if (options.version !== undefined) query.set("version", options.version);
    const text = query.toString();
    return this.get(`/v1/rulebooks/${encodeURIComponent(name)}${text ? `?${text}` : ""}`);
  }

  /** Evaluates one input. Throws {@link ServeClientError} (422, MB6001) for an invalid input. */
  evaluate(name: string, input: unknown, options: EvaluateOptions = {}): Promise<EvaluateResult> {
    return this.post(name, { input, ...options });
  }

  /** Evaluates a batch with one version; a failed input is reported in its place. */
  evaluateBatch(
    name: string,
    inputs: readonly unknown[],
    options: EvaluateOptions = {},
  ): Promise<BatchResult> {
    return this.post(name, { inputs, ...options });
  }

  /** Evaluates a columnar batch: one array per field path (`position.size`), all the same length. */
  evaluateColumns(
    name: string,
    columns: Record<string, ArrayLike<number | string | boolean>>,
    options: Omit<EvaluateOptions, "explain"> = {},
  ): Promise<ColumnsResult> {
    const plain = Object.fromEntries(
      Object.entries(columns).map(([path, column]) => [
        path,
        Array.isArray(column) ? column : Array.from(column),
      ]),
    );
    return this.post(name, { columns: plain, ...options });
  }

  /** `GET /metrics`: the Prometheus text. */
  async metrics(): Promise<string> {
    const response = await this.fetch(`${this.base}/metrics`, { headers: this.headers });
    if (!response.ok) throw await failure(response);
    return response.text();
  }

  private async get<T>(path: string): Promise<T> {
    const response = await this.fetch(`${this.base}${path}`, { headers: this.headers });
    if (!response.ok) throw await failure(response);
    return (await response.json()) as T;
  }

  private async post<T>(name: string, body: unknown): Promise<T> {
    const response = await this.fetch(`${this.base}/v1/rulebooks/${encodeURIComponent(name)}/evaluate`, {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await failure(response);
    return (await response.json()) as T;
  }
}

async function failure(response: Response): Promise<ServeClientError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: ApiError };
    if (body.error && typeof body.error.code === "string")
      return new ServeClientError(response.status, body.error);
  } catch {
    // not JSON: described below
  }
  return new ServeClientError(response.status, {
    code: `HTTP${response.status}`,
    message: text.slice(0, 200) || response.statusText,
  });
}
