/**
 * The SQL target reads the IR only (`ir <- sql`): its modules import each other, `src/ir` and the
 * diagnostic catalog, never the checker, the compiler or the runtime, and no Node module (the CLI
 * does the I/O). Every builtin and rule verb has an entry in its complete tables (`satisfies Record`,
 * checked by tsc); this test keeps the imports honest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/rulebooks.js";

describe("src/sql", () => {
  it("imports only the IR, the diagnostic catalog and itself", () => {
    const folder = resolve(ROOT, "src/sql");
    const imports = readdirSync(folder).filter((f) => f.endsWith(".ts")).flatMap((file) =>
      [...readFileSync(resolve(folder, file), "utf8").matchAll(/^(?:import|export)[^;]*? from "([^"]+)";/gm)].map((m) => `${file}: ${m[1]}`));
    expect(imports.length).toBeGreaterThan(5);
    const allowed = /: (\.\/[a-z-]+\.js|\.\.\/ir\/ir\.js|\.\.\/diagnostics\/catalog\.js)$/;
    expect(imports.filter((i) => !allowed.test(i))).toEqual([]);
  });
});
