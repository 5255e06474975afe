/**
 * What `eval`, `compile`, `batch` and `test` share: turning one rulebook file into its IR through
 * the language service and the compiler, printing its diagnostics the way `check` does when it has
 * errors (and the SQL compiler's the same way); and reading input documents (YAML or JSON) from
 * files or standard input.
 */
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { renderText } from "../diagnostics/render.js";
import type { IrRulebook } from "../ir/ir.js";
import type { CompileOptions } from "../service/compile-rulebook.js";
import { yamlProblem } from "../service/yaml-problem.js";
import { createLanguageService, type SourceHost } from "../service/language-service.js";
import type { SqlDiagnostic } from "../sql/index.js";
import { summarize, summaryLine } from "./check.js";
import { displayPath, nodeSourceHost, readFailure, readText } from "./files.js";
import { duplicateKeys } from "./json-duplicates.js";
import { UsageError, type CliIo } from "./io.js";

/** A rulebook file compiled to its IR, or the rendered diagnostics that stopped it. */
export type CompiledFile =
  | {
      ok: true;
      file: string;
      source: string;
      ir: IrRulebook;
      warnings: Diagnostic[];
      sources: Map<string, string>;
    }
  | { ok: false; file: string; report: string };

/**
 * Checks and lowers one rulebook (a display path relative to `io.cwd`). A file with errors gives
 * the same report `marginbook check` prints, ending with its summary line.
 */
export function compileFile(
  file: string,
  io: CliIo,
  command: string,
  color = false,
  given?: { source: string; host?: (sources: Map<string, string>) => SourceHost },
  options: CompileOptions = {},
): CompiledFile {
  const sources = new Map<string, string>();
  const host = given?.host?.(sources) ?? nodeSourceHost(io.cwd, sources);
  let source: string;
  try {
    source = given?.source ?? readText(path.resolve(io.cwd, file));
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${readFailure(error)}`, command);
  }
  sources.set(file, source);
  const service = createLanguageService(host);
  service.open(file, source);
  const result = service.compile(file, options);
  if (!result.ok) {
    const report =
      renderText(result.diagnostics, sources, { color }) +
      summaryLine(summarize(result.diagnostics, 1)) +
      "\n";
    return { ok: false, file, report };
  }
  return { ok: true, file, source, ir: result.ir, warnings: result.diagnostics, sources };
}

/** The one rulebook file a command was given (a display path); usage errors otherwise. */
export function singleRulebook(positionals: readonly string[], io: CliIo, command: string): string {
  if (positionals.length === 0) throw new UsageError("missing rulebook: give the .margin file", command);
  if (positionals.length > 1)
    throw new UsageError(`one rulebook at a time: got ${positionals.join(", ")}`, command);
  const absolute = path.resolve(io.cwd, positionals[0]!);
  readOrRefuse(absolute, "rulebook", positionals[0]!, command);
  return displayPath(absolute, io.cwd);
}

/**
 * A file's text, or a usage error: "not found" when it does not exist, else why it cannot be read
 * (not a regular file, too large, not UTF-8).
 */
export function readOrRefuse(absolute: string, what: string, given: string, command: string): string {
  try {
    return readText(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`${what} not found: ${given}`, command);
    throw new UsageError(`cannot read ${what} ${given}: ${readFailure(error)}`, command);
  }
}

/** A parsed input document, or the problems that stop it (one message per problem). */
export type InputDocument =
  { ok: true; value: unknown; label: string } | { ok: false; label: string; problems: string[] };

/**
 * Reads an input document: `-` is standard input; `.json` files are parsed as JSON, anything else
 * as YAML (which also reads JSON). A missing file is a usage error; a malformed one is a problem.
 */
export async function readInputDocument(given: string, io: CliIo, command: string): Promise<InputDocument> {
  let text: string;
  let label: string;
  if (given === "-") {
    if (!io.readStdin) throw new UsageError("standard input is not available", command);
    text = await io.readStdin();
    label = "<stdin>";
  } else {
    const absolute = path.resolve(io.cwd, given);
    label = displayPath(absolute, io.cwd);
    text = readOrRefuse(absolute, "input file", given, command);
  }
  if (given.toLowerCase().endsWith(".json")) {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      return { ok: false, label, problems: [`${label}: not valid JSON: ${(error as Error).message}`] };
    }
    const repeated = duplicateKeys(text);
    if (repeated.length > 0)
      return {
        ok: false,
        label,
        problems: repeated.map(
          (d) =>
            `${label}:${d.line}:${d.column}: the key ${JSON.stringify(d.key)} is written twice in one object (JSON would keep only the last value): write it once`,
        ),
      };
    return { ok: true, value, label };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      label,
      problems: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return `${label}:${line}:${col}: not valid YAML: ${yamlProblem(e)}`;
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown, label };
  } catch (error) {
    return { ok: false, label, problems: [`${label}: ${(error as Error).message}`] };
  }
}

/** Renders SQL compile diagnostics the way `check` renders the others: `file:line: error CODE: message`. */
export function renderSqlDiagnostics(diagnostics: readonly SqlDiagnostic[]): string {
  return diagnostics
    .map((d) => `${d.file}:${d.line}: error ${d.code}: ${d.message}${d.help ? `\n  help: ${d.help}` : ""}\n`)
    .join("");
}
