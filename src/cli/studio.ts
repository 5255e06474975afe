/**
 * `marginbook studio [folder] [--port N]`: the rulebook studio, a local web editor for the
 * rulebooks of one folder (see `src/studio/server.ts`). Runs until the process is stopped.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { startStudio, type Studio } from "../studio/server.js";
import { UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `studio` command. */
export function studioCommand(): Command {
  return {
    name: "studio",
    summary: "open the rulebook studio (a local web editor) on a folder",
    usage: "Usage: marginbook studio [folder] [--port N] [--open]",
    description: [
      "Serves the studio on http://127.0.0.1:<port>/ for the .margin files of the folder (default",
      "rules/) and their .test.yaml files: live diagnostics, completion, hover, live preview with",
      "charts, and saving. Only this machine can connect. Stop it with Ctrl+C.",
      "",
      `Without --port the studio takes port ${DEFAULT_PORT} (so a saved link keeps working), or the next`,
      "free one when it is busy; --port N takes exactly N (0: any free port). The address is printed.",
      "--open also opens it in the default browser.",
      "",
      "Exit codes: 2 usage error (unknown folder, bad port), 3 the server failed.",
    ].join("\n"),
    options: {
      port: {
        type: "string",
        valueName: "N",
        description: `the port to listen on (default ${DEFAULT_PORT}, or the next free one; 0: any free port)`,
      },
      open: { type: "boolean", description: "open the studio in the default browser" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runStudio,
  };
}

async function runStudio(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 1)
    throw new UsageError(`give one folder, not ${args.positionals.length}`, "studio");
  const folder = args.positionals[0] ?? "rules";
  const absolute = path.resolve(io.cwd, folder);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory())
    throw new UsageError(`${folder} is not a folder`, "studio");
  const portText = typeof args.values["port"] === "string" ? args.values["port"] : undefined;
  const port = Number(portText);
  if (portText !== undefined && (!/^\d+$/.test(portText) || port > 65535))
    throw new UsageError(`--port must be a number from 0 to 65535, not '${portText}'`, "studio");
  const log = (line: string): void => io.stderr(`marginbook studio: ${line}\n`);
  const studio =
    portText !== undefined
      ? await startStudio({ folder: absolute, port, log })
      : await startOnStablePort(absolute, log);
  io.stdout(`marginbook studio: ${folder} at ${studio.url}\n`);
  if (args.values["open"] === true) openBrowser(studio.url, log);
  // Serve until the process is stopped: the open server keeps it alive.
  return new Promise<number>(() => undefined);
}

/** The studio's usual port: the same address on every start, so links and bookmarks keep working. */
export const DEFAULT_PORT = 4178;

/** Starts on `first` ({@link DEFAULT_PORT}), or the next of the 20 after it that is free, or any free port. */
export async function startOnStablePort(
  folder: string,
  log: (line: string) => void,
  first = DEFAULT_PORT,
): Promise<Studio> {
  for (let port = first; port < first + 20; port++) {
    try {
      const studio = await startStudio({ folder, port, log });
      if (port !== first) log(`port ${first} is busy: using ${port}`);
      return studio;
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
    }
  }
  log(`ports ${first} to ${first + 19} are busy: using any free port`);
  return startStudio({ folder, port: 0, log });
}

/** Opens `url` with the desktop's opener; a failure is a line on stderr, not an error. */
function openBrowser(url: string, log: (line: string) => void): void {
  const [command, ...args] =
    process.platform === "darwin"
      ? ["open", url]
      : process.platform === "win32"
        ? ["cmd", "/c", "start", "", url]
        : ["xdg-open", url];
  try {
    const child = spawn(command!, args, { stdio: "ignore", detached: true });
    child.on("error", () => log(`cannot open a browser (${command} failed): open ${url} yourself`));
    child.unref();
  } catch {
    log(`cannot open a browser: open ${url} yourself`);
  }
}
