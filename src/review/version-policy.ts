/**
 * Version discipline for a change: the semantic version must grow with the change (a parameter or
 * tier change is at least minor, an input or output schema change is major, docs and layout are a
 * patch) and the effective date must move forward when behaviour changes.
 */
import { messages } from "../semantics/catalog.js";
import { Reporter, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../syntax/ast.js";
import type { ChangeImpact, SemanticDiff } from "./semantic-diff.js";

const RANK: Record<ChangeImpact | "none", number> = { none: 0, patch: 1, minor: 2, major: 3 };

interface Semver {
  major: number;
  minor: number;
  patch: number;
}

function parseSemver(text: string | undefined): Semver | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text ?? "");
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : undefined;
}

function compare(a: Semver, b: Semver): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The kind of bump from one version to the next (`none` when equal or lower). */
function bumpOf(from: Semver, to: Semver): ChangeImpact | "none" {
  if (compare(to, from) <= 0) return "none";
  if (to.major > from.major) return "major";
  if (to.minor > from.minor) return "minor";
  return "patch";
}

function suggest(from: Semver, impact: ChangeImpact): string {
  if (impact === "major") return `${from.major + 1}.0.0`;
  if (impact === "minor") return `${from.major}.${from.minor + 1}.0`;
  return `${from.major}.${from.minor}.${from.patch + 1}`;
}

/** The largest impact among the changes. */
export function requiredBump(diff: SemanticDiff): ChangeImpact | "none" {
  let result: ChangeImpact | "none" = "none";
  for (const change of diff.changes) {
    if (change.subject === "header" && (change.name === "version" || change.name === "effective")) continue;
    if (RANK[change.impact] > RANK[result]) result = change.impact;
  }
  return result;
}

/**
 * Warnings about the new version's header. `versionSpan` and `effectiveSpan` locate the fields in
 * the new file (for rendering); `file` names it.
 */
export function checkVersionDiscipline(
  diff: SemanticDiff,
  file: string,
  versionSpan: Span,
  effectiveSpan: Span,
): Diagnostic[] {
  const reporter = new Reporter(file);
  const oldVersion = parseSemver(diff.oldHeader["version"]);
  const newVersion = parseSemver(diff.newHeader["version"]);
  const impact = requiredBump(diff);
  if (oldVersion && newVersion) {
    const actual = bumpOf(oldVersion, newVersion);
    if (compare(newVersion, oldVersion) < 0) {
      reporter.report(messages.versionDecreased, versionSpan, {
        old: diff.oldHeader["version"]!,
        new: diff.newHeader["version"]!,
      });
    } else if (impact !== "none" && actual === "none" && diff.behaviourChanged) {
      reporter.report(messages.versionNotBumped, versionSpan, {
        version: diff.newHeader["version"]!,
        impact,
        suggested: suggest(oldVersion, impact),
      });
    } else if (impact !== "none" && actual !== "none" && RANK[actual] < RANK[impact]) {
      reporter.report(messages.bumpTooSmall, versionSpan, {
        old: diff.oldHeader["version"]!,
        new: diff.newHeader["version"]!,
        actual,
        impact,
        suggested: suggest(oldVersion, impact),
      });
    }
  }
  const oldEffective = Date.parse(diff.oldHeader["effective"] ?? "");
  const newEffective = Date.parse(diff.newHeader["effective"] ?? "");
  if (
    diff.behaviourChanged &&
    Number.isFinite(oldEffective) &&
    Number.isFinite(newEffective) &&
    newEffective <= oldEffective
  )
    reporter.report(messages.effectiveNotForward, effectiveSpan, {
      old: diff.oldHeader["effective"]!,
      new: diff.newHeader["effective"]!,
    });
  return reporter.diagnostics;
}
