/**
 * Navigation over a checked rulebook: its declarations (the outline and Go to Symbol), the uses of
 * a name (Find References) and renaming it. A use is any occurrence of the name whose definition
 * (`definitionAt`) is the same declaration, so references follow exactly the scoping rules that
 * Go to Definition does. A rename is checked before it is offered: it is refused when the renamed
 * rulebook would have new errors, or when the test file names the old name (its cases would break).
 */
import type * as A from "../syntax/ast.js";
import { definitionAt } from "./definition.js";
import { checkRulebook, type CheckResult, type SourceHost } from "./check-rulebook.js";

/** A declaration as the outline shows it. */
export interface SymbolInfo {
  name: string;
  /** `input`, `param`, `tiers`, `let`, `rule`, `output`, `record`, `enum`, `scenarios`. */
  kind: string;
  span: A.Span;
  nameSpan: A.Span;
}

const KINDS: Partial<Record<A.Declaration["kind"], string>> = {
  EnumDecl: "enum",
  RecordDecl: "record",
  InputDecl: "input",
  ParamDecl: "param",
  TiersDecl: "tiers",
  LetDecl: "let",
  RuleDecl: "rule",
  OutputDecl: "output",
  ScenariosDecl: "scenarios",
};

/** The named declarations of the rulebook, in file order. */
export function symbolsOf(result: CheckResult): SymbolInfo[] {
  return result.ast.declarations.flatMap((d) => {
    const kind = KINDS[d.kind];
    if (!kind || !("name" in d) || !d.name) return [];
    const name = d.name as A.Name;
    return [{ name: name.text, kind, span: d.span, nameSpan: name.span }];
  });
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The identifier at (or just before) `offset`, with its span. */
function wordAt(text: string, offset: number): { word: string; start: number } | undefined {
  const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let start = offset;
  if (!isWord(text[start]) && isWord(text[start - 1])) start--;
  if (!isWord(text[start])) return undefined;
  while (start > 0 && isWord(text[start - 1])) start--;
  let end = start;
  while (isWord(text[end])) end++;
  const word = text.slice(start, end);
  return IDENTIFIER.test(word) ? { word, start } : undefined;
}

/** The spans of every use of the name at `offset` in this file (its declaration included), in order. */
export function referencesAt(result: CheckResult, text: string, offset: number): A.Span[] {
  const at = wordAt(text, offset);
  if (!at) return [];
  const target = definitionAt(result, at.start);
  if (!target) return [];
  const spans: A.Span[] = [];
  for (const match of text.matchAll(new RegExp(`\\b${at.word}\\b`, "g"))) {
    const start = match.index;
    const found = definitionAt(result, start);
    if (found && found.file === target.file && found.span.start === target.span.start)
      spans.push({ start, end: start + at.word.length });
  }
  return spans;
}

/** A rename's edits, or why it is refused. */
export type RenameResult =
  { edits: { span: A.Span; newText: string }[]; refused?: undefined } | { refused: string };

/**
 * Renames the name at `offset` to `newName` throughout the file, if that breaks nothing: the new
 * name must be an identifier, the declaration must be in this file, the renamed text must have no
 * more errors than before, and `tests` (the test file's text) must not name the old name.
 */
export function renameAt(
  result: CheckResult,
  text: string,
  offset: number,
  newName: string,
  host?: SourceHost,
  tests?: string,
): RenameResult {
  if (!IDENTIFIER.test(newName))
    return { refused: `\`${newName}\` is not a name: use letters, digits and _, not starting with a digit` };
  const at = wordAt(text, offset);
  const target = at ? definitionAt(result, at.start) : undefined;
  if (!at || !target) return { refused: "there is no declared name here to rename" };
  if (target.file !== result.file)
    return { refused: `\`${at.word}\` is declared in ${target.file}: rename it there` };
  if (newName === at.word) return { edits: [] };
  const spans = referencesAt(result, text, offset);
  if (tests !== undefined && new RegExp(`\\b${at.word}\\b`).test(tests))
    return {
      refused: `the test file names \`${at.word}\`: renaming it would break its cases (rename it there too, then here)`,
    };
  let renamed = "";
  let cursor = 0;
  for (const span of spans) {
    renamed += text.slice(cursor, span.start) + newName;
    cursor = span.end;
  }
  renamed += text.slice(cursor);
  const errors = (r: CheckResult): number => r.diagnostics.filter((d) => d.severity === "error").length;
  const after = checkRulebook(renamed, result.file, host);
  if (errors(after) > errors(result)) {
    const before = new Set(result.diagnostics.map((d) => `${d.code} ${d.message}`));
    const first =
      after.diagnostics.find((d) => d.severity === "error" && !before.has(`${d.code} ${d.message}`)) ??
      after.diagnostics.find((d) => d.severity === "error")!;
    return {
      refused: `renaming \`${at.word}\` to \`${newName}\` would break the rulebook: ${first.code} ${first.message}`,
    };
  }
  return { edits: spans.map((span) => ({ span, newText: newName })) };
}
