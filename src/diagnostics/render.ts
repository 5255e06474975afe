/**
 * Renderers for diagnostics: human text, stable JSON and SARIF 2.1.0. Pure functions, no I/O.
 *
 * Creating a diagnostic and rendering it are separate (see `diagnostic.ts`): every renderer takes the
 * diagnostics plus the source texts they point into, keyed by the same `file` string the diagnostics
 * carry. Lines and columns are 1-based; columns count UTF-16 code units (see `line-map.ts`).
 */
import type { Span } from "./span.js";
import { codeRanges, messages, type MessageSpec } from "../semantics/catalog.js";
import { sortDiagnostics, type Diagnostic, type Severity } from "./diagnostic.js";
import { LineMap } from "./line-map.js";

/** The source text of each file, keyed by the `file` string the diagnostics carry. */
export type SourceTexts = ReadonlyMap<string, string>;

/** Options of {@link renderText}. */
export interface TextRenderOptions {
  /** Use ANSI colours (the CLI turns this on for terminals unless `--no-color`). Default: false. */
  color?: boolean;
  /** Columns per tab stop when showing source lines. Default: 4. */
  tabWidth?: number;
}

/** Builds (and caches) one `LineMap` per file; unknown files map to `undefined`. */
class LineMaps {
  private readonly cache = new Map<string, LineMap>();
  constructor(private readonly sources: SourceTexts) {}

  get(file: string): LineMap | undefined {
    let map = this.cache.get(file);
    if (!map) {
      const source = this.sources.get(file);
      if (source === undefined) return undefined;
      map = new LineMap(source);
      this.cache.set(file, map);
    }
    return map;
  }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

const ansi = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  cyan: "\x1b[36m",
};

type Paint = (style: keyof typeof ansi | Array<keyof typeof ansi>, text: string) => string;

const severityStyle: Record<Severity, keyof typeof ansi> = { error: "red", warning: "yellow", info: "cyan" };

/**
 * Renders diagnostics for a terminal, TypeScript/Rust style:
 *
 * ```text
 * rules/perp.margin:12:22: error MB3001: cannot add USDT and Rate: the units differ
 *  12 | let total: USDT = notional + im_rate
 *     |                   ^~~~~~~~~~~~~~~~~~
 *   = help: ...
 *   = note: rules/perp.margin:3:7: `im_rate` is set here
 * ```
 *
 * Each diagnostic is followed by a blank line. A span over several lines shows its first line,
 * underlined to the end of that line. The summary line (`2 errors, 1 warning in 3 files`) is the
 * CLI's job, not this function's.
 */
export function renderText(
  diagnostics: readonly Diagnostic[],
  sources: SourceTexts,
  options: TextRenderOptions = {},
): string {
  const paint: Paint = options.color
    ? (style, text) =>
        (Array.isArray(style) ? style.map((s) => ansi[s]).join("") : ansi[style]) + text + ansi.reset
    : (_style, text) => text;
  const maps = new LineMaps(sources);
  const tabWidth = options.tabWidth ?? 4;
  let out = "";
  for (const d of sortDiagnostics(diagnostics)) out += renderOne(d, maps, paint, tabWidth) + "\n";
  return out;
}

