/**
 * Issue 13: files that are devices or huge, `extends` out of the project, terminal escapes in what
 * the CLI prints, the studio server's reads and saves, and runtime overflow.
 */
import { execFileSync } from "node:child_process";
import { isUtf8 } from "node:buffer";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeUtf8,
  FileRefusedError,
  nodeSourceHost,
  NotUtf8Error,
  readText,
  readTextAsync,
} from "../../src/cli/files.js";
import { firstInvalidUtf8 } from "../../src/node/files.js";
import { runCaptured } from "../support/cli.js";
import { safeText } from "../../src/cli/terminal-text.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { startStudio, type Studio } from "../../src/studio/server.js";

const HEADER = 'rulebook "x" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD\n';
const BODY = "input p { a: Number }\noutput o: Number = p.a\n";
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "marginbook-hostile-"));
  mkdirSync(path.join(dir, "proj", "sub"), { recursive: true });
  mkdirSync(path.join(dir, "outside"));
  writeFileSync(path.join(dir, "proj", "package.json"), "{}");
  writeFileSync(path.join(dir, "outside", "base.margin"), HEADER + BODY);
  writeFileSync(path.join(dir, "proj", "base.margin"), HEADER + BODY);
  symlinkSync("/dev/zero", path.join(dir, "proj", "zero.margin"));
  execFileSync("mkfifo", [path.join(dir, "proj", "fifo.margin")]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(argv, cwd);
}

describe("reading files (medium 8)", () => {
  it("refuses devices, FIFOs and oversized files before reading them", async () => {
    expect(() => readText("/dev/zero")).toThrow(FileRefusedError);
    expect(() => readText(path.join(dir, "proj", "zero.margin"))).toThrow("not a regular file");
    expect(() => readText(path.join(dir, "proj", "fifo.margin"))).toThrow("not a regular file");
    expect(() => readText(path.join(dir, "proj", "base.margin"), 10)).toThrow("the limit is 10");
    await expect(readTextAsync(path.join(dir, "proj", "fifo.margin"))).rejects.toThrow("not a regular file");
    expect(readText(path.join(dir, "proj", "base.margin"))).toBe(HEADER + BODY);
  });

  it('confines extends to the project, and to regular files ("MB2021")', () => {
    const check = (extendsPath: string, file = "proj/sub/child.margin"): string[] => {
      const source = HEADER.replace("\n", `\n  extends "${extendsPath}"\n`) + "output o2: Number = p.a\n";
      return checkRulebook(source, file, nodeSourceHost(dir, new Map()))
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => `${d.code} ${d.message}`);
    };
    expect(check("../base.margin")).toEqual([]);
    expect(check("../../outside/base.margin")[0]).toMatch(
      /^MB2021 the base rulebook `..\/..\/outside\/base.margin` is outside the project/,
    );
    expect(check("/dev/zero")[0]).toMatch(/^MB2021 /);
    expect(check("../zero.margin")[0]).toMatch(
      /^MB2021 the base rulebook `..\/zero.margin` is outside the project/,
    );
    expect(check("fifo.margin", "proj/child.margin")[0]).toBe(
      "MB2021 the base rulebook `fifo.margin` is not a regular file",
    );
  });

  it('confines import to the project, as extends ("MB2032")', () => {
    const check = (importPath: string, file = "proj/sub/child.margin"): string[] => {
      const source = `${HEADER}import "${importPath}" as b version 1.0.0\noutput o2: Number = b.o\n`;
      return checkRulebook(source, file, nodeSourceHost(dir, new Map()))
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => `${d.code} ${d.message}`);
    };
    expect(check("../base.margin")).toEqual([]);
    expect(check("../../outside/base.margin")[0]).toMatch(
      /^MB2032 the imported rulebook `..\/..\/outside\/base.margin` is outside the project of the rulebook that names it/,
    );
    expect(check("fifo.margin", "proj/child.margin")[0]).toBe(
      "MB2032 the imported rulebook `fifo.margin` is not a regular file",
    );
  });

  it("a test file naming a device, or a link to one, is a broken test file (exit 1), not a hang", async () => {
    writeFileSync(path.join(dir, "proj", "dev.test.yaml"), "rulebook: /dev/zero\ncases: []\n");
    symlinkSync("/dev/zero", path.join(dir, "proj", "link.test.yaml"));
    const result = await run(["test", "proj/dev.test.yaml", "proj/link.test.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("is not a regular file");
    expect(result.stdout).toContain("cannot read proj/link.test.yaml: not a regular file");
  });
});

