// Builds the CommonJS entries of the runtime (`require("marginbook/runtime")` and
// `require("marginbook/runtime/node")`) from the TypeScript sources with esbuild: one file per
// entry, packages (ajv) left as `require` calls. Run by `npm run build` after `tsc`.
import { build } from "esbuild";
import { writeFileSync, mkdirSync } from "node:fs";

const entries = { runtime: "src/runtime/index.ts", "runtime-node": "src/runtime/node.ts" };
mkdirSync("dist/cjs", { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/cjs/${name}.cjs`,
    bundle: true,
    format: "cjs",
    platform: name === "runtime" ? "neutral" : "node",
    target: "es2022",
    packages: "external",
    logLevel: "warning",
    legalComments: "none",
  });
  // Types for `require`: the same declarations as the ESM entry.
  writeFileSync(
    `dist/cjs/${name}.d.cts`,
    `export * from "../src/runtime/${entry.endsWith("node.ts") ? "node" : "index"}.js";\n`,
  );
}
