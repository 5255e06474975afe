/**
 * Helpers for the tests of `marginbook serve`: an HTTP caller that checks every answer against the
 * OpenAPI document (the schema of its route, method and status), folders of signed artifacts, and
 * the Binance worked example.
 */
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { request as httpRequest, Agent } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { openApiDocument } from "../../src/serve/openapi.js";
import { BINANCE } from "./worked-examples.js";

const DOC_ID = "https://marginbook.invalid/openapi.json";

/** The Binance worked example (rules/binance-btcusdt-perp.test.yaml): its input and expected outputs. */
export const binanceExample = BINANCE.input;
export const binanceExpected = BINANCE.expect;

/** One answer: status, headers, the raw text and the parsed JSON (undefined when not JSON). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Validates answers against the response schemas of the OpenAPI document, and records which were checked. */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly cache = new Map<string, ValidateFunction | undefined>();
  readonly doc = openApiDocument() as {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
    >;
  };
  /** `route method status` of every answer checked. */
  readonly seen = new Set<string>();

  constructor() {
    this.ajv.addSchema({ ...this.doc, $id: DOC_ID });
  }

  /** Throws when the answer's status is not documented for the route or its body does not fit. */
  check(route: string, method: string, answer: Answer): void {
    const operation = this.doc.paths[route]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${route} is not in the OpenAPI document`);
    const response = operation.responses[String(answer.status)];
    if (!response)
      throw new Error(
        `${method} ${route} answered ${answer.status}, which the OpenAPI document does not list: ${answer.text.slice(0, 300)}`,
      );
    this.seen.add(`${route} ${method} ${answer.status}`);
    const type = String(answer.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim();
    if (!response.content?.[type])
      throw new Error(
        `${method} ${route} ${answer.status} answered ${type}, which the document does not list`,
      );
    if (type !== "application/json") return;
    const pointer = `#/paths/${route.replace(/~/g, "~0").replace(/\//g, "~1")}/${method.toLowerCase()}/responses/${answer.status}/content/application~1json/schema`;
    let validate = this.cache.get(pointer);
    if (!this.cache.has(pointer))
      this.cache.set(pointer, (validate = this.ajv.getSchema(`${DOC_ID}${pointer}`)));
    if (!validate) throw new Error(`cannot compile the schema at ${pointer}`);
    if (!validate(answer.json))
      throw new Error(
        `${method} ${route} ${answer.status}: the body does not fit the OpenAPI schema: ${this.ajv.errorsText(validate.errors)}\n${answer.text.slice(0, 500)}`,
      );
  }
}

/** The route pattern of a path, as the OpenAPI document names it. */
export function routeOf(pathname: string): string {
  const plain = pathname.split("?")[0]!;
  if (/^\/v1\/rulebooks\/[^/]+\/evaluate$/.test(plain)) return "/v1/rulebooks/{name}/evaluate";
  if (/^\/v1\/rulebooks\/[^/]+$/.test(plain)) return "/v1/rulebooks/{name}";
  return plain;
}

/** A caller of one server with keep-alive connections; checks each answer with `checker` when given. */
export function caller(
  base: string,
  checker?: OpenApiChecker,
  agent = new Agent({ keepAlive: true, maxSockets: 16 }),
) {
  const call = (
    method: string,
    pathname: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = httpRequest(
        `${base}${pathname}`,
        {
          method,
          agent,
          headers: {
            ...(data !== undefined
              ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(data)) }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            const answer: Answer = { status: res.statusCode ?? 0, headers: res.headers, text, json };
            try {
              checker?.check(routeOf(pathname), method, answer);
            } catch (error) {
              reject(error);
              return;
            }
            resolve(answer);
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  return {
    agent,
    get: (pathname: string, headers?: Record<string, string>) => call("GET", pathname, undefined, headers),
    post: (pathname: string, body: unknown, headers?: Record<string, string>) =>
      call("POST", pathname, body, headers),
    call,
  };
}

/** A new empty folder under the system's temporary folder. */
export function tempFolder(prefix = "mb-serve-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Writes a file atomically (a hidden temporary file, then a rename), as a release job should. */
export function writeAtomic(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** The value of one sample of a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(match[4]);
  }
  return total;
}
