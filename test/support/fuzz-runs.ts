/**
 * How many cases a fuzz test runs: `FUZZ_RUNS` when given; otherwise a small number on a developer's
 * machine (`npm test` stays quick) and a larger one under CI (`CI=true`, as `.ci/run` is started),
 * where the suite has the time to be thorough. `npm run fuzz` runs many more.
 */
export function fuzzRuns(local: number, ci: number): number {
  const given = process.env["FUZZ_RUNS"];
  if (given !== undefined && given !== "") return Number(given);
  return process.env["CI"] === "true" || process.env["CI"] === "1" ? ci : local;
}
