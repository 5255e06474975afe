/**
 * A vitest reporter that prints one closing line, `N passed, N failed` (plus `, N skipped` when some
 * tests were skipped), counting test cases. CI reads that line; vitest's own summary is not in that
 * form. It runs alongside the default reporter (see `vitest.config.ts`).
 *
 * A test file that fails before any of its tests run (an import error, a throwing `beforeAll`)
 * counts as one failure, so a broken file can never hide behind `0 failed`.
 */
import type { Reporter, TestModule } from "vitest/node";

/** The counts behind the closing line. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the test cases of a finished run by state. */
export function countTests(testModules: ReadonlyArray<TestModule>): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const module of testModules) {
    let moduleFailures = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") counts.passed += 1;
      else if (state === "failed") moduleFailures += 1;
      else if (state === "skipped") counts.skipped += 1;
    }
    if (moduleFailures === 0 && module.state() === "failed") moduleFailures = 1;
    counts.failed += moduleFailures;
  }
  return counts;
}

/** The closing line itself. */
export function summaryLine(counts: RunCounts): string {
  return `${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ""}`;
}

/** The reporter: prints the closing line when the run ends. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    process.stdout.write(`\n${summaryLine(countTests(testModules))}\n`);
  }
}
