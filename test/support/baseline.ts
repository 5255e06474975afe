/**
 * Golden "baseline" files in the TypeScript style: the diagnostics as a list, then the source with
 * `~~~` under each span and the message below it. A reviewer reads the diff of these files.
 */
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

/** Renders the baseline of one file's diagnostics (paths shown as given). */
export function renderBaseline(file: string, source: string, diagnostics: readonly Diagnostic[]): string {
  const own = diagnostics.filter((d) => d.file === file);
  const out: string[] = [];
  for (const d of own) {
    const { line, column } = position(source, d.span.start);
    out.push(`${file}(${line},${column}): ${d.severity} ${d.code}: ${d.message}`);
  }
  const errors = own.filter((d) => d.severity === "error").length;
  out.push("", `==== ${file} (${errors} errors, ${own.length - errors} warnings) ====`);
  const lines = source.split("\n");
  let offset = 0;
  lines.forEach((text, index) => {
    const lineStart = offset;
    const lineEnd = offset + text.length;
    offset = lineEnd + 1;
    if (index === lines.length - 1 && text === "") return;
    out.push(`    ${text}`);
    for (const d of own) {
      const startsHere =
        d.span.start >= lineStart &&
        d.span.start <= lineEnd &&
        (d.span.start < lineEnd ||
          d.span.end === d.span.start ||
          lineStart === lineEnd ||
          d.span.start === lineEnd);
      if (!startsHere || (d.span.start === lineEnd && d.span.end > lineEnd + 1)) continue;
      const from = d.span.start - lineStart;
      const to = Math.max(from + 1, Math.min(d.span.end, lineEnd) - lineStart);
      out.push(`    ${" ".repeat(from)}${"~".repeat(to - from)}`);
      out.push(`!!! ${d.severity} ${d.code}: ${d.message}`);
      if (d.help) out.push(`!!! help: ${d.help}`);
      for (const r of d.related) {
        const where = r.file
          ? `${r.file.split(/[\\/]/).slice(-2).join("/")}`
          : `line ${position(source, r.span.start).line}`;
        out.push(`!!! related (${where}): ${r.message}`);
      }
      if (d.fix) out.push(`!!! fix: ${d.fix.title}`);
    }
  });
  return out.join("\n") + "\n";
}
