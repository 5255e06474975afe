/**
 * The `marginbook` command line: global flags, the command table, and the one place that turns a
 * command's result (or a usage error) into an exit code.
 *
 * `runCli(argv, io)` is what tests call in-process; `main()` is what `bin/marginbook.js` calls, and
 * the only function here that touches `process`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { safeText } from "./terminal-text.js";
import {
  ExitCode,
  UsageError,
  commandHelp,
  nodeIo,
  parseCommandArgs,
  type CliIo,
  type Command,
} from "./io.js";

/**
 * One entry of the command table: the name and summary the global help lists, and how to load the
 * command. Each command's module is imported only when that command runs (or shows its help), so
 * `marginbook check` never loads the studio, the server, DuckDB or the verifier. The summary here is
 * the command's own (a test checks that they agree).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(version: string): Promise<Command>;
}

/**
 * The commands, in the order the global help lists them. Each command is a file exporting a
 * `Command` and one entry here; nothing else changes.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "check",
    summary: "check rulebooks and report every problem",
    load: async (v) => (await import("./check.js")).checkCommand(v),
  },
  {
    name: "fmt",
    summary: "format rulebooks in the canonical layout",
    load: async () => (await import("./fmt.js")).fmtCommand(),
  },
  {
    name: "eval",
    summary: "evaluate a rulebook on inputs, with an optional step-by-step explanation",
    load: async () => (await import("./eval.js")).evalCommand(),
  },
  {
    name: "test",
    summary: "run the test cases (<name>.test.yaml) of rulebooks",
    load: async () => (await import("./test.js")).testCommand(),
  },
  {
    name: "compile",
    summary: "compile a rulebook into an artifact that engines load",
    load: async (v) => (await import("./compile.js")).compileCommand(v),
  },
  {
    name: "keygen",
    summary: "create an Ed25519 key pair for signing artifacts",
    load: async () => (await import("./keygen.js")).keygenCommand(),
  },
  {
    name: "inspect",
    summary: "show what an artifact is and whether its signature holds",
    load: async () => (await import("./inspect.js")).inspectCommand(),
  },
  {
    name: "approve",
    summary: "sign an approval of a compiled artifact (four-eyes)",
    load: async () => (await import("./approve.js")).approveCommand(),
  },
  {
    name: "diff",
    summary: "what changed between two versions of a rulebook",
    load: async (v) => (await import("./diff.js")).diffCommand(v),
  },
  {
    name: "verify",
    summary: "prove rulebook properties (verify, assert), or find a counterexample",
    load: async () => (await import("./verify.js")).verifyCommand(),
  },
  {
    name: "batch",
    summary:
      "evaluate a rulebook over a Parquet, CSV or JSON Lines file (DuckDB, the runtime, or ClickHouse)",
    load: async () => (await import("./batch.js")).batchCommand(),
  },
  {
    name: "studio",
    summary: "open the rulebook studio (a local web editor) on a folder",
    load: async () => (await import("./studio.js")).studioCommand(),
  },
  {
    name: "serve",
    summary: "serve the rulebooks of an artifacts folder over HTTP (evaluation service)",
    load: async () => (await import("./serve.js")).serveCommand(),
  },
];

/**
 * The version of marginbook, read from the package.json above this module. The search walks up
 * because this file runs from `src/cli/` under tsx and vitest, and from `dist/src/cli/` when built.
 */
export function toolVersion(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(folder, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "marginbook" && pkg.version) return pkg.version;
    }
    const parent = path.dirname(folder);
    if (parent === folder) return "0.0.0";
    folder = parent;
  }
}

function globalHelp(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "marginbook: write, check and run margin rulebooks (.margin files)",
    "",
    "Usage: marginbook <command> [options]",
    "       marginbook <command> --help",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  -h, --help     show this help",
    "  -v, --version  print the version of marginbook",
    "",
  ].join("\n");
}

/**
 * Runs the CLI in-process. Never throws and never exits: it writes to `io` and resolves to the exit
 * code (0 ok, 1 problems found, 2 usage error, 3 a bug in marginbook).
 */
export async function runCli(argv: readonly string[], given: CliIo): Promise<number> {
  // The one place where text reaches the terminal: nothing read from a file or an input can carry
  // escape sequences or bidirectional controls through it.
  const io: CliIo = {
    ...given,
    stdout: (text) => given.stdout(safeText(text, given.color === true)),
    stderr: (text) => given.stderr(safeText(text, given.color === true)),
  };
  const version = toolVersion();
  try {
    return await dispatch(argv, io, COMMANDS, version);
  } catch (error) {
    if (error instanceof UsageError) {
      const hint = error.command ? `marginbook ${error.command} --help` : "marginbook --help";
      io.stderr(`marginbook: ${error.message}\n(see \`${hint}\`)\n`);
      return ExitCode.usage;
    }
    // Anything else is a bug in marginbook itself: say so, with the stack, for the bug report.
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`marginbook: internal error (this is a bug in marginbook, please report it)\n${detail}\n`);
    return ExitCode.internal;
  }
}

async function dispatch(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CommandEntry[],
  version: string,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(globalHelp(commands));
    return ExitCode.usage;
  }
  if (first.startsWith("-")) {
    const args = parseCommandArgs(argv, {
      help: { type: "boolean", short: "h", description: "show this help" },
      version: { type: "boolean", short: "v", description: "print the version" },
    });
    if (args.values["version"]) {
      io.stdout(`${version}\n`);
      return ExitCode.ok;
    }
    if (args.values["help"]) {
      io.stdout(globalHelp(commands));
      return ExitCode.ok;
    }
    throw new UsageError(`missing command before '${args.positionals[0] ?? ""}'`);
  }
  if (first === "help") return help(rest[0], io, commands, version);
  const entry = commands.find((c) => c.name === first);
  if (!entry)
    throw new UsageError(
      `unknown command '${first}': the commands are ${commands.map((c) => c.name).join(", ")}`,
    );
  const command = await entry.load(version);
  const args = parseCommandArgs(rest, command.options, command.name);
  if (args.values["help"]) {
    io.stdout(commandHelp(command));
    return ExitCode.ok;
  }
  return await command.run(args, io);
}

/** `marginbook help [command]`. */
async function help(
  name: string | undefined,
  io: CliIo,
  commands: readonly CommandEntry[],
  version: string,
): Promise<number> {
  if (name === undefined) {
    io.stdout(globalHelp(commands));
    return ExitCode.ok;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry)
    throw new UsageError(
      `unknown command '${name}': the commands are ${commands.map((c) => c.name).join(", ")}`,
    );
  io.stdout(commandHelp(await entry.load(version)));
  return ExitCode.ok;
}

/** The process entry point used by `bin/marginbook.js`: real streams, real exit code. */
export async function main(): Promise<void> {
  // `marginbook check rules/ | head` closes the pipe early: stop quietly instead of crashing.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? ExitCode.ok);
    throw error;
  });
  process.exitCode = await runCli(process.argv.slice(2), nodeIo());
}