function renderOne(d: Diagnostic, maps: LineMaps, paint: Paint, tabWidth: number): string {
  const map = maps.get(d.file);
  const color = severityStyle[d.severity];
  const lines = [
    `${paint("bold", location(d.file, d.span.start, map))}: ${paint(["bold", color], `${d.severity} ${d.code}`)}: ${paint("bold", d.message)}`,
  ];
  // No frame for an empty text (an empty file, or one that could not be read): it would show nothing.
  if (map && map.source !== "") lines.push(...snippet(map, d.span, paint, color, tabWidth));
  if (d.help) lines.push(`  ${paint(["bold", "blue"], "=")} ${paint("bold", "help")}: ${d.help}`);
  for (const r of d.related) {
    const file = r.file ?? d.file;
    lines.push(
      `  ${paint(["bold", "blue"], "=")} ${paint("bold", "note")}: ${location(file, r.span.start, maps.get(file))}: ${r.message}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** `path:line:col`, or `path` alone when the source is not available. */
function location(file: string, offset: number, map: LineMap | undefined): string {
  if (!map) return file;
  const p = map.position(offset);
  return `${file}:${p.line}:${p.column}`;
}

/** The source line of the span's start, and the `^~~~` underline below it. */
function snippet(
  map: LineMap,
  span: Span,
  paint: Paint,
  color: keyof typeof ansi,
  tabWidth: number,
): string[] {
  const start = map.position(span.start);
  const lineStart = map.lineStart(start.line);
  const lineEnd = map.lineEnd(start.line);
  // A span may start on the `\r` of a `\r\n`: treat that as the end of the line.
  const begin = Math.min(start.offset, lineEnd);
  const end = Math.min(Math.max(span.end, begin), lineEnd);
  const text = map.lineText(start.line);
  const columns = displayColumns(text, tabWidth);
  const from = columns[begin - lineStart]!;
  const to = columns[end - lineStart]!;
  const width = Math.max(1, to - from);
  const gutter = String(start.line);
  const blank = " ".repeat(gutter.length);
  const bar = paint(["bold", "blue"], "|");
  return [
    ` ${paint(["bold", "blue"], gutter)} ${bar} ${expandTabs(text, tabWidth)}`.trimEnd(),
    ` ${blank} ${bar} ${" ".repeat(from)}${paint(["bold", color], "^" + "~".repeat(width - 1))}`,
  ];
}

/**
 * For each character index `i` of a line (and one past its end), the display column where it
 * starts once tabs are expanded to the next tab stop. A surrogate pair takes one column.
 */
function displayColumns(text: string, tabWidth: number): number[] {
  const columns: number[] = [];
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    columns.push(column);
    const code = text.charCodeAt(i);
    if (code === 9 /* \t */) column += tabWidth - (column % tabWidth);
    else if (code < 0xdc00 || code > 0xdfff) column += 1; // a low surrogate adds nothing
  }
  columns.push(column);
  return columns;
}

function expandTabs(text: string, tabWidth: number): string {
  if (!text.includes("\t")) return text;
  let out = "";
  let column = 0;
  for (const ch of text) {
    const width = ch === "\t" ? tabWidth - (column % tabWidth) : 1;
    out += ch === "\t" ? " ".repeat(width) : ch;
    column += width;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/** A position in JSON output. `line` and `column` are null when the file's source was not given. */
export interface JsonPosition {
  line: number | null;
  column: number | null;
  offset: number;
}

/** One diagnostic in `--format json` output. Every key is always present, in this order. */
export interface JsonDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  start: JsonPosition;
  end: JsonPosition;
  related: Array<{ message: string; file: string; start: JsonPosition; end: JsonPosition }>;
  help: string | null;
  fix: { title: string; edits: Array<{ start: JsonPosition; end: JsonPosition; newText: string }> } | null;
}

/** Converts diagnostics to the plain objects of `--format json`, sorted by file and position. */
export function toJsonDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceTexts,
): JsonDiagnostic[] {
  const maps = new LineMaps(sources);
  const at = (file: string, offset: number): JsonPosition => {
    const map = maps.get(file);
    if (!map) return { line: null, column: null, offset };
    const p = map.position(offset);
    return { line: p.line, column: p.column, offset };
  };
  return sortDiagnostics(diagnostics).map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file,
    start: at(d.file, d.span.start),
    end: at(d.file, d.span.end),
    related: d.related.map((r) => {
      const file = r.file ?? d.file;
      return { message: r.message, file, start: at(file, r.span.start), end: at(file, r.span.end) };
    }),
    help: d.help ?? null,
    fix: d.fix
      ? {
          title: d.fix.title,
          edits: d.fix.edits.map((e) => ({
            start: at(d.file, e.span.start),
            end: at(d.file, e.span.end),
            newText: e.newText,
          })),
        }
      : null,
  }));
}

/** Renders diagnostics as a stable, pretty-printed JSON array (see {@link JsonDiagnostic}), ending in a newline. */
export function renderJson(diagnostics: readonly Diagnostic[], sources: SourceTexts): string {
  return JSON.stringify(toJsonDiagnostics(diagnostics, sources), null, 2) + "\n";
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0
// ---------------------------------------------------------------------------------------------

/** The schema URI written into every SARIF log. */
export const sarifSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

/** The SARIF result levels marginbook uses. */
export type SarifLevel = "error" | "warning" | "note";

/** A SARIF region: 1-based lines and columns (end column exclusive), plus character offsets. */
export interface SarifRegion {
  startLine?: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
  charOffset: number;
  charLength: number;
}

/** A SARIF location (the subset marginbook writes). */
export interface SarifLocation {
  id?: number;
  physicalLocation: { artifactLocation: { uri: string }; region: SarifRegion };
  message?: { text: string };
}

/** A SARIF result (the subset marginbook writes). */
export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  fixes?: Array<{
    description: { text: string };
    artifactChanges: Array<{
      artifactLocation: { uri: string };
      replacements: Array<{ deletedRegion: SarifRegion; insertedContent: { text: string } }>;
    }>;
  }>;
}

/** A SARIF reporting descriptor, one per catalog entry. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  help?: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { stage: string };
}

/** A SARIF 2.1.0 log with one run. */
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: Array<{
    tool: { driver: { name: string; version: string; rules: SarifRule[] } };
    columnKind: "utf16CodeUnits";
    results: SarifResult[];
  }>;
}

const sarifLevel: Record<Severity, SarifLevel> = { error: "error", warning: "warning", info: "note" };

/**
 * A file path as a SARIF relative URI: forward slashes, no leading `./`, each segment
 * percent-encoded (so spaces and `:` cannot be misread). A Windows drive path becomes a `file:` URI.
 */
export function toArtifactUri(file: string): string {
  const path = file.replace(/\\/g, "/").replace(/^(\.\/)+/, "");
  const drive = /^([A-Za-z]):\//.exec(path);
  const rest = drive ? path.slice(3) : path;
  const encoded = rest.split("/").map(encodeURIComponent).join("/");
  return drive ? `file:///${drive[1]}:/${encoded}` : encoded;
}

/** The catalog as SARIF rules, sorted by code; also returns each code's index in that list. */
export function sarifRules(): { rules: SarifRule[]; index: Map<string, number> } {
  const specs: Array<[string, MessageSpec]> = Object.entries(messages);
  specs.sort((a, b) => a[1].code.localeCompare(b[1].code));
  const rules = specs.map(([name, spec]): SarifRule => {
    const rule: SarifRule = {
      id: spec.code,
      name,
      shortDescription: { text: spec.template },
      defaultConfiguration: { level: sarifLevel[spec.severity] },
      properties: { stage: codeRanges.find((r) => spec.code.startsWith(r.prefix))?.stage ?? "unknown" },
    };
    if (spec.help) rule.help = { text: spec.help };
    return rule;
  });
  return { rules, index: new Map(rules.map((r, i) => [r.id, i])) };
}

/** SARIF regions and locations for spans, with line maps built once per file. */
class SarifLocator {
  private readonly maps: LineMaps;
  constructor(sources: SourceTexts) {
    this.maps = new LineMaps(sources);
  }

  /** Lines and columns when the source is known; character offsets always. */
  region(file: string, span: Span): SarifRegion {
    const start = Math.max(0, span.start);
    const length = Math.max(0, span.end - start);
    const map = this.maps.get(file);
    if (!map) return { charOffset: start, charLength: length };
    const from = map.position(start);
    const to = map.position(start + length);
    // SARIF's endColumn is the column just past the region, like our exclusive span end.
    return {
      startLine: from.line,
      startColumn: from.column,
      endLine: to.line,
      endColumn: to.column,
      charOffset: from.offset,
      charLength: to.offset - from.offset,
    };
  }

  physical(file: string, span: Span): SarifLocation["physicalLocation"] {
    return { artifactLocation: { uri: toArtifactUri(file) }, region: this.region(file, span) };
  }
}

function sarifResult(d: Diagnostic, ruleIndex: number | undefined, at: SarifLocator): SarifResult {
  const result: SarifResult = {
    ruleId: d.code,
    level: sarifLevel[d.severity],
    // Code-review tools show only the message, so the help travels with it.
    message: { text: d.help ? `${d.message}\nhelp: ${d.help}` : d.message },
    locations: [{ physicalLocation: at.physical(d.file, d.span) }],
  };
  if (ruleIndex !== undefined) result.ruleIndex = ruleIndex;
  if (d.related.length > 0) {
    // `id` keeps related locations unique (SARIF requires it) even when two point at the same span.
    result.relatedLocations = d.related.map((r, i) => ({
      id: i,
      physicalLocation: at.physical(r.file ?? d.file, r.span),
      message: { text: r.message },
    }));
  }
  if (d.fix && d.fix.edits.length > 0) {
    const replacements = d.fix.edits.map((e) => ({
      deletedRegion: at.region(d.file, e.span),
      insertedContent: { text: e.newText },
    }));
    result.fixes = [
      {
        description: { text: d.fix.title },
        artifactChanges: [{ artifactLocation: { uri: toArtifactUri(d.file) }, replacements }],
      },
    ];
  }
  return result;
}

/** Builds the SARIF 2.1.0 log object for a set of diagnostics: one run, every catalog code as a rule. */
export function toSarifLog(
  diagnostics: readonly Diagnostic[],
  sources: SourceTexts,
  toolVersion: string,
): SarifLog {
  const at = new SarifLocator(sources);
  const { rules, index } = sarifRules();
  const results = sortDiagnostics(diagnostics).map((d) => sarifResult(d, index.get(d.code), at));
  return {
    $schema: sarifSchemaUri,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "marginbook", version: toolVersion, rules } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

/** Renders diagnostics as a pretty-printed SARIF 2.1.0 log, ending in a newline. */
export function renderSarif(
  diagnostics: readonly Diagnostic[],
  sources: SourceTexts,
  toolVersion: string,
): string {
  return JSON.stringify(toSarifLog(diagnostics, sources, toolVersion), null, 2) + "\n";
}
