import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Generous: the machine is shared, and a test that takes 3 s alone can take 9 s under load.
    testTimeout: 30_000,
    // The default reporter for people, then one plain `N passed, N failed` line for CI.
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
