/** The CLI run in process, its output captured: what the CLI tests assert on. */
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";

/** A finished CLI run: its exit code and everything it wrote. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `marginbook <argv>` in `cwd` without colour; `io` adds or overrides (stdin, colour). */
export async function runCaptured(argv: string[], cwd: string, io: Partial<CliIo> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    ...io,
  });
  return { code, stdout, stderr };
}
