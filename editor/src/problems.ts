/**
 * One Problems list for everything that is wrong with a rulebook: the checker's diagnostics, the
 * failing test cases (at the case's line in the `.test.yaml`, and at each failing output's line in
 * the rulebook), a broken test file (at the offending YAML line) and the violated properties (at
 * their `assert` / `verify` line). Each becomes a diagnostic of the file it is in, so it is also a
 * squiggle there.
 */
import { h } from "./dom.js";
import type { PreviewResult, VerificationReport, WireDiagnostic } from "./protocol.js";

/** The problems of a rulebook and of its test file. */
export interface Problems {
  rulebook: WireDiagnostic[];
  tests: WireDiagnostic[];
}

/** The range of a line (from its indentation), or of the part from `column` to `endColumn` when known. */
function lineRange(
  text: string,
  line: number,
  column?: number,
  endColumn?: number,
): Pick<WireDiagnostic, "startLine" | "startColumn" | "endLine" | "endColumn"> {
  const lines = text.split("\n");
  const at = Math.min(Math.max(line, 1), Math.max(lines.length, 1));
  const content = lines[at - 1] ?? "";
  const indent = content.length - content.trimStart().length;
  const start = column !== undefined && column >= 1 && column <= content.length ? column : indent + 1;
  const end =
    endColumn !== undefined && endColumn > start ? endColumn : Math.max(content.length + 1, start + 1);
  return { startLine: at, startColumn: start, endLine: at, endColumn: end };
}

/** The line of `output <name>` in the rulebook's text, or 0. */
export function outputLine(text: string, name: string): number {
  const pattern = new RegExp(`^\\s*output\\s+${name.replace(/[^\w]/g, "")}\\b`);
  return text.split("\n").findIndex((l) => pattern.test(l)) + 1;
}

/**
 * The problems beyond the checker's: from the last preview (tests) and verification. `rulebook` and
 * `tests` are the texts (for the lines' extents), `paths` their files.
 */
export function collectProblems(
  check: readonly WireDiagnostic[],
  preview: PreviewResult | undefined,
  report: VerificationReport | undefined,
  texts: { rulebook: string; tests?: string },
  paths: { rulebook: string; tests?: string },
): Problems {
  const rulebook = [...check];
  const tests: WireDiagnostic[] = [];
  const testFile = paths.tests ?? "";
  const base = { related: [] as WireDiagnostic["related"] };
  for (const p of preview?.tests?.problems ?? []) {
    tests.push({
      ...base,
      ...lineRange(texts.tests ?? "", p.line, p.column, p.endColumn),
      code: "test file",
      severity: "error",
      message: `the test file is broken: ${p.message}`,
      file: testFile,
    });
  }
  for (const c of preview?.tests?.cases ?? []) {
    if (c.passed) continue;
    const why = c.details.join(" ").replace(/\s+/g, " ").trim();
    tests.push({
      ...base,
      ...lineRange(texts.tests ?? "", c.line),
      code: "test",
      severity: "error",
      message: `test case "${c.name}" fails: ${why}`,
      file: testFile,
    });
    const outputs = new Set(c.details.flatMap((d) => /^output (\w+):/.exec(d)?.[1] ?? []));
    for (const name of outputs) {
      const line = outputLine(texts.rulebook, name);
      if (line > 0)
        rulebook.push({
          ...base,
          ...lineRange(texts.rulebook, line),
          code: "test",
          severity: "error",
          message: `test case "${c.name}" (${testFile} line ${c.line}) expects another ${name}: ${why}`,
          file: paths.rulebook,
        });
    }
    if (outputs.size === 0 && c.details.length > 0) {
      rulebook.push({
        ...base,
        ...lineRange(texts.rulebook, 1),
        code: "test",
        severity: "error",
        message: `test case "${c.name}" (${testFile} line ${c.line}) fails: ${why}`,
        file: paths.rulebook,
      });
    }
  }
  for (const p of report?.properties ?? []) {
    if (p.status !== "violated" || (p.file !== undefined && p.file !== paths.rulebook)) continue;
    const summary = p.counterexample?.summary ? `: ${p.counterexample.summary}` : "";
    rulebook.push({
      ...base,
      ...lineRange(texts.rulebook, p.line),
      code: "property",
      severity: "error",
      message: `property violated: ${p.text}${summary}`,
      file: paths.rulebook,
    });
  }
  const order = (a: WireDiagnostic, b: WireDiagnostic): number =>
    a.startLine - b.startLine || a.startColumn - b.startColumn;
  return { rulebook: rulebook.sort(order), tests: tests.sort(order) };
}

/** Renders the Problems list; `onOpen` jumps to a problem's file and line. */
export function renderProblems(
  list: HTMLElement,
  count: HTMLElement,
  problems: Problems,
  shownPath: string,
  onOpen: (d: WireDiagnostic) => void,
): void {
  const all = [...problems.rulebook, ...problems.tests];
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = all.filter((d) => d.severity === "warning").length;
  count.textContent =
    errors + warnings === 0
      ? "no problems"
      : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  count.className = `problem-count${errors > 0 ? " has-errors" : warnings > 0 ? " has-warnings" : ""}`;
  if (all.length === 0) {
    list.replaceChildren(
      h(
        "div.no-problems",
        {},
        "✓ No problems: the rulebook checks, its tests pass, no property is violated.",
      ),
    );
    return;
  }
  list.replaceChildren(
    ...all.map((d) => {
      const file = d.file === shownPath ? "" : `${d.file.split("/").pop()} `;
      const row = h(
        `button.problem.${d.severity}`,
        { type: "button", role: "listitem", "data-code": d.code, "data-file": d.file },
        h(
          "span.severity-icon",
          { "aria-label": d.severity },
          d.severity === "error" ? "●" : d.severity === "warning" ? "▲" : "i",
        ),
        h("span.problem-code", {}, d.code),
        h(
          "span.problem-message",
          {},
          d.message,
          d.help ? h("span.problem-help", {}, ` — ${d.help}`) : undefined,
          d.fix
            ? h("span.problem-fix", { title: "Ctrl+. in the editor" }, ` — quick fix: ${d.fix.title}`)
            : undefined,
        ),
        h("span.problem-location", {}, `${file}${d.startLine}:${d.startColumn}`),
      );
      row.addEventListener("click", () => onOpen(d));
      return row;
    }),
  );
}

/** What fails, one line each, for the dialog that asks before saving. */
export function failingSummary(problems: Problems): string[] {
  return [
    ...problems.tests.filter((d) => d.code === "test" || d.code === "test file"),
    ...problems.rulebook.filter((d) => d.code === "property"),
  ].map((d) => d.message);
}
