/**
 * What a CLI command may use of the outside world, injected so that tests run commands in-process.
 *
 * Only the CLI touches the file system and `process`; within the CLI, `process` is touched only by
 * {@link nodeIo} and `main.ts`. Commands write through `io.stdout` / `io.stderr` and resolve paths
 * against `io.cwd`, never against `process.cwd()`.
 */
import { parseArgs } from "node:util";

/** The streams and working folder a command runs with. */
export interface CliIo {
  /** Writes text to standard output (the text carries its own newlines). */
  stdout(text: string): void;
  /** Writes text to standard error (the text carries its own newlines). */
  stderr(text: string): void;
  /** The folder relative paths are resolved against. */
  cwd: string;
  /** Whether standard output is a terminal that shows ANSI colours. Default: false. */
  color?: boolean;
  /** Whether standard error is a terminal (progress bars are redrawn in place). Default: false. */
  stderrIsTTY?: boolean;
  /** Reads all of standard input as text (for `--input -`); absent when there is none. */
  readStdin?: () => Promise<string>;
}

/**
 * A mistake in how the CLI was called (unknown flag, missing or unknown path): reported on stderr
 * as one clear line, never with a stack trace, and the process exits with code 2.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage was wrong, so the hint can name its `--help`. */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** Exit codes shared by every command. */
export const ExitCode = {
  /** Success: no errors (warnings are allowed). */
  ok: 0,
  /** The command ran and found problems (errors, files that need formatting). */
  problems: 1,
  /** The command was called wrongly. */
  usage: 2,
  /** A bug in marginbook itself. */
  internal: 3,
} as const;

/** The real process's streams, working folder and colour support. */
export function nodeIo(): CliIo {
  const colorAllowed = process.env["NO_COLOR"] === undefined || process.env["NO_COLOR"] === "";
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    color: colorAllowed && process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin)
        chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

/** One option a command accepts, with the text its `--help` shows. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** The placeholder of a string option's value in help, e.g. `text|json|sarif`. */
  valueName?: string;
  /** A string option that may be given several times: its value is then a `string[]`. */
  multiple?: boolean;
  description: string;
}

/** The parsed command line of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments with `node:util` `parseArgs` (strict: unknown flags are errors), and
 * turns parseArgs' own errors into short {@link UsageError}s.
 */
export function parseCommandArgs(
  argv: readonly string[],
  options: Record<string, OptionSpec>,
  command?: string,
): ParsedArgs {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  // A value that starts with `-` and a digit (`--top -1`) is the option's value, not an option:
  // joined to it, so that the option's own check says what is wrong with it.
  const shorts = new Map(
    Object.entries(config).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    const name = token.startsWith("--")
      ? token.slice(2)
      : token.length === 2
        ? shorts.get(token[1]!)
        : undefined;
    if (name !== undefined && config[name]?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(token.startsWith("--") ? `${token}=${next}` : `${token}${next}`);
      i++;
    } else args.push(token);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(describeParseError(error), command);
  }
  // parseArgs keeps the last of an option given twice: `--input a.yaml --input b.yaml` would
  // evaluate b alone without a word.
  const given = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option" || config[token.name]?.type !== "string" || config[token.name]?.multiple)
      continue;
    if (given.has(token.name))
      throw new UsageError(`option '--${token.name}' is given twice: give it once`, command);
    given.add(token.name);
  }
  return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option '${quoted ?? message}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return quoted ? `option '${quoted}' needs a value` : message;
    default:
      return message.split(". ")[0] ?? message;
  }
}

/** Formats an options table for `--help`, with `-h, --help` always last. */
export function formatOptions(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options)
    .filter(([name]) => name !== "help")
    .map(([name, spec]) => {
      const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? ` <${spec.valueName ?? "value"}>` : ""}`;
      return [flag, spec.description] as const;
    });
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`).join("\n");
}

/** `n thing` or `n things`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * A CLI command: its name, its help, the options it accepts, and what it does. `main.ts` keeps a
 * table of these; a new command (`eval`, `test`, `compile`, ...) is one new file exporting one
 * `Command`, plus one line in that table.
 */
export interface Command {
  name: string;
  /** One line for the global help. */
  summary: string;
  /** The usage line(s), e.g. `marginbook check <files or folders...> [options]`. */
  usage: string;
  /** What the command does and what its exit codes mean, shown under the usage in `--help`. */
  description: string;
  options: Record<string, OptionSpec>;
  /** Runs the command with its parsed arguments; resolves to the exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number> | number;
}

/** The `--help` text of a command. */
export function commandHelp(command: Command): string {
  return `${command.usage}\n\n${command.description}\n\nOptions:\n${formatOptions(command.options)}\n`;
}
