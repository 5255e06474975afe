/**
 * The one catalog of codes: every code written anywhere in src/ is an entry, entries are in code
 * order, no template is a bare placeholder, and a report that leaves a placeholder without a value
 * does not compile.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { messages } from "../../src/semantics/catalog.js";
import { ROOT } from "../support/rulebooks.js";

const specs = Object.values(messages);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.includes("generated"))
    .map((name) => path.join(folder, name));
}

describe("the catalog", () => {
  it("lists its codes in code order, each once", () => {
    const codes = specs.map((s) => s.code);
    expect(codes).toEqual([...codes].sort());
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("holds every code that src/ writes", () => {
    const known = new Set(specs.map((s) => s.code));
    const unknown: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, "src"))) {
      if (file.endsWith(path.join("semantics", "catalog.ts"))) continue;
      for (const match of readFileSync(file, "utf8").matchAll(/"(MB\d{4})"/g))
        if (!known.has(match[1]!)) unknown.push(`${path.relative(ROOT, file)}: ${match[1]}`);
    }
    expect(unknown).toEqual([]);
  });

  it("has no template that is only a placeholder", () => {
    const bare = specs.filter((s) => /^\{\w+\}$/.test(s.template.trim())).map((s) => s.code);
    expect(bare).toEqual([]);
  });

  it("types template arguments: a missing placeholder is a compile error", () => {
    const probe = path.join(ROOT, "src", "__catalog_probe__.ts");
    const text = [
      'import { Reporter } from "./diagnostics/diagnostic.js";',
      'import { messages } from "./semantics/catalog.js";',
      'const reporter = new Reporter("x.margin");',
      "const at = { start: 0, end: 1 };",
      'reporter.report(messages.unexpectedToken, at, { expected: "`=`", found: "(" });',
      'reporter.report(messages.unexpectedToken, at, { expected: "`=`" });',
      'reporter.report(messages.indexNotNumber, at, { actual: "Bool", extra: 1 });',
      "reporter.report(messages.noOutputs, at);",
    ].join("\n");
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    host.readFile = (file) => (path.resolve(file) === probe ? text : read(file));
    const exists = host.fileExists.bind(host);
    host.fileExists = (file) => path.resolve(file) === probe || exists(file);
    const program = ts.createProgram([probe], options, host);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && path.resolve(d.file.fileName) === probe)
      .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}: TS${d.code}`);
    // Line 6 misses {found}; line 7 names a placeholder the template does not have.
    expect(errors).toEqual(["6: TS2345", "7: TS2353"]);
  });
});
