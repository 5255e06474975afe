import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The default reporter for people, then one plain `N passed, N failed` line for CI.
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
