/**
 * `marginbook serve <artifacts-folder>`: the evaluation service (see `src/serve/server.ts`) over a
 * `FolderRegistry` (`marginbook/runtime/node`) that loads and watches the folder. This file is the
 * adapter: it reads the flags and the keys, builds the registry (trust, approvals), logs and
 * counts what happens to each artifact (loaded, refused, withdrawn), opens the decision log, and
 * starts the server. Runs until the process is stopped.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { DecisionRecord } from "../runtime/decision-log.js";
import { FolderRegistry, jsonLinesDecisionLog } from "../runtime/node.js";
import type { RegistryEvent } from "../runtime/registry.js";
import { trustedKey, type TrustedKey } from "../runtime/signature.js";
import { ServeMetrics } from "../serve/metrics.js";
import { startServe, type Service } from "../serve/server.js";
import { defaultServeLimits, type ServeLimits } from "../serve/limits.js";
import { displayPath } from "./files.js";
import { UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `serve` command. */
export function serveCommand(): Command {
  return {
    name: "serve",
    summary: "serve the rulebooks of an artifacts folder over HTTP (evaluation service)",
    usage:
      "Usage: marginbook serve <artifacts-folder> [--port N] [--host 127.0.0.1] [--trust key.pub]... [options]",
    description: [
      "Loads every signed artifact (*.json) of the folder into a registry, watches the folder (a new",
      "version is swapped in without downtime, a bad artifact is refused and the last good version",
      "keeps serving, a removed file or an entry of withdrawn.json withdraws its version), and serves",
      "the HTTP API described in docs/serve.md and at /v1/openapi.json. Listens on 127.0.0.1 unless",
      "--host says otherwise.",
      "",
      "Refuses to start without a --trust key, unless --insecure-unsigned is given. With --approvals N,",
      "a version loads once N approvals (*.approval.json beside it, written by `marginbook approve`)",
      "from distinct keys other than its signer's are in the folder.",
      "",
      "Exit codes: 2 usage error (unknown folder, bad port, unreadable key), 3 the server failed.",
    ].join("\n"),
    options: {
      port: {
        type: "string",
        valueName: "N",
        description: "the port to listen on (default 8080; 0: any free port)",
      },
      host: {
        type: "string",
        valueName: "address",
        description: "the address to listen on (default 127.0.0.1)",
      },
      trust: {
        type: "string",
        multiple: true,
        valueName: "key.pub",
        description: "a trusted public key (repeatable)",
      },
      approvals: {
        type: "string",
        valueName: "N",
        description:
          "approvals (*.approval.json) from distinct keys, not the signer's, each version needs (default 0)",
      },
      approver: {
        type: "string",
        multiple: true,
        valueName: "key.pub",
        description: "a key whose approvals count (repeatable; default: the --trust keys)",
      },
      "insecure-unsigned": { type: "boolean", description: "accept unsigned artifacts (development only)" },
      token: {
        type: "string",
        valueName: "text",
        description: "callers must send Authorization: Bearer <text>",
      },
      "token-file": {
        type: "string",
        valueName: "file",
        description: "like --token, read from a file (keeps it out of the process list)",
      },
      "decision-log": {
        type: "string",
        valueName: "file",
        description:
          "append one JSON line per evaluation to the file (time, version, IR hash, input hash, outputs)",
      },
      "reload-interval": {
        type: "string",
        valueName: "ms",
        description: "how often the folder is checked for changes (default 1000)",
      },
      "max-body": {
        type: "string",
        valueName: "bytes",
        description: `largest request body (default ${defaultServeLimits.maxBodyBytes})`,
      },
      "max-batch": {
        type: "string",
        valueName: "N",
        description: `most inputs or rows in one request (default ${defaultServeLimits.maxBatch})`,
      },
      "time-limit": {
        type: "string",
        valueName: "ms",
        description: `most time to evaluate one request (default ${defaultServeLimits.timeLimitMs})`,
      },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runServe,
  };
}

function integer(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = args.values[name];
  if (value === undefined) return fallback;
  const text = String(value);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`, "serve");
  return n;
}

function readKeys(files: readonly string[], io: CliIo): TrustedKey[] {
  return files.map((file) => {
    const absolute = path.resolve(io.cwd, file);
    let pem: string;
    try {
      pem = readFileSync(absolute, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read the trusted key ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        "serve",
      );
    }
    try {
      return trustedKey(pem, path.basename(file));
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), "serve");
    }
  });
}

function readToken(args: ParsedArgs, io: CliIo): string | undefined {
  const inline = args.values["token"];
  const file = args.values["token-file"];
  if (inline !== undefined && file !== undefined)
    throw new UsageError("give --token or --token-file, not both", "serve");
  if (typeof inline === "string") {
    if (inline.trim() === "") throw new UsageError("--token is empty", "serve");
    return inline.trim();
  }
  if (typeof file !== "string") return undefined;
  let text: string;
  try {
    text = readFileSync(path.resolve(io.cwd, file), "utf8").trim();
  } catch (error) {
    throw new UsageError(
      `cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "serve",
    );
  }
  if (text === "") throw new UsageError(`the token file ${file} is empty`, "serve");
  return text;
}

