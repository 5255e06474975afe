import { defineConfig } from "vitest/config";

// Three projects: `unit` (everything that is neither fuzzing nor a browser), `fuzz` (property-based
// and differential fuzzing, sized by FUZZ_RUNS: small by default, larger with `npm run fuzz`) and
// `browser` (real Chromium). `npm test` runs all three; `npx vitest run --project unit` runs one.
// The unit project shares one module graph per worker (isolate: false): most of a test file's
// start-up was importing the compiler again, and no unit test relies on a fresh module state.
export default defineConfig({
  test: {
    // The default reporter for people, then one plain `N passed, N failed` line for CI.
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Generous: the machine is shared and the suite runs beside other work. Tests are not timed.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/fuzz/**", "test/browser/**"],
          isolate: false,
        },
      },
      { extends: true, test: { name: "fuzz", include: ["test/fuzz/**/*.test.ts"] } },
      { extends: true, test: { name: "browser", include: ["test/browser/**/*.test.ts"] } },
    ],
  },
});
