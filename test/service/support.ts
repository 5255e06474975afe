/**
 * Helpers for the language-service tests: rulebooks from rules/, and a cursor marker `‸` in
 * source text.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nodeSourceHost } from "../../src/node/source-host.js";
import { checkRulebook, type CheckResult, type SourceHost } from "../../src/service/language-service.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The text of a bundled rulebook (or its test file). */
export function rule(name: string): string {
  return readFileSync(path.join(root, "rules", name), "utf8");
}

/** A host over rules/ (paths relative to it). */
export const rulesHost: SourceHost = nodeSourceHost(path.join(root, "rules"));

export interface AtCursor {
  source: string;
  offset: number;
  result: CheckResult;
}

/** Checks `text` with its `‸` marker removed; `offset` is where the marker was. */
export function atCursor(text: string, file = "test.margin", host?: SourceHost): AtCursor {
  const offset = text.indexOf("‸");
  if (offset < 0) throw new Error("no ‸ in the text");
  const source = text.slice(0, offset) + text.slice(offset + 1);
  return { source, offset, result: checkRulebook(source, file, host) };
}

/** `source` with `‸` put at the `nth` occurrence of `needle` plus `delta` characters. */
export function mark(source: string, needle: string, delta = 0, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = source.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`no ${needle} in the text`);
  }
  return source.slice(0, at + delta) + "‸" + source.slice(at + delta);
}

/** Replaces the first occurrence of `from` (which must exist) by `to`. */
export function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`no ${from} in the text`);
  return source.replace(from, to);
}
