/**
 * Incremental checking for the editor: the same result as {@link checkRulebook}, faster on each
 * keystroke, because only the declarations that changed are parsed again.
 *
 * Parsing is most of the cost of a check (about 90% on a 2,000-line rulebook), and an edit touches
 * one declaration. So the source is cut into chunks at the lines that begin with a declaration
 * keyword (`param`, `tiers`, `rule`, ...; the comments and blank lines just above go with it, so
 * `///` docs stay with their declaration). Each chunk is parsed alone by the ordinary
 * `parseRulebook`, cached by its text; the chunk trees are copied with their offsets shifted into
 * one tree, which the ordinary checker checks whole.
 *
 * Why the result is the same as parsing the whole file: when every chunk parses cleanly, the file
 * is a sequence of complete declarations, and a declaration cannot run on into the next one
 * (declaration keywords are reserved), so the whole-file parser reads the same declarations. A
 * chunk with syntax errors is different: the whole-file parser would report its last error at the
 * next declaration's first token and resynchronise there (or not). So a chunk with errors is
 * parsed together with the chunk after it, and the group grows until the parser is visibly back in
 * step: a top-level declaration starts at the last chunk's keyword and nothing after that keyword
 * is an error. Past three chunks, and in the cases not covered here (`extends`, a `///` comment
 * that documents something in another chunk, very large files), the whole file is parsed again.
 * A test compares both ways on every bundled rulebook and on random edits of them.
 */
import type * as A from "../syntax/ast.js";
import { checkAst } from "../check/checker.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parseRulebook, type ParseResult } from "../syntax/parse.js";
import { checkRulebook, type CheckResult, type SourceHost } from "./check-rulebook.js";

/** The keywords that begin a top-level declaration. */
const DECLARATION_START =
  /^[ \t]*(?:enum|record|input|param|override|tiers|let|rule|output|assert|scenarios)(?![A-Za-z0-9_])/;
/** Beyond these, the whole file is parsed in one go (limits are per file). */
const MAX_GROUP = 3;
const MAX_CHUNKS = 5_000;
const MAX_CHUNKED_ERRORS = 50;

/** A chunk of source: `[start, end)`, and where its declaration keyword is (-1 for the header chunk). */
interface Chunk {
  start: number;
  end: number;
  keyword: number;
}

/** How the last check was done, for benchmarks and tests. */
export interface IncrementalStats {
  chunks: number;
  /** Chunks (or groups of chunks) parsed this time; the rest came from the cache. */
  parsed: number;
  /** True when the whole file was parsed in one go. */
  wholeFile: boolean;
}

/** Checks successive versions of one document, reusing the parses of unchanged declarations. */
export class IncrementalChecker {
  private cache = new Map<string, ParseResult>();
  stats: IncrementalStats = { chunks: 0, parsed: 0, wholeFile: true };

