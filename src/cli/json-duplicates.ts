/**
 * Keys written twice in one JSON object. `JSON.parse` keeps the last value of a repeated key without
 * a word, so an input file with `"size": 1, ..., "size": 100` would be evaluated with 100; YAML
 * inputs are refused for it (`uniqueKeys`), and JSON inputs now are too. jsonc-parser's scanner (the
 * one VS Code uses) walks the text with positions, about five times the time of `JSON.parse`: fine
 * for the files a person gives the CLI, which is why the evaluation server, fed by programs, does not
 * run it.
 */
import { visit } from "jsonc-parser";

/** A key written again in the same object, where its second writing is (1-based line and column). */
export interface DuplicateKey {
  key: string;
  line: number;
  column: number;
}

/** Every repeated key of every object in `text` (valid JSON: parse it first), in text order. */
export function duplicateKeys(text: string): DuplicateKey[] {
  const open: Set<string>[] = [];
  const found: DuplicateKey[] = [];
  visit(
    text,
    {
      onObjectBegin: () => void open.push(new Set()),
      onObjectEnd: () => void open.pop(),
      onObjectProperty: (key, _offset, _length, line, character) => {
        const keys = open[open.length - 1]!;
        if (keys.has(key)) found.push({ key, line: line + 1, column: character + 1 });
        else keys.add(key);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
}