describe("text that is not UTF-8", () => {
  // `owner "Société Générale"` as a Latin-1 or Windows-1252 editor saves it: é is the byte 0xE9.
  const LATIN1 = Buffer.from(`${HEADER}  owner "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale"\n${BODY}`, "latin1");

  it("is refused when read, naming the first bad byte and where it is, never turned into U+FFFD", () => {
    writeFileSync(path.join(dir, "latin1.margin"), LATIN1);
    expect(() => readText(path.join(dir, "latin1.margin"))).toThrow(
      "not UTF-8 text: the byte 0xE9 at line 2, column 14 is not UTF-8 (`é` in Windows-1252 or Latin-1); save the file as UTF-8",
    );
    expect(() => readText(path.join(dir, "latin1.margin"))).toThrow(NotUtf8Error);
    // A file saved as "Unicode" by Windows Notepad: UTF-16 with its byte-order mark.
    writeFileSync(path.join(dir, "utf16.margin"), Buffer.from(`\ufeff${HEADER}${BODY}`, "utf16le"));
    expect(() => readText(path.join(dir, "utf16.margin"))).toThrow(
      "not UTF-8 text: it is UTF-16 (it starts with the byte-order mark 0xFF 0xFE); save the file as UTF-8",
    );
    // UTF-8 with a byte-order mark is UTF-8 (the mark is dropped), and U+FFFD written as UTF-8 is text.
    expect(decodeUtf8(Buffer.from(`\ufeff${HEADER}`))).toBe(HEADER);
    expect(decodeUtf8(Buffer.from("a\ufffdb"))).toBe("a\ufffdb");
    // Overlong forms, surrogates and a sequence cut short at the end are not UTF-8 either.
    for (const bad of [
      [0x61, 0xc0, 0xaf],
      [0x61, 0xed, 0xa0, 0x80],
      [0x61, 0xe2, 0x82],
    ])
      expect(() => decodeUtf8(Uint8Array.from(bad)), bad.join(" ")).toThrow(
        "at line 1, column 2 is not UTF-8",
      );
  });

  it("finds the first bad byte exactly where Node's own UTF-8 check says the text stops being UTF-8", () => {
    const utf8ish = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }).map((b) => [b]),
        fc.string({ unit: "grapheme", maxLength: 3 }).map((t) => [...Buffer.from(t)]),
        fc.constantFrom([0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0x80], [0xf0, 0x9f, 0x98]),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(utf8ish, (parts) => {
        const bytes = Uint8Array.from(parts.flat());
        const at = firstInvalidUtf8(bytes);
        expect(at === -1).toBe(isUtf8(bytes));
        if (at >= 0) {
          expect(isUtf8(bytes.subarray(0, at))).toBe(true);
          expect(isUtf8(bytes.subarray(0, at + 4))).toBe(false);
        }
      }),
      { numRuns: 3000, seed: 20261207 },
    );
  });

  it("check, fmt and compile refuse it and leave it as it was; an extends base names why", async () => {
    writeFileSync(path.join(dir, "latin1.margin"), LATIN1);
    const compiled = await run(["compile", "latin1.margin", "-o", "out.json", "--allow-dirty"]);
    expect(compiled.code).toBe(2);
    expect(compiled.stderr).toMatch(/latin1\.margin: not UTF-8 text: the byte 0xE9 at line 2, column 14/);
    // check and fmt take folders: the file's own error, exit 1 (see the next test).
    const checked = await run(["check", "latin1.margin"]);
    expect(checked.stdout).toMatch(
      /latin1\.margin:1:1: error MB1016: cannot read this file: not UTF-8 text: the byte 0xE9 at line 2, column 14/,
    );
    expect(checked.code).toBe(1);
    // No code frame under an unread file: it would be an empty line with a caret.
    expect(checked.stdout).not.toContain(" 1 |");
    const formatted = await run(["fmt", "latin1.margin"]);
    expect(formatted.stdout).toMatch(
      /latin1\.margin: not formatted: cannot read it: not UTF-8 text: the byte 0xE9 at line 2, column 14/,
    );
    expect(formatted.code).toBe(1);
    expect(readFileSync(path.join(dir, "latin1.margin")).equals(LATIN1)).toBe(true);
    expect(existsSync(path.join(dir, "out.json"))).toBe(false);
    writeFileSync(path.join(dir, "proj", "latin1.margin"), LATIN1);
    const child = HEADER.replace("\n", '\n  extends "latin1.margin"\n') + "output o2: Number = p.a\n";
    const errors = checkRulebook(child, "proj/child.margin", nodeSourceHost(dir, new Map())).diagnostics;
    expect(errors.map((d) => `${d.code} ${d.message}`)).toContain(
      "MB2021 the base rulebook `latin1.margin` is not UTF-8 text: the byte 0xE9 at line 2, column 14 is not UTF-8 (`é` in Windows-1252 or Latin-1); save the file as UTF-8",
    );
  });

  it("in a folder, check, fmt and verify report it as that file's error and go on with the others", async () => {
    const folder = path.join(dir, "mixed");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "b-latin1.margin"), LATIN1);
    writeFileSync(path.join(folder, "a-good.margin"), `${HEADER}${BODY}`);
    writeFileSync(path.join(folder, "c-typo.margin"), `${HEADER}${BODY}output typo: Number = p.zz\n`);
    const checked = await run(["check", "mixed", "--format", "json"]);
    expect(checked.code).toBe(1);
    const diagnostics = JSON.parse(checked.stdout) as { code: string; file: string }[];
    expect(diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      "mixed/b-latin1.margin MB1016",
      "mixed/c-typo.margin MB2002",
    ]);
    expect(diagnostics[0]!.code).toBe("MB1016");
    expect(checked.stderr).toBe("2 errors, 0 warnings in 3 files\n");
    const formatted = await run(["fmt", "mixed", "--check"]);
    expect(formatted.stdout).toContain("1 file that cannot be read left untouched");
    expect(formatted.code).toBe(1);
    const verified = await run(["verify", "mixed"]);
    expect(verified.stderr).toMatch(/cannot read mixed\/b-latin1\.margin: not UTF-8 text/);
    expect(verified.stdout).toContain("2 rulebooks with errors (3 rulebooks)");
    expect(verified.code).toBe(1);
    expect(readFileSync(path.join(folder, "b-latin1.margin")).equals(LATIN1)).toBe(true);
  });
});