  /** Checks `source` exactly as `checkRulebook(source, file, host)` would. */
  check(source: string, file: string, host?: SourceHost): CheckResult {
    // A rulebook that extends or imports another is checked whole (its other files need the host,
    // and reading `ns.name` rewrites its tree).
    if (/\b(extends|import)\b/.test(source)) return this.whole(source, file, host);
    const parsed = this.parse(source, file);
    if (!parsed) return this.whole(source, file, host);
    const partial = parsed.diagnostics.some((d) => d.severity === "error");
    const checked = checkAst(parsed.ast, file, undefined, partial);
    const diagnostics = sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]);
    return { file, ast: parsed.ast, diagnostics, checked, sources: new Map([[file, source]]), imports: [] };
  }

  private whole(source: string, file: string, host?: SourceHost): CheckResult {
    this.stats = { chunks: 1, parsed: 1, wholeFile: true };
    return checkRulebook(source, file, host);
  }

  /** The parse of the whole source, assembled from chunks; undefined when it must be done whole. */
  parse(source: string, file: string): ParseResult | undefined {
    const chunks = splitChunks(source);
    if (chunks.length > MAX_CHUNKS) return undefined;
    const next = new Map<string, ParseResult>();
    let parsedCount = 0;
    const parseText = (text: string): ParseResult => {
      const key = file + "\u0000" + text;
      let result = next.get(key) ?? this.cache.get(key);
      if (!result) {
        result = parseRulebook(text, file);
        parsedCount++;
      }
      next.set(key, result);
      return result;
    };
    const declarations: A.Declaration[] = [];
    const comments: A.Comment[] = [];
    const diagnostics: Diagnostic[] = [];
    let header: A.Header | undefined;
    for (let i = 0; i < chunks.length;) {
      const group = this.group(source, chunks, i, parseText);
      if (!group) return undefined;
      const { result, last } = group;
      // A `///` comment after a chunk's last declaration documents whatever comes next, maybe in
      // another chunk (even across the header): leave that rare case to the whole-file parse.
      if (danglingDocComment(result.ast)) return undefined;
      const offset = chunks[i]!.start;
      const ast = shifted(result.ast, offset);
      if (i === 0) header = ast.header;
      // One by one: a spread of 200,000 comments into `push` overflows the stack.
      for (const d of ast.declarations) declarations.push(d);
      for (const c of ast.comments) comments.push(c);
      for (const d of shifted(result.diagnostics, offset)) diagnostics.push(d);
      i = last + 1;
    }
    if (diagnostics.length > MAX_CHUNKED_ERRORS) return undefined;
    this.cache = next;
    this.stats = { chunks: chunks.length, parsed: parsedCount, wholeFile: false };
    return {
      ast: { kind: "Rulebook", span: { start: 0, end: source.length }, header, declarations, comments },
      diagnostics,
    };
  }

  /** Parses chunk `first`, joined with the next ones while it has errors (see the file comment). */
  private group(
    source: string,
    chunks: Chunk[],
    first: number,
    parseText: (text: string) => ParseResult,
  ): { result: ParseResult; last: number } | undefined {
    const start = chunks[first]!.start;
    for (let last = first; last < first + MAX_GROUP; last++) {
      const result = parseText(source.slice(start, chunks[last]!.end));
      if (result.diagnostics.length === 0 || last === chunks.length - 1) return { result, last };
      if (last > first && inStep(result, chunks[last]!, start)) return { result, last };
    }
    return undefined;
  }
}

/**
 * Whether a group's parse is back in step at its last chunk: a top-level declaration starts at its
 * keyword, and no error lies in it except one reported at that keyword (the previous declaration's
 * "expected ... but found `param`", which the whole-file parser reports there too).
 */
function inStep(result: ParseResult, lastChunk: Chunk, offset: number): boolean {
  const keyword = lastChunk.keyword - offset;
  const chunkStart = lastChunk.start - offset;
  return (
    result.ast.declarations.some((d) => d.span.start === keyword) &&
    result.diagnostics.every((d) => d.span.end <= chunkStart || d.span.start === keyword)
  );
}

function danglingDocComment(ast: A.Rulebook): boolean {
  const last = ast.declarations[ast.declarations.length - 1];
  const end = last ? last.span.end : -1;
  return ast.comments.some((c) => c.doc && c.span.start >= end);
}

/** Cuts a source into chunks, each starting where a top-level declaration (or its leading comments) begins. */
export function splitChunks(source: string): Chunk[] {
  const starts: { start: number; keyword: number }[] = [{ start: 0, keyword: -1 }];
  let lineStart = 0;
  /** The first line of the run of blank and comment lines just before the current line. */
  let runStart = -1;
  while (lineStart <= source.length) {
    const newline = source.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? source.length : newline;
    const line = source.slice(lineStart, lineEnd);
    const trimmed = line.trim();
    const start = runStart >= 0 ? runStart : lineStart;
    if (start > starts[starts.length - 1]!.start && DECLARATION_START.test(line)) {
      starts.push({ start, keyword: lineStart + line.length - line.trimStart().length });
    }
    if (trimmed === "" || trimmed.startsWith("//")) {
      if (runStart < 0) runStart = lineStart;
    } else {
      runStart = -1;
    }
    if (newline < 0) break;
    lineStart = newline + 1;
  }
  return starts.map((s, i) => ({
    start: s.start,
    keyword: s.keyword,
    end: starts[i + 1]?.start ?? source.length,
  }));
}

/**
 * A deep copy of an AST (or diagnostics) with every span moved by `offset`. Spans are the objects
 * with exactly the keys `start` and `end`; the `{0, 0}` span marks a missing token and stays put.
 * Copying also keeps the cached trees safe from anything that annotates a tree it checks.
 */
export function shifted<T>(value: T, offset: number): T {
  return copy(value, offset) as T;
}

function copy(value: unknown, offset: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => copy(v, offset));
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 2 && typeof object["start"] === "number" && typeof object["end"] === "number") {
    const start = object["start"];
    const end = object["end"] as number;
    return start === 0 && end === 0 ? { start, end } : { start: start + offset, end: end + offset };
  }
  const result: Record<string, unknown> = {};
  for (const key of keys) result[key] = copy(object[key], offset);
  return result;
}
