/**
 * The language-service facade: a document store over a host, answering check, compile and the
 * editor's questions; open documents hide the host's files, bases included.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeSourceHost } from "../../src/node/source-host.js";
import { createLanguageService, memoryHost } from "../../src/service/language-service.js";
import { resolvePosix } from "../../src/service/memory-host.js";
import { root } from "./support.js";

const btc = readFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), "utf8");
const eth = readFileSync(path.join(root, "rules/binance-ethusdt-perp.margin"), "utf8");

describe("createLanguageService", () => {
  it("compiles a rulebook and its base from the in-memory host", () => {
    const service = createLanguageService(
      memoryHost({ "rules/binance-btcusdt-perp.margin": btc, "rules/binance-ethusdt-perp.margin": eth }),
    );
    const compiled = service.compile("rules/binance-ethusdt-perp.margin");
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.ir.steps.some((s) => s.kind === "output")).toBe(true);
    // The check kept the text of both files: the compiler took its line numbers from there.
    expect([...compiled.check.sources.keys()].sort()).toEqual([
      "rules/binance-btcusdt-perp.margin",
      "rules/binance-ethusdt-perp.margin",
    ]);
  });

  it("gives the diagnostics, never an IR, for a rulebook with errors", () => {
    const service = createLanguageService(memoryHost({}));
    service.open("broken.margin", btc.replace("output initial_margin: USDT", "output initial_margin: Ratio"));
    const compiled = service.compile("broken.margin");
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.errors).toBeGreaterThan(0);
    expect(compiled.diagnostics.map((d) => d.code)).toEqual(["MB2003"]);
  });

  it("lets an open document hide the host's file, bases included, until it is closed", () => {
    const files = new Map([
      ["rules/binance-btcusdt-perp.margin", btc],
      ["rules/binance-ethusdt-perp.margin", eth],
    ]);
    const service = createLanguageService(memoryHost(files));
    const file = "rules/binance-ethusdt-perp.margin";
    expect(service.check(file).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // Editing the base (an open document) changes what the product sees.
    service.open("rules/binance-btcusdt-perp.margin", btc.replace(/^output initial_margin.*$/m, ""));
    const edited = service.compile(file);
    expect(edited.ok && edited.ir.slots.some((s) => s.name === "initial_margin")).toBe(false);
    service.close("rules/binance-btcusdt-perp.margin");
    const restored = service.compile(file);
    expect(restored.ok && restored.ir.slots.some((s) => s.name === "initial_margin")).toBe(true);
  });

  it("answers the editor's questions on the open text", () => {
    const service = createLanguageService(memoryHost({}));
    service.open("b.margin", btc);
    const offset = btc.indexOf("notional * im_rate") + 2;
    expect(service.hover("b.margin", offset)?.contents.join("\n")).toMatch(/notional/);
    expect(service.definition("b.margin", offset)?.file).toBe("b.margin");
    expect(service.references("b.margin", offset).length).toBeGreaterThan(1);
    expect(service.symbols("b.margin").map((s) => s.name)).toContain("initial_margin");
    expect(service.complete("b.margin", offset).items.length).toBeGreaterThan(0);
    expect(service.format("b.margin").text).toContain("output initial_margin");
    const preview = service.preview("b.margin", {});
    expect(preview.ok).toBe(true);
    const verified = service.verify("b.margin", { budgetMs: 2000 });
    expect("report" in verified).toBe(true);
  });

  it("reads the disk through the Node host", () => {
    const service = createLanguageService(nodeSourceHost(root));
    const compiled = service.compile("rules/binance-ethusdt-perp.margin");
    expect(compiled.ok).toBe(true);
  });

  it("throws for a document neither open nor on the host (a host bug, not a user error)", () => {
    const service = createLanguageService(memoryHost({}));
    expect(() => service.check("nowhere.margin")).toThrow(/no document nowhere.margin/);
  });
});

describe("memoryHost paths", () => {
  it("resolves like POSIX paths", () => {
    expect(resolvePosix("rules/a.margin", "../base/b.margin")).toBe("base/b.margin");
    expect(resolvePosix("rules/a.margin", "./b.margin")).toBe("rules/b.margin");
    expect(resolvePosix("/x/rules/a.margin", "b.margin")).toBe("/x/rules/b.margin");
    expect(resolvePosix("rules/a.margin", "/abs/b.margin")).toBe("/abs/b.margin");
  });
});