describe("file names with control characters", () => {
  it("are left out of a folder's files and named escaped, so they cannot forge output lines", async () => {
    const folder = path.join(dir, "names");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "we\u001b[31mird\nname.margin"), `${HEADER}${BODY}`);
    writeFileSync(path.join(folder, "plain.margin"), `${HEADER}${BODY}`);
    for (const command of ["check", "fmt"]) {
      const result = await run([command, "names"]);
      expect(result.stderr, command).toBe(
        'marginbook: skipped "names/we\\u001b[31mird\\nname.margin": its name has a control character; rename the file\n',
      );
      expect(result.stdout, command).not.toContain("name.margin");
      expect(result.stdout, command).toMatch(/1 file/);
      expect(result.code, command).toBe(0);
    }
  });
});

describe("terminal output (medium 6)", () => {
  it("shows control, bidi and invisible characters as visible escapes, and keeps marginbook's own colours", () => {
    expect(safeText("a\u001b]0;pwned\u0007b\u202Ec\u200Bd\r\n")).toBe(
      "a\\u001b]0;pwned\\u0007b\\u202ec\\u200bd\\u000d\n",
    );
    expect(safeText("\u001b[31merror\u001b[0m", true)).toBe("\u001b[31merror\u001b[0m");
    expect(safeText("\u001b[31merror\u001b[0m", false)).toBe("\\u001b[31merror\\u001b[0m");
    expect(safeText("\u001b[8mhidden\u001b[0m", true)).toBe("\\u001b[8mhidden\u001b[0m");
    expect(safeText("\r\u001b[2K")).toBe("\r\u001b[2K");
    // A JSON document stays the same data.
    const json = JSON.stringify({ owner: "a\u202Eb\u0085c" });
    expect(JSON.parse(safeText(json))).toEqual({ owner: "a\u202Eb\u0085c" });
  });

  it("check, compile, inspect and eval print no raw escape sequence from a hostile rulebook", async () => {
    // Control characters in the header's strings are errors (MB1015); in a comment they are data.
    const source = `rulebook "x\u001b]0;pwned\u0007" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD owner "o\u001b[1A\u001b[2K"\n// \u001b[2J\u009b\n${BODY}`;
    writeFileSync(path.join(dir, "esc.margin"), source);
    const checked = await run(["check", "esc.margin"]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("MB1015");
    for (const text of [checked.stdout, checked.stderr])
      expect(text).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    // An artifact carries such a header anyway (hand-written): inspect and eval escape it.
    writeFileSync(path.join(dir, "clean.margin"), HEADER + BODY);
    expect((await run(["compile", "clean.margin", "-o", "clean.json"])).code).toBe(0);
    const artifact = (await import("node:fs"))
      .readFileSync(path.join(dir, "clean.json"), "utf8")
      .replace('"name": "x"', '"name": "x\\u001b]0;pwned\\u0007\\u202e"');
    writeFileSync(path.join(dir, "evil.json"), artifact);
    const inspected = await run(["inspect", "evil.json"]);
    expect(inspected.stdout + inspected.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(inspected.stdout + inspected.stderr).toContain("\\u001b]0;pwned");
  });
});

describe("the studio server (medium 8, low)", () => {
  let studio: Studio;
  let folder: string;
  const call = (method: string, target: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: studio.port,
          method,
          path: target,
          headers: body === undefined ? {} : { "content-type": "application/json" },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });

  beforeAll(async () => {
    folder = path.join(dir, "studio");
    mkdirSync(path.join(folder, ".web"), { recursive: true });
    writeFileSync(path.join(folder, ".web", "index.html"), "<!doctype html>");
    writeFileSync(path.join(folder, "a.margin"), HEADER + BODY);
    writeFileSync(path.join(dir, "outside", "secret.test.yaml"), "secret");
    symlinkSync(path.join(dir, "outside", "secret.test.yaml"), path.join(folder, "a.test.yaml"));
    writeFileSync(path.join(folder, "b.margin"), HEADER + BODY);
    symlinkSync("/dev/zero", path.join(folder, "b.test.yaml"));
    execFileSync("mkfifo", [path.join(folder, "c.margin")]);
    studio = await startStudio({ folder, staticDir: path.join(folder, ".web"), buildIfMissing: false });
  });
  afterAll(async () => studio?.close());

  it("lists no test file through a link out of the folder or to a device, and stays up", async () => {
    const listing = await call("GET", "/api/workspace");
    expect(listing.status).toBe(200);
    const files = (JSON.parse(listing.text) as { files: { path: string }[] }).files.map((f) => f.path);
    expect(files).toEqual(["a.margin", "b.margin"]);
    expect(listing.text).not.toContain("secret");
  });

  it("refuses to read a FIFO, and answers 400 to a save whose body is null", async () => {
    expect((await call("GET", "/api/file?path=c.margin")).status).toBe(404);
    expect((await call("PUT", "/api/file?path=a.margin", "null")).status).toBe(400);
    expect((await call("PUT", "/api/file?path=a.margin", "[]")).status).toBe(400);
    expect((await call("GET", "/api/workspace")).status).toBe(200);
  });
});

describe("silent overflow at run time (medium 11)", () => {
  const source = `${HEADER}input p { a: Number, b: Number }\nlet big: Number = p.a * p.b\nrule r { set q = p.a }\nrule s { scale q by p.b }\noutput o: Number = if big - big > 0 then 1 else min(q, 5)\n`;
  const ir = lowerRulebook(checkRulebook(source, "x.margin").checked);
  const book = rulebookFromIr(ir);
  const outcome = (run: () => unknown): string => {
    try {
      return JSON.stringify(run());
    } catch (error) {
      return `${(error as { code?: string }).code} ${(error as Error).message}`;
    }
  };
  it("an intermediate Infinity from finite inputs is MB6011 naming the let or quantity, in both evaluators", () => {
    for (const input of [{ p: { a: 1e200, b: 1e200 } }, { p: { a: 1e300, b: 1e9 } }]) {
      const compiled = outcome(() => book.evaluate(input).outputs);
      expect(compiled).toMatch(/^MB6011 `(big|q)` is Infinity/);
      expect(outcome(() => evaluate(ir, input).outputs)).toBe(compiled);
    }
    expect(book.evaluate({ p: { a: 2, b: 3 } }).outputs).toEqual({ o: 5 });
  });
  it("an impossible input timestamp is invalid input", () => {
    const stamped = rulebookFromIr(
      lowerRulebook(
        checkRulebook(`${HEADER}input p { t: Timestamp }\noutput o: Timestamp = p.t\n`, "x.margin").checked,
      ),
    );
    expect(stamped.validate({ p: { t: "2026-02-30T00:00:00Z" } }).errors.map((e) => e.kind)).toEqual([
      "timestamp",
    ]);
    expect(stamped.validate({ p: { t: "2026-02-28T00:00:00Z" } }).valid).toBe(true);
  });
});
