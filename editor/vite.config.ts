/**
 * Vite build of the rulebook studio's page. `npm run build:editor` writes it to dist/editor, which
 * `marginbook studio` serves. The language service runs in a module worker (it shares its code with
 * the CLI, from ../src); only Monaco's slim entry is bundled, not every language it ships.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  clearScreen: false,
  build: {
    outDir: fileURLToPath(new URL("../dist/editor", import.meta.url)),
    emptyOutDir: true,
    // Monaco is large by nature: one chunk of it is expected.
    chunkSizeWarningLimit: 6000,
    sourcemap: false,
    // The build is short; Rolldown's per-plugin timing report is noise here.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: { format: "es" },
  // Chevrotain is imported only from the worker, which the dev server discovers late.
  optimizeDeps: { include: ["chevrotain", "yaml", "ajv/dist/2020.js"] },
});
