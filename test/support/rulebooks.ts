/**
 * Test helpers: compile the rulebooks in rules/ (and fixtures) to IR and to artifacts, with paths
 * relative to the repository so that everything derived from them is stable.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildArtifact, type CompiledArtifact } from "../../src/compile/artifact.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { nodeSourceHost } from "../../src/node/source-host.js";
import { checkRulebook, compileChecked, compileOrThrow } from "../../src/service/language-service.js";

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The text of a file under the root, or undefined. */
export function readRepoFile(file: string): string | undefined {
  try {
    return readFileSync(resolve(ROOT, file), "utf8");
  } catch {
    return undefined;
  }
}

/** Checks and lowers a rulebook (a path relative to the root); throws when it has errors. */
export function compileIr(file: string): IrRulebook {
  const source = readRepoFile(file);
  if (source === undefined) throw new Error(`cannot read ${file}`);
  return compileOrThrow(source, file, nodeSourceHost(ROOT));
}

/**
 * A rulebook in binary64 whatever its header says: what the SQL target computes (it refuses a
 * decimal rulebook with MB5101), so that the SQL differential tests cover every rulebook in rules/.
 */
export function compileBinary64Ir(file: string): IrRulebook {
  const source = readRepoFile(file);
  if (source === undefined) throw new Error(`cannot read ${file}`);
  const compiled = compileChecked(checkRulebook(source, file, nodeSourceHost(ROOT)), {
    arithmetic: "binary64",
  });
  if (!compiled.ok) throw new Error(`${file} has errors`);
  return compiled.ir;
}

/** The artifact of a rulebook, as `marginbook compile` builds it. */
export function compileArtifact(file: string): CompiledArtifact {
  return buildArtifact(compileIr(file), { source: readRepoFile(file)!, compiler: { version: "test" } });
}

/** The rulebooks in rules/, as paths relative to the root, sorted. */
export function bundledRulebooks(): string[] {
  return readdirSync(resolve(ROOT, "rules"))
    .filter((f) => f.endsWith(".margin"))
    .sort()
    .map((f) => `rules/${f}`);
}
