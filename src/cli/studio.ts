/**
 * `marginbook studio [folder] [--port N]`: the rulebook studio, a local web editor for the
 * rulebooks of one folder (see `src/studio/server.ts`). Runs until the process is stopped.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { startStudio } from "../studio/server.js";
import { UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `studio` command. */
export function studioCommand(): Command {
  return {
    name: "studio",
    summary: "open the rulebook studio (a local web editor) on a folder",
    usage: "Usage: marginbook studio [folder] [--port N]",
    description: [
      "Serves the studio on http://127.0.0.1:<port>/ for the .margin files of the folder (default",
      "rules/) and their .test.yaml files: live diagnostics, completion, hover, live preview with",
      "charts, and saving. Only this machine can connect. Stop it with Ctrl+C.",
      "",
      "--port 0 (the default) picks any free port; the address is printed.",
      "",
      "Exit codes: 2 usage error (unknown folder, bad port), 3 the server failed.",
    ].join("\n"),
    options: {
      port: { type: "string", valueName: "N", description: "the port to listen on (0: any free port)" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runStudio,
  };
}

async function runStudio(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError(`give one folder, not ${args.positionals.length}`, "studio");
  const folder = args.positionals[0] ?? "rules";
  const absolute = path.resolve(io.cwd, folder);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) throw new UsageError(`${folder} is not a folder`, "studio");
  const portText = typeof args.values["port"] === "string" ? args.values["port"] : "0";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not '${portText}'`, "studio");
  const studio = await startStudio({ folder: absolute, port, log: (line) => io.stderr(`marginbook studio: ${line}\n`) });
  io.stdout(`marginbook studio: ${folder} at ${studio.url}\n`);
  // Serve until the process is stopped: the open server keeps it alive.
  return new Promise<number>(() => undefined);
}
