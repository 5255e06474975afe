/**
 * Printers for a semantic diff: plain text for terminals, Markdown for code review, JSON for tools.
 */
import type { Change, SemanticDiff } from "./semantic-diff.js";
import { requiredBump } from "./version-policy.js";

const SYMBOL: Record<Change["action"], string> = { added: "+", removed: "-", changed: "~", reordered: "↕" };

function where(change: Change): string {
  if (change.oldLine && change.newLine)
    return change.oldLine === change.newLine
      ? `line ${change.newLine}`
      : `line ${change.oldLine} -> ${change.newLine}`;
  if (change.newLine) return `line ${change.newLine}`;
  if (change.oldLine) return `old line ${change.oldLine}`;
  return "";
}

function summary(diff: SemanticDiff): string {
  // A side that does not parse cannot be compared: what follows is only what parsed of it.
  if (diff.errors.length > 0) {
    const count = diff.changes.length;
    return `not comparable: ${diff.errors.length} syntax error${diff.errors.length === 1 ? "" : "s"} (listed below)${count > 0 ? `; ${count} change${count === 1 ? "" : "s"} in what parsed` : ""}`;
  }
  if (diff.layout === "identical") return "no change";
  if (diff.layout === "formatting only") return "formatting only: no rule, parameter or tier changed";
  if (diff.layout === "comments changed")
    return "comments and documentation only: no rule, parameter or tier changed";
  const bump = requiredBump(diff);
  const count = diff.changes.length;
  return `${count} change${count === 1 ? "" : "s"}${diff.behaviourChanged ? "; behaviour changed" : "; behaviour unchanged"}${bump === "none" ? "" : ` (needs a ${bump} version bump)`}`;
}

/** The diff for a terminal. */
export function renderDiffText(diff: SemanticDiff, oldLabel: string, newLabel: string): string {
  const lines = [
    `${oldLabel} (${diff.oldHeader["version"] ?? "?"}) -> ${newLabel} (${diff.newHeader["version"] ?? "?"}): ${summary(diff)}`,
  ];
  for (const error of diff.errors) lines.push(`  ! ${error}`);
  for (const change of diff.changes) {
    const location = where(change);
    lines.push(
      `  ${SYMBOL[change.action]} ${change.subject} ${change.name} ${change.action}${location ? ` (${location})` : ""} [${change.impact}]`,
    );
    for (const detail of change.details) lines.push(`      ${detail}`);
  }
  return lines.join("\n") + "\n";
}

function escapeMarkdown(text: string): string {
  return text.replace(/[|`*_<>]/g, (ch) => `\\${ch}`);
}

/** The diff for a pull request or a review record. */
export function renderDiffMarkdown(diff: SemanticDiff, oldLabel: string, newLabel: string): string {
  const lines = [
    `### Rulebook change: ${escapeMarkdown(diff.newHeader["name"] ?? newLabel)}`,
    "",
    `\`${oldLabel}\` (${diff.oldHeader["version"] ?? "?"}) → \`${newLabel}\` (${diff.newHeader["version"] ?? "?"}): **${summary(diff)}**`,
    "",
  ];
  for (const error of diff.errors) lines.push(`> ⚠ ${escapeMarkdown(error)}`, "");
  if (diff.changes.length > 0) {
    lines.push("| | what | change | impact | where |", "|---|---|---|---|---|");
    for (const change of diff.changes) {
      const details = change.details.map(escapeMarkdown).join("<br>");
      lines.push(
        `| ${SYMBOL[change.action]} | ${change.subject} \`${change.name.replace(/`/g, "'")}\` | ${change.action}${details ? `: ${details}` : ""} | ${change.impact} | ${where(change)} |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The diff as data. */
export function renderDiffJson(diff: SemanticDiff): string {
  return JSON.stringify({ ...diff, requiredBump: requiredBump(diff) }, null, 2) + "\n";
}
