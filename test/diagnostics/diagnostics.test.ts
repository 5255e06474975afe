/**
 * Golden diagnostics: every `.margin` file under test/diagnostics has a `.errors.txt` baseline
 * next to it. Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/diagnostics/diagnostics.test.ts`.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeSourceHost } from "../../src/node/source-host.js";
import { checkRulebook, type SourceHost } from "../../src/service/language-service.js";
import { renderBaseline } from "../support/baseline.js";

const root = resolve(import.meta.dirname, "../..");
const corpus = join(root, "test/diagnostics");
const update = process.env["UPDATE_GOLDEN"] === "1";

export const nodeHost: SourceHost = nodeSourceHost(root);

function marginFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return marginFiles(path);
      return name.endsWith(".margin") ? [path] : [];
    });
}

const files = marginFiles(corpus);
const codesSeen = new Set<string>();

describe("golden diagnostics", () => {
  for (const path of files) {
    const name = relative(root, path);
    it(name, () => {
      const source = readFileSync(path, "utf8");
      const result = checkRulebook(source, name, {
        ...nodeHost,
        readFile: (p) => nodeHost.readFile(resolve(root, p)),
      });
      for (const d of result.diagnostics) codesSeen.add(d.code);
      const actual = renderBaseline(name, source, result.diagnostics);
      const golden = path.replace(/\.margin$/, ".errors.txt");
      if (update) writeFileSync(golden, actual);
      expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(golden, "utf8"));
    });
  }

  it("the corpus exercises at least 40 distinct diagnostic codes", () => {
    expect(codesSeen.size).toBeGreaterThanOrEqual(40);
  });
});
