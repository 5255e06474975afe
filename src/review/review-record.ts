/**
 * The review record: what binds a review (`marginbook diff --impact --format json|html`) to the
 * artifacts it is about. It names both sides by resolved commit (not the revision as typed), path
 * from the repository root, source hash and IR hash (the same IR hash `marginbook compile` writes
 * for that source at that commit), the compiler version, the reference set (its hash and size, or
 * the generator's seed), the time, and the reviewer. An approval (`marginbook approve --review`)
 * signs the record file's hash together with the artifact's IR hash.
 *
 * Built by the CLI (it asks git and the clock); rendered here.
 */

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One side of the review. */
export interface ReviewSide {
  /** As given on the command line (`rules/x.margin@HEAD~1`). */
  spec: string;
  /** The path from the repository root (the file name outside git). */
  path: string;
  /** The commit the side was read at (for a working file: HEAD, with `dirty` when it differs). */
  commit: string | null;
  dirty: boolean;
  sourceHash: string;
  /** The IR hash, as in the compiled artifact; null when the side does not compile. */
  irHash: string | null;
}

/** The reference set the impact analysis ran on. */
export interface ReviewReferenceSet {
  spec: string;
  kind: "file" | "generated";
  /** How many inputs. */
  size: number;
  /** `sha256:<hex>` of the file's bytes (null for a generated set). */
  hash: string | null;
  /** The generator's seed (generated sets only). */
  seed: number | null;
}

/** The review record (see the module comment). */
export interface ReviewRecord {
  format: "marginbook-review";
  formatVersion: 1;
  compiler: { name: "marginbook"; version: string };
  /** When the review ran (ISO 8601, UTC). */
  time: string;
  reviewer: string | null;
  old: ReviewSide;
  new: ReviewSide;
  referenceSet: ReviewReferenceSet | null;
}

/** The record as an HTML section (a definition table), for the self-contained report. */
export function reviewRecordHtml(record: ReviewRecord): string {
  const side = (s: ReviewSide): string =>
    `<code>${escapeHtml(s.path)}</code> at <code>${escapeHtml(s.commit ?? "(not in git)")}</code>${s.dirty ? " <b>with uncommitted changes</b>" : ""}<br>source <code>${escapeHtml(s.sourceHash)}</code><br>IR <code>${escapeHtml(s.irHash ?? "(does not compile)")}</code>`;
  const set = record.referenceSet;
  const rows: [string, string][] = [
    ["old", side(record.old)],
    ["new", side(record.new)],
    [
      "reference set",
      set
        ? `${escapeHtml(set.spec)}: ${set.size} inputs${set.hash ? `, <code>${escapeHtml(set.hash)}</code>` : ""}${set.seed !== null ? `, seed ${set.seed}` : ""}`
        : "none",
    ],
    ["compiler", `marginbook ${escapeHtml(record.compiler.version)}`],
    ["time", escapeHtml(record.time)],
    ["reviewer", escapeHtml(record.reviewer ?? "(unknown)")],
  ];
  return `<h2>Review record</h2>\n<table class="stats record">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("")}</table>`;
}
