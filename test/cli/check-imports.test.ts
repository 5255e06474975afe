/**
 * What `marginbook check` loads: only the parser, the checker and what they stand on. Its module
 * graph (static imports, followed from src/cli/check.ts) must not reach the compiler, the
 * optimizer, the runtime's evaluators, the verifier or the editor features of the language
 * service: each of them costs start-up time that `check` does not need.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

/** Every module of this repository reached by static imports from `entry` (relative paths). */
function moduleGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(path.join(root, file), "utf8");
    for (const match of source.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+"(\.[^"]+)"/gm)) {
      const target = path.normalize(path.join(path.dirname(file), match[1]!)).replace(/\.js$/, ".ts");
      queue.push(target);
    }
  }
  return seen;
}

describe("marginbook check", () => {
  const graph = moduleGraph("src/cli/check.ts");

  it("loads the parser and the checker", () => {
    expect(graph).toContain("grammar/parser.ts");
    expect(graph).toContain("src/check/checker.ts");
    expect(graph).toContain("src/service/check-service.ts");
  });

  it("loads neither the compiler, the evaluators, the verifier nor the editor features", () => {
    const heavy = [...graph].filter(
      (file) =>
        /^src\/(compile|optimize|verify|review|sql|serve|studio)\//.test(file) ||
        /^src\/runtime\/(codegen|interpreter|input-|columns|loader|rulebook)/.test(file) ||
        /^src\/service\/(language-service|completion|hover|preview|compile-rulebook|test-)/.test(file),
    );
    expect(heavy).toEqual([]);
  });
});