async function runServe(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length !== 1) throw new UsageError("give one artifacts folder", "serve");
  const folderArg = args.positionals[0]!;
  const folder = path.resolve(io.cwd, folderArg);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`${folderArg} is not a folder`, "serve");
  const port = integer(args, "port", 8080, 0, 65535);
  const host = typeof args.values["host"] === "string" ? args.values["host"] : "127.0.0.1";
  const trusted = readKeys((args.values["trust"] as string[] | undefined) ?? [], io);
  const insecure = args.values["insecure-unsigned"] === true;
  if (trusted.length === 0 && !insecure)
    throw new UsageError(
      "no trusted key: give --trust <key.pub> (or --insecure-unsigned to accept unsigned artifacts, for development only)",
      "serve",
    );
  const approvals = integer(args, "approvals", 0, 0, 16);
  const approvers = readKeys((args.values["approver"] as string[] | undefined) ?? [], io);
  if (approvers.length > 0 && approvals === 0)
    throw new UsageError(
      "--approver is given but --approvals is 0: say how many approvals each version needs",
      "serve",
    );
  const approverCount = approvers.length > 0 ? approvers.length : trusted.length;
  if (approvals > approverCount)
    throw new UsageError(
      `--approvals ${approvals} needs at least ${approvals} approver keys (--approver, or else the --trust keys), not ${approverCount}`,
      "serve",
    );
  const decisionLogFile = args.values["decision-log"];
  let decisionLog: ((record: DecisionRecord) => void) | undefined;
  if (typeof decisionLogFile === "string") {
    try {
      decisionLog = jsonLinesDecisionLog(path.resolve(io.cwd, decisionLogFile));
    } catch (error) {
      throw new UsageError(
        `cannot open the decision log ${decisionLogFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        "serve",
      );
    }
  }
  const token = readToken(args, io);
  const interval = integer(args, "reload-interval", 1000, 10, 3_600_000);
  const limits: Partial<ServeLimits> = {
    maxBodyBytes: integer(args, "max-body", defaultServeLimits.maxBodyBytes, 1024),
    maxBatch: integer(args, "max-batch", defaultServeLimits.maxBatch, 1),
    timeLimitMs: integer(args, "time-limit", defaultServeLimits.timeLimitMs, 1),
  };

  const log = (line: string): void => io.stderr(`marginbook serve: ${line}\n`);
  let running: FolderService;
  try {
    running = await startFolderService({
      folder,
      trusted,
      allowUnsigned: insecure,
      host,
      port,
      limits,
      intervalMs: interval,
      log,
      cwd: io.cwd,
      ...(approvals > 0
        ? { approvals: { required: approvals, ...(approvers.length > 0 ? { keys: approvers } : {}) } }
        : {}),
      ...(decisionLog ? { decisionLog } : {}),
      ...(token !== undefined ? { token } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new UsageError(
        `port ${port} on ${host} is in use: choose another --port (0 picks a free one)`,
        "serve",
      );
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EACCES")
      throw new UsageError(`cannot listen on ${host}:${port} (${code})`, "serve");
    throw error;
  }
  const { service, registry } = running;
  const versions = registry.names().reduce((n, name) => n + registry.versions(name).length, 0);
  io.stdout(
    `marginbook serve: ${folderArg} at ${service.url} (${versions} version${versions === 1 ? "" : "s"} loaded${versions === 0 ? ": not ready" : ""})\n`,
  );
  // Serve until the process is stopped: the open server keeps it alive.
  return new Promise<number>(() => undefined);
}

/** Options of {@link startFolderService}. */
export interface FolderServiceOptions {
  folder: string;
  trusted: readonly TrustedKey[];
  allowUnsigned?: boolean;
  /** Approvals each version needs (`*.approval.json` files in the folder), and from which keys. */
  approvals?: { required: number; keys?: readonly TrustedKey[] };
  /** The decision log's sink: one record per evaluation. */
  decisionLog?: (record: DecisionRecord) => void;
  host?: string;
  port?: number;
  token?: string;
  limits?: Partial<ServeLimits>;
  /** How often the folder is checked (default 1,000 ms). */
  intervalMs?: number;
  log: (line: string) => void;
  /** Paths in log lines are shown relative to this folder. */
  cwd: string;
}

/** A running service over a watched folder. */
export interface FolderService {
  service: Service;
  registry: FolderRegistry;
  metrics: ServeMetrics;
  /** Stops watching and closes the server. */
  stop(): Promise<void>;
}

/**
 * Loads the folder into a registry (waiting for the first round), watches it, and starts the
 * server: what `marginbook serve` runs, exported for the tests that run it in-process.
 */
export async function startFolderService(options: FolderServiceOptions): Promise<FolderService> {
  const { log } = options;
  const show = (file: string): string => displayPath(file, options.cwd);
  const metrics = new ServeMetrics();
  /** Refusals already logged through the registry's events (the folder report repeats them). */
  const announced = new WeakSet<object>();
  const registry = new FolderRegistry({
    trustedKeys: options.trusted,
    allowUnsigned: options.allowUnsigned === true,
    ...(options.approvals ? { approvals: options.approvals } : {}),
    onEvent: (event: RegistryEvent) => {
      if (event.kind === "loaded") {
        metrics.reloaded(event.version.name);
        const approved =
          event.version.approvals.length > 0
            ? `, approved by ${event.version.approvals.map((a) => a.trustedAs).join(", ")}`
            : "";
        log(
          `loaded ${event.version.name} ${event.version.version} (${event.version.irHash.slice(0, 19)}..., effective ${event.version.effective}${approved}) from ${show(event.version.origin)}`,
        );
      } else if (event.kind === "refused") {
        announced.add(event.error);
        metrics.refused(event.error.code);
        log(
          `refused ${event.error.code}: ${event.error.message.split(event.origin).join(show(event.origin))}`,
        );
      } else if (event.kind === "withdrawn") {
        metrics.withdrawn(event.tombstone.name);
        log(`withdrew ${event.tombstone.name} ${event.tombstone.version}: ${event.tombstone.reason}`);
      }
    },
  });
  if (options.allowUnsigned === true) log("warning: --insecure-unsigned: unsigned artifacts are accepted");
  let firstLoad = false;
  const watcher = registry.watchFolder(options.folder, {
    intervalMs: options.intervalMs ?? 1000,
    // Files refused before they reach the registry (too large, unreadable, a broken approval).
    onReport: (report) => {
      for (const { file, error } of report.refused) {
        if (announced.has(error)) continue;
        announced.add(error);
        metrics.refused(error.code);
        log(`refused ${error.code}: ${error.message.split(file).join(show(file))}`);
      }
    },
    onError: (error: unknown) =>
      log(`cannot read ${show(options.folder)}: ${error instanceof Error ? error.message : String(error)}`),
  });
  await watcher.ready;
  firstLoad = true;
  let service: Service;
  try {
    service = await startServe({
      registry,
      metrics,
      log,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.decisionLog !== undefined ? { decisionLog: options.decisionLog } : {}),
      ready: () => firstLoad && registry.names().length > 0,
    });
  } catch (error) {
    watcher.stop();
    throw error;
  }
  return {
    service,
    registry,
    metrics,
    stop: async () => {
      watcher.stop();
      await service.close();
    },
  };
}
