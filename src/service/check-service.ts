/**
 * The checking half of the language service: a store of open documents over a {@link SourceHost}
 * and cached, incremental checks of them. It loads only the parser and the checker, so a host that
 * only checks (`marginbook check`) starts without the compiler, the interpreter, the verifier or
 * the editor features; {@link createLanguageService} builds every other question on top of it.
 */
import { checkRulebook, type CheckResult, type SourceHost } from "./check-rulebook.js";
import { IncrementalChecker, type IncrementalStats } from "./incremental.js";

/** The document store and the checks: what every host needs. Paths are the host's. */
export interface CheckService {
  readonly host: SourceHost;
  /** Opens a document, or replaces its text: it hides the host's file of the same path. */
  open(file: string, text: string): void;
  /** Closes a document: the host's file of that path is read again. */
  close(file: string): void;
  /** The host's files changed (outside the open documents): forget every cached check. */
  invalidate(): void;
  /** The text of a file: the open document's, else the host's; undefined when neither has it. */
  text(file: string): string | undefined;
  /** Parses and checks a rulebook and the bases it extends. */
  check(file: string): CheckResult;
  /** How the last check of `file` went (chunks parsed again, for the editor's status line). */
  stats(file: string): IncrementalStats;
}

/** A check service plus what the language service builds on: the host seen through open documents. */
export interface CheckServiceCore extends CheckService {
  /** Reads open documents first, then the host's files (bases of `extends` go through it too). */
  readonly reader: SourceHost;
  /** The text of `file` (open document or host file); throws when there is none. */
  textOf(file: string): string;
}

/** How a check service checks. */
export interface CheckServiceOptions {
  /**
   * Check each document incrementally, reusing the parses of its unchanged declarations from one
   * version to the next (the default: the editor, the studio). `false` parses every check whole,
   * which is faster for a document checked once (`marginbook check`): no chunks to cut and join.
   * The diagnostics are the same either way.
   */
  incremental?: boolean;
}

/** Creates a check service over `host`. */
export function createCheckService(host: SourceHost, options: CheckServiceOptions = {}): CheckServiceCore {
  const incremental = options.incremental !== false;
  const documents = new Map<string, string>();
  const checkers = new Map<string, IncrementalChecker>();
  /** The last check of each file, valid while no document changes (bases may be documents). */
  const checks = new Map<string, { text: string; result: CheckResult }>();

  const reader: SourceHost = {
    resolve: (from, target) => host.resolve(from, target),
    readFile: (file) => documents.get(file) ?? host.readFile(file),
    ...(host.refusal ? { refusal: (file: string) => host.refusal!(file) } : {}),
  };

  function textOf(file: string): string {
    const text = reader.readFile(file);
    if (text === undefined) throw new Error(`the language service has no document ${file}`);
    return text;
  }

  function check(file: string): CheckResult {
    const text = textOf(file);
    const cached = checks.get(file);
    if (cached && cached.text === text) return cached.result;
    if (!incremental) {
      const result = checkRulebook(text, file, reader);
      checks.set(file, { text, result });
      return result;
    }
    let checker = checkers.get(file);
    if (!checker) checkers.set(file, (checker = new IncrementalChecker()));
    const result = checker.check(text, file, reader);
    checks.set(file, { text, result });
    return result;
  }

  return {
    host,
    reader,
    textOf,
    open(file, text) {
      if (documents.get(file) === text) return;
      documents.set(file, text);
      checks.clear();
    },
    close(file) {
      documents.delete(file);
      checkers.delete(file);
      checks.clear();
    },
    invalidate: () => checks.clear(),
    text: (file) => reader.readFile(file),
    stats: (file) => checkers.get(file)?.stats ?? { chunks: 1, parsed: 1, wholeFile: true },
    check,
  };
}
