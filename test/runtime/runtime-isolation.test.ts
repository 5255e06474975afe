/**
 * The runtime entry (`marginbook/runtime`) must not pull in the compiler: an engine that loads
 * compiled artifacts never ships the parser, the checker or Chevrotain. This test walks the import
 * graph of src/runtime/index.ts (every import and re-export, type-only ones included, read with
 * TypeScript's own import scanner so comments and strings never confuse it) and, when the package
 * is built, of dist/src/runtime/index.js together with the dependency closure of the packages it
 * imports.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { serializeArtifact } from "../../src/compile/artifact.js";
import { ROOT, compileArtifact } from "../support/rulebooks.js";

/** The import graph from an entry: every file reached, and every bare package specifier imported. */
interface ImportGraph {
  files: string[];
  packages: Map<string, string[]>;
  missing: string[];
}

/** All module specifiers a file imports or re-exports, static and dynamic. */
function specifiers(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Resolves a relative specifier the way NodeNext does for this project: `./x.js` is `./x.ts` in src. */
function resolveRelative(
  from: string,
  specifier: string,
  sourceExtension: ".ts" | ".js",
): string | undefined {
  const target = path.resolve(path.dirname(from), specifier);
  const candidates =
    sourceExtension === ".ts"
      ? [target.replace(/\.js$/, ".ts"), `${target}.ts`, path.join(target, "index.ts")]
      : [target, `${target}.js`, path.join(target, "index.js")];
  return candidates.find((c) => existsSync(c));
}

/** The package a bare specifier names: `ajv/dist/2020.js` -> `ajv`, `@scope/x/y` -> `@scope/x`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function walk(entry: string, sourceExtension: ".ts" | ".js"): ImportGraph {
  const seen = new Set<string>();
  const packages = new Map<string, string[]>();
  const missing: string[] = [];
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of specifiers(file)) {
      if (specifier.startsWith(".")) {
        const resolved = resolveRelative(file, specifier, sourceExtension);
        if (resolved) pending.push(resolved);
        else missing.push(`${path.relative(ROOT, file)} -> ${specifier}`);
      } else {
        const name = specifier.startsWith("node:") ? specifier : packageName(specifier);
        packages.set(name, [...(packages.get(name) ?? []), path.relative(ROOT, file)]);
      }
    }
  }
  return {
    files: [...seen].map((f) => path.relative(ROOT, f).split(path.sep).join("/")).sort(),
    packages,
    missing,
  };
}

/** The packages a package depends on, transitively, read from node_modules. */
function dependencyClosure(roots: readonly string[]): Set<string> {
  const closure = new Set<string>();
  const pending = roots.map((name) => ({ name, from: ROOT }));
  while (pending.length > 0) {
    const { name, from } = pending.pop()!;
    if (closure.has(name)) continue;
    closure.add(name);
    const folder = [path.join(from, "node_modules", name), path.join(ROOT, "node_modules", name)].find((f) =>
      existsSync(path.join(f, "package.json")),
    );
    if (!folder) continue;
    const pkg = JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    for (const dep of Object.keys({
      ...pkg["dependencies"],
      ...pkg["optionalDependencies"],
      ...pkg["peerDependencies"],
    }))
      pending.push({ name: dep, from: folder });
  }
  return closure;
}

/** The Node modules the Node subpath (`marginbook/runtime/node`) may use; the runtime entry uses none. */
const allowedNodeModules = ["node:fs", "node:fs/promises", "node:path"];
const nodeImporters = ["src/runtime/node.ts"];

const forbidden = [
  /^src\/check\//,
  /^src\/compile\//,
  /^src\/syntax\//,
  /^src\/service\//,
  /^src\/cli\//,
  /^grammar\//,
  /chevrotain/,
];

describe("the runtime entry does not reach the compiler", () => {
  const graph = walk(path.join(ROOT, "src/runtime/index.ts"), ".ts");

  it("src/runtime/index.ts imports only src/runtime, src/ir, src/semantics and src/optimize", () => {
    expect(graph.missing).toEqual([]);
    expect(graph.files).toContain("src/runtime/codegen.ts");
    expect(graph.files).toContain("src/runtime/interpreter.ts");
    for (const file of graph.files) {
      expect(
        forbidden.some((f) => f.test(file)),
        file,
      ).toBe(false);
      expect(/^src\/(runtime|ir|semantics|optimize)\//.test(file), file).toBe(true);
    }
  });

  it("its only packages are ajv and decimal.js, and nothing they depend on is chevrotain; no Node module at all", () => {
    expect([...graph.packages.keys()].sort()).toEqual(["ajv", "decimal.js"]);
    // The Node subpath adds only Node's file modules, imported by node.ts alone.
    const node = walk(path.join(ROOT, "src/runtime/node.ts"), ".ts");
    for (const file of node.files)
      expect(/^src\/(runtime|ir|semantics|optimize)\//.test(file), file).toBe(true);
    for (const [name, importers] of node.packages) {
      if (!name.startsWith("node:")) continue;
      expect(allowedNodeModules, name).toContain(name);
      for (const file of importers)
        expect(nodeImporters, `${file} imports ${name}`).toContain(file.split(path.sep).join("/"));
    }
    const closure = dependencyClosure([...graph.packages.keys()].filter((name) => !name.startsWith("node:")));
    expect(closure.has("ajv")).toBe(true);
    expect([...closure].filter((name) => /chevrotain/.test(name))).toEqual([]);
  });

  it("the walker sees through comments and finds the compiler where it is imported", () => {
    // index.ts mentions `import { loadArtifact } from "marginbook/runtime"` in a comment: not an import.
    expect(graph.packages.has("marginbook")).toBe(false);
    const cli = walk(path.join(ROOT, "src/cli/main.ts"), ".ts");
    expect(cli.files.some((f) => f.startsWith("grammar/"))).toBe(true);
    expect(cli.packages.has("chevrotain")).toBe(true);
  });

  const built = path.join(ROOT, "dist/src/runtime/index.js");
  it.skipIf(!existsSync(built))(
    "the built dist/src/runtime/index.js does not reach chevrotain either",
    () => {
      const dist = walk(built, ".js");
      expect(dist.missing).toEqual([]);
      for (const file of dist.files)
        expect(/^dist\/src\/(runtime|ir|semantics|optimize)\//.test(file), file).toBe(true);
      const closure = dependencyClosure(
        [...dist.packages.keys()].filter((name) => !name.startsWith("node:")),
      );
      expect([...closure].filter((name) => /chevrotain/.test(name))).toEqual([]);
      // ajv's types only (erased in JavaScript): the built runtime imports decimal.js alone (decimal arithmetic).
      expect([...dist.packages.keys()]).toEqual(["decimal.js"]);
    },
  );

  const bundle = path.join(ROOT, "dist/esm/runtime.mjs");
  it.skipIf(!existsSync(bundle))(
    "the ESM bundles (dist/esm) import decimal.js and Node's modules (runtime-node) only, and share their classes",
    () => {
      const files = ["runtime.mjs", "runtime-node.mjs"];
      const imported = new Set<string>();
      for (let i = 0; i < files.length; i++) {
        for (const specifier of specifiers(path.join(ROOT, "dist/esm", files[i]!))) {
          if (specifier.startsWith("./")) {
            if (!files.includes(specifier.slice(2))) files.push(specifier.slice(2));
          } else
            imported.add(`${files[i]!.startsWith("runtime-node") ? "node entry" : "runtime"}: ${specifier}`);
        }
      }
      // The chunk the two entries share imports only decimal.js; Node's modules come from runtime-node alone.
      expect(files.length).toBeGreaterThan(2);
      expect(imported).toContain("runtime: decimal.js");
      for (const entry of imported)
        expect(entry, entry).toMatch(/^(runtime: decimal\.js|node entry: node:[a-z/]+)$/);
      const script = [
        'const runtime = await import("marginbook/runtime");',
        'const node = await import("marginbook/runtime/node");',
        "console.log(runtime.ArtifactError === node.ArtifactError && runtime.RulebookRegistry === node.RulebookRegistry);",
      ].join("\n");
      expect(
        execFileSync(process.execPath, ["--input-type=module", "-e", script], {
          cwd: ROOT,
          encoding: "utf8",
        }).trim(),
      ).toBe("true");
    },
  );

  it.skipIf(!existsSync(built))(
    "an engine imports it as marginbook/runtime and evaluates an artifact",
    () => {
      const artifact = serializeArtifact(compileArtifact("rules/binance-btcusdt-perp.margin"));
      const script = [
        'import { loadArtifact } from "marginbook/runtime";',
        'import { readFileSync } from "node:fs";',
        "const book = loadArtifact(readFileSync(0, 'utf8'));",
        'const input = { position: { size: 109.488, mark: 31967.27, side: "long" }, market: { vol_30d: 0.5, adv: 2e9 } };',
        "console.log(JSON.stringify(book.evaluate(input).outputs));",
      ].join("\n");
      const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: ROOT,
        input: artifact,
        encoding: "utf8",
      });
      expect(JSON.parse(output)).toMatchObject({
        maintenance_margin: 71200.82,
        maintenance_margin_exact: 71200.811444,
      });
    },
  );

  it("package.json exports the runtime entry as marginbook/runtime and the Node part as marginbook/runtime/node, for import and require", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    expect(pkg.exports["./runtime"]).toEqual({
      import: { types: "./dist/src/runtime/index.d.ts", default: "./dist/esm/runtime.mjs" },
      require: { types: "./dist/cjs/runtime.d.cts", default: "./dist/cjs/runtime.cjs" },
    });
    expect(pkg.exports["./runtime/node"]).toMatchObject({
      import: { default: "./dist/esm/runtime-node.mjs" },
      require: { default: "./dist/cjs/runtime-node.cjs" },
    });
  });
});
