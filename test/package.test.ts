/**
 * The package installs: `npm pack` (of the built tree), then `npm install <tarball>` into an empty
 * project, then what a user does there: the CLI (`marginbook check`, `compile`), the runtime from
 * ESM (`import "marginbook/runtime"`) and from CommonJS (`require("marginbook/runtime")`), the Node
 * subpath, and the types under `strict` for both module kinds.
 *
 * The tree must be built (`npm test` builds it first; `npm run build` otherwise): the test packs
 * with `--ignore-scripts` so that it does not rebuild what `npm test` just built.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/rulebooks.js";

const work = mkdtempSync(path.join(tmpdir(), "marginbook-pack-"));
const project = path.join(work, "consumer");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const INPUT =
  '{ position: { size: 109.488, mark: 31967.27, side: "long" }, market: { vol_30d: 0.5, adv: 2e9 } }';
let tarball = "";
let listing: string[] = [];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
}

beforeAll(() => {
  for (const built of ["dist/src/cli/main.js", "dist/src/runtime/index.js", "dist/cjs/runtime.cjs"]) {
    if (!existsSync(path.join(ROOT, built)))
      throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  const name = run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], ROOT)
    .trim()
    .split("\n")
    .at(-1)!;
  tarball = path.join(work, name);
  listing = run("tar", ["-tzf", tarball], work).split("\n").filter(Boolean);
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true }),
  );
  run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--silent"], project);
  copyFileSync(path.join(ROOT, "rules/binance-btcusdt-perp.margin"), path.join(project, "binance.margin"));
}, 240_000);

describe("npm pack, then npm install into an empty project", { timeout: 60_000 }, () => {
  it("the tarball holds the built code, the bin, README, LICENSE and docs, and no tests or TypeScript sources", () => {
    for (const file of [
      "package/dist/src/runtime/index.js",
      "package/dist/src/runtime/index.d.ts",
      "package/dist/src/runtime/node.js",
      "package/dist/cjs/runtime.cjs",
      "package/dist/src/cli/main.js",
      "package/dist/cli/main.js",
      "package/dist/cli/check.vm.js",
      "package/dist/cli/check.vm.cache",
      "package/bin/marginbook.js",
      // Says the bin is CommonJS: without it, the package's "type": "module" would make it an ES module.
      "package/bin/package.json",
      "package/README.md",
      "package/LICENSE",
      "package/docs/compliance.md",
    ]) {
      expect(listing, file).toContain(file);
    }
    expect(listing.filter((f) => /^package\/(test|bench|editor|src|grammar|scripts)\//.test(f))).toEqual([]);
    expect(listing.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(listing.filter((f) => f.endsWith(".map"))).toEqual([]);
  });

  it("the tarball holds what the last build made, and nothing an earlier build left behind", () => {
    // dist/src and dist/grammar: `tsc`'s output, one module per TypeScript source that exists now.
    const orphans = listing.filter((f) => {
      const m = /^package\/dist\/(src|grammar)\/(.+?)\.(?:js|d\.ts)$/.exec(f);
      return m !== null && !existsSync(path.join(ROOT, m[1]!, `${m[2]}.ts`));
    });
    expect(orphans).toEqual([]);
    // dist/cli: esbuild's hashed chunks, each imported (statically or lazily) from an entry.
    const inCli = new Set(
      listing.filter((f) => f.startsWith("package/dist/cli/")).map((f) => path.basename(f)),
    );
    const reached = new Set(["main.js", "impact-worker.js", "check.vm.js", "check.vm.cache"]);
    const pending = ["main.js", "impact-worker.js"];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      const code = readFileSync(path.join(project, "node_modules/marginbook/dist/cli", file), "utf8");
      for (const [, name] of code.matchAll(/(?:from|import\(?)\s*"\.\/([\w.-]+\.js)"/g)) {
        if (!reached.has(name!)) {
          reached.add(name!);
          pending.push(name!);
        }
      }
    }
    expect([...inCli].filter((f) => !reached.has(f))).toEqual([]);
    expect([...reached].filter((f) => !inCli.has(f))).toEqual([]);
  });

  it("runs the CLI: check and compile", () => {
    const bin = path.join(project, "node_modules/.bin/marginbook");
    expect(run(bin, ["check", "binance.margin"], project)).toContain("checked 1 file: no errors");
    run(bin, ["compile", "binance.margin", "-o", "binance.json"], project);
    expect(readdirSync(project)).toContain("binance.json");
  });

  it("imports the runtime from ESM and requires it from CommonJS", () => {
    const esm = `import { loadArtifact } from "marginbook/runtime"; import { readFileSync } from "node:fs";
      console.log(loadArtifact(readFileSync("binance.json", "utf8")).evaluate(${INPUT}).outputs.maintenance_margin);`;
    expect(run(process.execPath, ["--input-type=module", "-e", esm], project).trim()).toBe("71200.82");
    const cjs = `const { loadArtifact } = require("marginbook/runtime"); const { FolderRegistry } = require("marginbook/runtime/node");
      if (typeof FolderRegistry !== "function") throw new Error("no FolderRegistry");
      console.log(loadArtifact(require("fs").readFileSync("binance.json", "utf8")).evaluate(${INPUT}).outputs.maintenance_margin);`;
    expect(run(process.execPath, ["-e", cjs], project).trim()).toBe("71200.82");
  });

  it("an error from the ESM runtime is an instance of the CommonJS runtime's class, and back", () => {
    const both = `import * as esm from "marginbook/runtime"; import { createRequire } from "node:module";
      import { readFileSync } from "node:fs";
      const cjs = createRequire(import.meta.url)("marginbook/runtime");
      const verdicts = [];
      for (const [from, to] of [[esm, cjs], [cjs, esm]]) {
        try { from.loadArtifact("{}"); } catch (e) { verdicts.push(e instanceof to.ArtifactError, e instanceof to.RegistryError); }
        const book = from.loadArtifact(readFileSync("binance.json", "utf8"));
        try { book.evaluate({}); } catch (e) { verdicts.push(e instanceof to.InputValidationError, e instanceof to.ArtifactError); }
      }
      console.log(verdicts.join(" "));`;
    expect(run(process.execPath, ["--input-type=module", "-e", both], project).trim()).toBe(
      "true false true false true false true false",
    );
  });

  it("types resolve under strict, for ESM and for CommonJS", () => {
    writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          noEmit: true,
          types: [],
        },
        files: ["engine.mts", "engine.cts"],
      }),
    );
    writeFileSync(
      path.join(project, "engine.mts"),
      [
        'import { loadArtifact, RulebookRegistry, type RegistryResult } from "marginbook/runtime";',
        'import { FolderRegistry } from "marginbook/runtime/node";',
        "const book = loadArtifact('{}');",
        "const margin: unknown = book.evaluate({}).outputs['maintenance_margin'];",
        "const registry: RulebookRegistry = new FolderRegistry({ trustedKeys: [] });",
        "export const result: Promise<RegistryResult | undefined> = registry.add('{}').then(() => undefined);",
        "export { margin };",
      ].join("\n"),
    );
    writeFileSync(
      path.join(project, "engine.cts"),
      [
        'import runtime = require("marginbook/runtime");',
        "export const version: string = runtime.loadArtifact('{}').meta.version;",
      ].join("\n"),
    );
    run(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], project);
  });
});
