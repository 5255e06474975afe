/**
 * Writing a sample into the rulebook's `.test.yaml` as a test case. The file is edited through the
 * `yaml` package's Document API, so its comments, its other cases and their layout stay as they were;
 * the new case is appended to `cases` with flow-style maps (one line per input record).
 */
import { isMap, isSeq, parseDocument, type YAMLMap, type Document } from "yaml";

/** A case to add: its name, input and the outputs it pins. */
export interface NewCase {
  name: string;
  input: unknown;
  expect: Record<string, unknown>;
  /** Absolute tolerance (omitted when exact). */
  tolerance?: number;
}

/** The test file's text with `entry` appended to its cases; `file` names the rulebook for a new file. */
export function appendTestCase(
  text: string | undefined,
  file: string,
  entry: NewCase,
): { text: string } | { error: string } {
  const doc: Document = parseDocument(text && text.trim() !== "" ? text : `rulebook: ${file}\ncases: []\n`);
  if (doc.errors.length > 0)
    return {
      error: `the test file has a YAML error (line ${doc.errors[0]!.linePos?.[0]?.line ?? "?"}): fix it first`,
    };
  if (!isMap(doc.contents)) return { error: "the test file is not a map with `rulebook` and `cases`" };
  let cases = doc.get("cases", true);
  if (!isSeq(cases)) {
    cases = doc.createNode([]);
    doc.set("cases", cases);
  }
  if (!isSeq(cases)) return { error: "`cases` is not a list" };
  const names = new Set(cases.items.map((item) => (isMap(item) ? String(item.get("name")) : "")));
  if (names.has(entry.name))
    return { error: `a case named "${entry.name}" exists already: choose another name` };
  cases.flow = false;
  const node = doc.createNode({
    name: entry.name,
    input: entry.input,
    expect: entry.expect,
    ...(entry.tolerance !== undefined ? { tolerance: entry.tolerance } : {}),
  }) as YAMLMap;
  // Inputs and expectations read best one record per line: `position: { size: 2, mark: 30000 }`.
  const flowInside = (value: unknown): void => {
    if (!isMap(value)) return;
    for (const pair of value.items)
      if (isMap(pair.value) || isSeq(pair.value)) (pair.value as YAMLMap).flow = true;
  };
  flowInside(node.get("input", true));
  const expect = node.get("expect", true);
  if (isMap(expect)) expect.flow = true;
  node.spaceBefore = cases.items.length > 0;
  cases.items.push(node);
  return { text: doc.toString({ lineWidth: 0 }) };
}
