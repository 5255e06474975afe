/**
 * The studio in a real browser: Debian's Chromium driven by playwright-core. The suite builds the
 * editor with Vite's own `build()`, starts the studio server on port 0 over a temporary copy of two
 * rulebooks, and drives the page as a user would: typing in Monaco, hovering, saving. Each test saves
 * a screenshot under test/browser/screenshots/.
 *
 * Without /usr/bin/chromium the suite is skipped (CI installs it; see .ci/run).
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startStudio, type Studio } from "../../src/studio/server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const screenshots = path.join(root, "test/browser/screenshots");
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const BTC = "binance-btcusdt-perp.margin";
const FTX = "ftx-sqrt-imf.margin";
/** A rulebook file that is not UTF-8. */
const LATIN1 = "saved-as-latin1.margin";
/** A rulebook whose IM falls below its MM in one tier: verification finds a counterexample. */
const VIOLATED = "verify-im-below-mm.margin";

/** What the page exposes for tests (editor/src/main.ts). */
interface Marker {
  code: string;
  severity: string;
  message: string;
  line: number;
  column: number;
}
interface Problem {
  code: string;
  file: string;
  startLine: number;
  message: string;
}
interface StudioHandle {
  markers(): Marker[];
  markersOf(path: string): Marker[];
  problems(): { rulebook: Problem[]; tests: Problem[] };
  change():
    | {
        label: string;
        changes: { subject: string; name: string; details: string[] }[];
        outputs: { name: string; up: number; movers: { name: string; reason: string }[] }[];
      }
    | undefined;
  baseline(): { label: string; note?: string } | undefined;
  runAction(id: string): Promise<void>;
  path(): string | undefined;
  text(): string | undefined;
  preview():
    | {
        samples: { name: string; outputs?: Record<string, number> }[];
        tests?: { passed: number; failed: number; problems: unknown[] };
        baseline?: { label: string; samples: (Record<string, number> | undefined)[] };
      }
    | undefined;
  verification():
    | { properties: { text: string; status: string; counterexample?: { evaluation: { input: unknown } } }[] }
    | undefined;
  counts(): { diagnostics: number; previews: number };
  cursor(line: number, column: number): void;
  position(): { line: number; column: number } | undefined;
  point(line: number, column: number): { x: number; y: number } | undefined;
}
declare global {
  interface Window {
    __studio?: StudioHandle;
  }
}

let folder: string;
let outDir: string;
let studio: Studio;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** `rules/multi-asset-total.margin` and the books it imports. */
const IMPORTING = [
  "multi-asset-total.margin",
  "finra-4210-short-options.margin",
  "cme-calendar-spreads.margin",
  "ftx-sqrt-imf.margin",
];

/**
 * Every test works on its own copy of a rulebook (with its test file), in one page loaded once:
 * loading Monaco is most of a test's time, and separate files keep the tests independent.
 */
const COPIES = {
  errors: BTC,
  preview: BTC,
  completion: BTC,
  hover: BTC,
  navigate: BTC,
  save: FTX,
  conflict: BTC,
  baseline: BTC,
  failing: BTC,
  yaml: BTC,
  merge: BTC,
  quickfix: BTC,
} as const;
const fileFor = (test: keyof typeof COPIES): string => `${test}-${COPIES[test]}`;

describe.skipIf(!existsSync(CHROMIUM))("the studio in Chromium", { timeout: 30_000 }, () => {
  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), "marginbook-studio-"));
    outDir = mkdtempSync(path.join(tmpdir(), "marginbook-editor-"));
    for (const [test, name] of Object.entries(COPIES)) {
      copyFileSync(path.join(root, "rules", name), path.join(folder, `${test}-${name}`));
      copyFileSync(
        path.join(root, "rules", name.replace(".margin", ".test.yaml")),
        path.join(folder, `${test}-${name.replace(".margin", ".test.yaml")}`),
      );
    }
    copyFileSync(path.join(root, "test/fixtures/verify/im-below-mm.margin"), path.join(folder, VIOLATED));
    // A rulebook that imports three others, under their own names (the worker reads them from the folder).
    for (const name of IMPORTING) copyFileSync(path.join(root, "rules", name), path.join(folder, name));
    // A rulebook saved in Latin-1 (é as the byte 0xE9): not UTF-8, so listed as not opened, with why.
    writeFileSync(path.join(folder, LATIN1), Buffer.from('rulebook "Société" version 1.0.0\n', "latin1"));
    // The folder is a git repository: every view compares with its last commit (HEAD).
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=studio@example.com", "-c", "user.name=studio", ...args], {
        cwd: folder,
        stdio: "ignore",
      });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "-m", "rulebooks");
    mkdirSync(screenshots, { recursive: true });
    await build({
      configFile: path.join(root, "editor/vite.config.ts"),
      logLevel: "error",
      build: { outDir, emptyOutDir: true },
    });
    studio = await startStudio({ folder, staticDir: outDir, buildIfMissing: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      // The refused save (HTTP 409) is expected; Chromium logs every non-2xx response.
      if (message.type() === "error" && !/status of 409/.test(message.text()))
        pageErrors.push(message.text());
    });
    await page.goto(`${studio.url}#${encodeURIComponent(fileFor("errors"))}`);
    await page.waitForFunction(() => window.__studio?.preview() !== undefined, null, { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 5);
    expect(pageErrors).toEqual([]);
  });

  /** Opens a file in the studio and waits for its first preview. */
  async function open(file: string): Promise<void> {
    await page.evaluate((path) => window.__studio!.open(path), file);
    await page.waitForFunction(
      (path) => window.__studio!.path() === path && window.__studio!.preview() !== undefined,
      file,
      { timeout: 20_000 },
    );
  }

  /** The 1-based line of the first line of the editor's text containing `needle`. */
  async function lineOf(needle: string): Promise<{ line: number; column: number }> {
    const text = (await page.evaluate(() => window.__studio!.text())) ?? "";
    const lines = text.split("\n");
    const index = lines.findIndex((l) => l.includes(needle) && !l.trimStart().startsWith("//"));
    expect(index, `no line with ${needle}`).toBeGreaterThanOrEqual(0);
    return { line: index + 1, column: lines[index]!.indexOf(needle) + 1 };
  }

  /** Puts the cursor right after `needle` (on its line) and focuses the editor. */
  async function cursorAfter(needle: string): Promise<void> {
    const at = await lineOf(needle);
    await page.evaluate(
      ([line, column]) => window.__studio!.cursor(line!, column!),
      [at.line, at.column + needle.length],
    );
  }

  /** Rests the mouse on a text position (scrolling it into view first). */
  async function hoverAt(line: number, column: number): Promise<void> {
    await page.evaluate(([l, c]) => window.__studio!.point(l!, c!), [line, column]);
    await page.waitForTimeout(150);
    const point = await page.evaluate(([l, c]) => window.__studio!.point(l!, c!), [line, column]);
    await page.mouse.move(point!.x - 3, point!.y);
    await page.mouse.move(point!.x, point!.y, { steps: 3 });
  }

  const shot = (name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`) });
  const markerCodes = () => page.evaluate(() => window.__studio!.markers().map((m) => m.code));

  it("lists a file it cannot read as not opened, with the reason", async () => {
    const skipped = page.locator(".file-skipped");
    await expect.poll(() => skipped.count()).toBe(1);
    expect(await skipped.getAttribute("data-path")).toBe(LATIN1);
    expect(await skipped.locator(".file-reason").textContent()).toBe(
      "not UTF-8 text: the byte 0xE9 at line 1, column 15 is not UTF-8 (`é` in Windows-1252 or Latin-1); save the file as UTF-8",
    );
    await skipped.click();
    expect(await page.evaluate(() => window.__studio!.path())).not.toBe(LATIN1);
    await page.locator(".file-list").screenshot({ path: path.join(screenshots, "skipped-file.png") });
  });

  it("shows a squiggle with the right code for a typed error, and clears it when fixed", async () => {
    await open(fileFor("errors"));
    await cursorAfter("notional * im_rate");
    await page.keyboard.type(" + vol_threshold");
    await page.waitForFunction(() => window.__studio!.markers().some((m) => m.code === "MB3001"));
    await page.locator(".squiggly-error").first().waitFor();
    await expect.poll(() => page.locator(".problem[data-code=MB3001]").count()).toBe(1);
    await expect.poll(() => page.locator(".badge-stale").count()).toBe(1);
    // The squiggle's hover names the code and the message.
    await page.keyboard.press("Escape");
    const error = await page.evaluate(() => window.__studio!.markers().find((m) => m.code === "MB3001")!);
    await hoverAt(error.line, error.column + 4);
    await page.locator(".monaco-hover").filter({ hasText: "MB3001" }).first().waitFor();
    await page.waitForTimeout(300); // the hover's fade-in, for the screenshot
    await shot("1-error-squiggle");
    await page.mouse.move(10, 10);
    // The problems list jumps to the spot.
    await cursorAfter("rule base");
    await page.locator(".problem[data-code=MB3001]").click();
    await expect
      .poll(() => page.evaluate(() => window.__studio!.position()))
      .toEqual({ line: error.line, column: error.column });
    await cursorAfter("notional * im_rate + vol_threshold");
    for (let i = 0; i < " + vol_threshold".length; i++) await page.keyboard.press("Backspace");
    await page.waitForFunction(() => !window.__studio!.markers().some((m) => m.code === "MB3001"));
    await expect.poll(() => page.locator(".squiggly-error").count()).toBe(0);
    await expect.poll(() => page.locator(".badge-live").count()).toBe(1);
    await shot("2-error-fixed");
  });

  it("checks a rulebook that imports others from the folder, and squiggles an unknown imported name", async () => {
    await open(IMPORTING[0]!);
    await expect.poll(markerCodes).toEqual([]);
    await cursorAfter("futures.margin_requirement");
    await page.keyboard.press("Backspace");
    await page.waitForFunction(() => window.__studio!.markers().some((m) => m.code === "MB2035"));
    await page.keyboard.type("t");
    await page.waitForFunction(() => window.__studio!.markers().length === 0);
  });

  it("updates the preview and the chart when a parameter changes", async () => {
    await open(fileFor("preview"));
    const before = await page.evaluate(
      () => window.__studio!.preview()!.samples[0]!.outputs!["initial_margin"],
    );
    const pathBefore = await page.locator("path.chart-line[data-series=initial_margin]").getAttribute("d");
    await cursorAfter("param imf_factor = 0.00015");
    for (let i = 0; i < "0.00015".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("0.025");
    // 0.025 x sqrt(109.488) = 26.2% > the bracket's 5%: the size floor now binds.
    await page.waitForFunction(
      (old) => window.__studio!.preview()!.samples[0]!.outputs!["initial_margin"] !== old,
      before,
    );
    const after = await page.evaluate(
      () => window.__studio!.preview()!.samples[0]!.outputs!["initial_margin"],
    );
    expect(after).toBeGreaterThan(before!);
    await expect
      .poll(() => page.locator("path.chart-line[data-series=initial_margin]").getAttribute("d"))
      .not.toBe(pathBefore);
    await expect(page.locator(".chart .chart-boundary").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator(".chart .chart-title").allTextContents()).resolves.toContain(
      "position.size (Quantity)",
    );
    await shot("3-parameter-changes-preview");
  });

  it("offers the fields of an input after `position.`", async () => {
    await open(fileFor("completion"));
    await cursorAfter("output max_leverage: Number = brackets(notional).max_leverage");
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("let probe: USDT = position.");
    const suggest = page.locator(".suggest-widget .monaco-list-row");
    await suggest.first().waitFor();
    await expect
      .poll(() => suggest.allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining("size"), expect.stringContaining("mark")]));
    await shot("4-completion");
  });

  it("shows the type and unit of an expression on hover", async () => {
    await open(fileFor("hover"));
    const at = await lineOf("notional * im_rate round up");
    await hoverAt(at.line, at.column + 3);
    const hover = page
      .locator(".monaco-hover-content, .monaco-hover .hover-contents")
      .filter({ hasText: "USDT money" });
    await hover.first().waitFor({ state: "attached", timeout: 10_000 });
    await expect(hover.first().textContent()).resolves.toContain("let notional: USDT");
    await page.waitForTimeout(300); // the hover's fade-in, for the screenshot
    await shot("5-hover");
  });

  it("goes to a definition with F12, and formats the document", async () => {
    await open(fileFor("navigate"));
    await cursorAfter("output initial_margin: USDT = notional * im_rate");
    await page.keyboard.press("F12");
    const quantity = await lineOf("set im_rate: Rate");
    await expect.poll(() => page.evaluate(() => window.__studio!.position()?.line)).toBe(quantity.line);
    await cursorAfter("param vol_slope = 0.5");
    await page.keyboard.press("Home");
    await page.keyboard.type("param   spare =    2\n");
    await page.locator("button", { hasText: "Format" }).click();
    await expect.poll(() => page.evaluate(() => window.__studio!.text())).toContain("\nparam spare = 2\n");
    // The new parameter is never used: a warning, with its squiggle.
    await expect.poll(() => page.locator(".problem[data-code=MB4018]").count()).toBe(1);
    await page.locator(".squiggly-warning").first().waitFor();
    await shot("6-format");
  });

  it("saves with Ctrl+S: the file on disk changes", async () => {
    await open(fileFor("save"));
    await cursorAfter("param imf_factor");
    await page.keyboard.press("Home");
    await page.keyboard.type("// saved from the studio\n");
    await expect.poll(() => page.locator(".file-item.active .dirty").count()).toBe(1);
    await page.keyboard.press("Control+s");
    await expect
      .poll(() => readFileSync(path.join(folder, fileFor("save")), "utf8"))
      .toContain("// saved from the studio\n");
    await expect.poll(() => page.locator(".file-item.active .dirty").count()).toBe(0);
    await shot("7-saved");
  });

  it("refuses a save over a file changed on disk, and says so", async () => {
    await open(fileFor("conflict"));
    const disk = path.join(folder, fileFor("conflict"));
    const external = readFileSync(disk, "utf8").replace("param vol_slope = 0.5", "param vol_slope = 0.6");
    writeFileSync(disk, external);
    await cursorAfter("param vol_slope = 0.5");
    await page.keyboard.type("5");
    await page.locator("button.primary", { hasText: "Save" }).click();
    // The edit makes test cases fail: the studio asks first.
    await page.locator("dialog.modal button[data-choice=save]").click();
    const banner = page.locator(".banner");
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toContain("changed on disk");
    expect(readFileSync(disk, "utf8")).toBe(external);
    await page.locator(".banner button", { hasText: "Compare with disk" }).click();
    await page.locator(".diff-box .monaco-diff-editor").waitFor();
    await shot("8-conflict");
  });

  it("verifies the properties once the text rests, and loads a counterexample into the preview", async () => {
    await open(VIOLATED);
    await page.locator(".tab[data-tab=properties]").click();
    const violated = page.locator(".property[data-status=violated]");
    await violated.first().waitFor({ timeout: 15_000 });
    await expect(violated.first().locator(".property-status").textContent()).resolves.toBe("violated");
    await expect(violated.first().textContent()).resolves.toContain("initial_margin >= maintenance_margin");
    await expect(page.locator(".property[data-status=proved]").count()).resolves.toBeGreaterThan(0);
    await shot("9-properties-violated");
    await violated.first().locator("button", { hasText: "Load counterexample" }).click();
    const name = "counterexample: assert initial_margin >= maintenance_margin";
    await page.waitForFunction(
      (n) => window.__studio!.preview()!.samples.some((s) => s.name === n && s.outputs !== undefined),
      name,
    );
    const sample = await page.evaluate(
      (n) => window.__studio!.preview()!.samples.find((s) => s.name === n)!,
      name,
    );
    // The counterexample does break the property: IM below MM.
    expect(sample.outputs!["initial_margin"]).toBeLessThan(sample.outputs!["maintenance_margin"]!);
    const selected = page.locator(".sample-row.selected");
    await expect.poll(() => selected.textContent()).toContain(name);
    await expect(page.locator(".detail table.outputs").textContent()).resolves.toContain("initial_margin");
    await expect(page.locator(".detail ol.trace").count()).resolves.toBe(1);
    // It breaks the assertion: the failure shows above the outputs computed without it.
    await expect(page.locator(".detail .error-box").textContent()).resolves.toContain("IM covers MM");
    // Its inputs are in sight, as a form generated from the input schema.
    await expect(page.locator(".detail .input-form input[name=size]").inputValue()).resolves.toBe(
      String((sample as { input?: { position?: { size?: number } } }).input?.position?.size),
    );
    await shot("10-counterexample-loaded");
  });

  /** Replaces the first occurrence of `from` (on the line containing `anchor`) by typing. */
  async function retype(anchor: string, from: string, to: string): Promise<void> {
    const at = await lineOf(anchor);
    const text = (await page.evaluate(() => window.__studio!.text()))!.split("\n")[at.line - 1]!;
    const column = text.indexOf(from, at.column - 1) + 1;
    await page.evaluate(([l, c]) => window.__studio!.cursor(l!, c!), [at.line, column]);
    for (let i = 0; i < from.length; i++) await page.keyboard.press("Delete");
    await page.keyboard.type(to);
  }

  it("compares every view with git HEAD: old, new and change per output, the old curve, and the Change tab", async () => {
    await open(fileFor("baseline"));
    await expect.poll(() => page.evaluate(() => window.__studio!.baseline()?.label)).toBe("HEAD");
    // Tier 4's maintenance rate goes from 2.50% to 2.75%.
    await retype("[1_000_000, 10_000_000)", "2.50%", "2.75%");
    await page.waitForFunction(() => (window.__studio!.change()?.changes.length ?? 0) > 0);
    // Every sample that evaluates has the baseline's outputs beside its own.
    const preview = await page.evaluate(() => window.__studio!.preview()!);
    expect(preview.baseline?.label).toBe("HEAD");
    preview.samples.forEach((sample, i) => {
      if (sample.outputs) expect(preview.baseline!.samples[i], sample.name).toBeDefined();
    });
    const worked = preview.samples.findIndex((s) => s.name.startsWith("Binance worked example"));
    expect(preview.baseline!.samples[worked]!["maintenance_margin"]).toBe(71200.82);
    expect(preview.samples[worked]!.outputs!["maintenance_margin"]).toBeGreaterThan(71200.82);
    await page.locator(".sample-row").nth(worked).click();
    const row = page.locator(".detail tr.compare-row[data-output=maintenance_margin]");
    await expect.poll(() => row.textContent()).toMatch(/^HEAD 71,200\.82 USDT\+[\d,.]+ USDT \(\+[\d.]+%\)$/);
    await expect(
      page.locator(".detail tr.compare-row[data-output=initial_margin]").textContent(),
    ).resolves.toContain("unchanged");
    // The chart draws the old curve beside the new one.
    await expect
      .poll(() => page.locator("path.chart-line-old[data-series=maintenance_margin]").count())
      .toBe(1);
    await shot("11-baseline-sample-1440");
    // The Change tab: the tier row by its bounds with its rate delta, and the top movers with their cause.
    await page.locator(".tab[data-tab=change]").click();
    const change = page.locator(".change[data-subject=tier-row]");
    await expect(change.textContent()).resolves.toContain("brackets[1_000_000, 10_000_000)");
    await expect(change.textContent()).resolves.toContain("mmr: 2.50% -> 2.75% (+0.25 pt)");
    const mm = page.locator(".impact-output[data-output=maintenance_margin]");
    await expect(mm.textContent()).resolves.toMatch(/\d+ up, 0 down/);
    await expect(mm.locator(".mover").allTextContents()).resolves.toEqual(
      expect.arrayContaining([
        expect.stringContaining("brackets[1_000_000, 10_000_000): mmr 0.025 -> 0.0275"),
      ]),
    );
    await shot("12-change-tab-1440");
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(200);
    await shot("13-change-tab-1280");
    await page.setViewportSize({ width: 1440, height: 900 });
    // A click on the chart inspects that point as a new sample, with its outputs and explanation.
    const count = preview.samples.length;
    await page.locator(".chart-overlay").click();
    await page.waitForFunction((n) => window.__studio!.preview()!.samples.length === n + 1, count);
    await expect(page.locator(".sample-row.selected").textContent()).resolves.toMatch(
      /^position\.size = [\d,.]+ \(from /,
    );
    await expect.poll(() => page.locator(".detail ol.trace").count()).toBe(1);
    const trace = (await page.locator(".detail ol.trace").textContent())!;
    expect(trace).toContain("set im_rate = ");
    expect(trace).not.toContain(": =");
    // The diff: Monaco's diff editor across the window, each side labelled.
    await page.locator("button", { hasText: "Diff" }).click();
    await page.locator(".diff-box .monaco-diff-editor").waitFor();
    await expect(page.locator(".diff-label-left").textContent()).resolves.toBe(
      "Last commit (HEAD) (read-only)",
    );
    await expect(page.locator(".diff-label-right").textContent()).resolves.toBe("Editor (unsaved edits)");
    const width = await page.locator(".diff-box").evaluate((node) => node.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(1400);
    await shot("14-diff-full-width");
    await page.locator("button", { hasText: "Diff" }).click();
    await expect.poll(() => page.locator(".preview").isVisible()).toBe(true);
  });

  it("lists failing tests and violated properties in Problems, at their lines, and asks before saving", async () => {
    await open(fileFor("failing"));
    await retype("[1_000_000, 10_000_000)", "2.50%", "2.75%");
    const tests = fileFor("failing").replace(".margin", ".test.yaml");
    await page.waitForFunction(() => window.__studio!.problems().tests.some((p) => p.code === "test"));
    const problems = await page.evaluate(() => window.__studio!.problems());
    const testText = readFileSync(path.join(folder, tests), "utf8").split("\n");
    const failing = problems.tests.find((p) => p.message.includes("Binance worked example"))!;
    expect(failing.file).toBe(tests);
    expect(testText[failing.startLine - 1]).toContain("- name: Binance worked example");
    // ... and at the output's line in the rulebook.
    const outputLine = (await lineOf("output maintenance_margin:")).line;
    expect(problems.rulebook.some((p) => p.code === "test" && p.startLine === outputLine)).toBe(true);
    await expect.poll(() => page.locator(".problem[data-code=test]").count()).toBeGreaterThan(1);
    await expect(page.locator(".no-problems").count()).resolves.toBe(0);
    await shot("15-problems-failing-tests");
    // Save asks first, and says what fails; cancelling writes nothing.
    const before = readFileSync(path.join(folder, fileFor("failing")), "utf8");
    await page.keyboard.press("Control+s");
    const dialog = page.locator("dialog.modal");
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain("Binance worked example");
    await shot("16-save-asks");
    await dialog.locator("button[data-choice=cancel]").click();
    expect(readFileSync(path.join(folder, fileFor("failing")), "utf8")).toBe(before);
    // A violated property is a problem at its line.
    await open(VIOLATED);
    await page.waitForFunction(
      () => window.__studio!.problems().rulebook.some((p) => p.code === "property"),
      null,
      { timeout: 15_000 },
    );
    const property = (await page.evaluate(() => window.__studio!.problems())).rulebook.find(
      (p) => p.code === "property",
    )!;
    expect(property.startLine).toBe((await lineOf("assert initial_margin >= maintenance_margin")).line);
    await expect.poll(() => page.locator(".problem[data-code=property]").count()).toBeGreaterThan(0);
    await shot("17-problems-property");
  });

  it("squiggles a broken test file at the offending line instead of reporting 0 passed", async () => {
    const tests = fileFor("yaml").replace(".margin", ".test.yaml");
    await open(tests);
    const name = await lineOf("  - name: Exactly on the 50,000 boundary");
    const lines = (await page.evaluate(() => window.__studio!.text()))!.split("\n");
    // One space more before `expect:` than before `input:`: the case's keys no longer line up.
    const broken = lines.findIndex((l, i) => i >= name.line && l.trimStart().startsWith("expect:")) + 1;
    await page.evaluate(([l]) => window.__studio!.cursor(l!, 1), [broken]);
    await page.keyboard.type(" ");
    await page.waitForFunction(
      (file) => window.__studio!.markersOf(file).some((m) => m.code === "test file"),
      tests,
    );
    const marker = (await page.evaluate((file) => window.__studio!.markersOf(file), tests)).find(
      (m) => m.code === "test file",
    )!;
    expect(marker.line).toBe(broken);
    await page.locator(".squiggly-error").first().waitFor();
    await page.locator(".tab[data-tab=tests]").click();
    await expect(page.locator(".test-summary").textContent()).resolves.toContain("The test file is broken");
    await expect(page.locator(".test-summary").textContent()).resolves.not.toContain("0 passed");
    await shot("18-broken-test-yaml");
  });

  it("merges a disk change with the edits, after a conflict, as one undoable edit", async () => {
    await open(fileFor("merge"));
    const disk = path.join(folder, fileFor("merge"));
    writeFileSync(disk, readFileSync(disk, "utf8").replace("param vol_slope = 0.5", "param vol_slope = 0.6"));
    await retype("param liquidity_slope", "25%", "30%");
    await page.locator("button.primary", { hasText: "Save" }).click();
    // The edit makes test cases fail: the studio asks first.
    await page.locator("dialog.modal button[data-choice=save]").click();
    await page.locator(".banner").waitFor();
    await page.locator(".banner button", { hasText: "Merge" }).click();
    await expect.poll(() => page.evaluate(() => window.__studio!.text())).toContain("param vol_slope = 0.6");
    expect(await page.evaluate(() => window.__studio!.text())).toContain("param liquidity_slope: Rate = 30%");
    await page.locator(".diff-box .monaco-diff-editor").waitFor();
    await shot("19-merged");
    // Loading the disk version asks first, and can be undone.
    await page.locator(".notice button.undo").click();
    await expect
      .poll(() => page.evaluate(() => window.__studio!.text()))
      .not.toContain("param vol_slope = 0.6");
  });

  it("offers the checker's quick fix, and shows the shortcut sheet", async () => {
    await open(fileFor("quickfix"));
    await retype("rule vol_scale when market.vol_30d", "vol_30d", "vol30d");
    await page.waitForFunction(() => window.__studio!.markers().some((m) => m.code === "MB2002"));
    await expect.poll(() => page.locator(".problem[data-code=MB2002] .problem-fix").count()).toBe(1);
    const marker = await page.evaluate(() => window.__studio!.markers().find((m) => m.code === "MB2002")!);
    await page.evaluate(([l, c]) => window.__studio!.cursor(l!, c!), [marker.line, marker.column + 1]);
    await page.keyboard.press("Control+.");
    await page.locator(".action-widget").getByText("change to").first().click();
    await expect
      .poll(() => page.evaluate(() => window.__studio!.text()))
      .toContain("rule vol_scale when market.vol_30d");
    await page.locator("button.help-button").click();
    await expect(page.locator("dialog.modal").textContent()).resolves.toContain("Find references");
    await shot("20-shortcuts");
    await page.keyboard.press("Escape");
  });

  it("starts from an empty folder: a rulebook from a template, a sample through the form, saved as a test case that runs", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "marginbook-empty-"));
    const second = await startStudio({ folder: empty, staticDir: outDir, buildIfMissing: false });
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    fresh.on("pageerror", (error) => errors.push(error.message));
    try {
      await fresh.goto(second.url);
      await fresh.locator("button", { hasText: "New rulebook from a template" }).click();
      const dialog = fresh.locator("dialog.modal");
      await dialog.locator("input[value=isolated-brackets]").check();
      await dialog.locator("input[name=name]").fill("Desk perpetual");
      await dialog.locator("input[name=folder]").fill("desk");
      await expect(dialog.locator(".modal-where").textContent()).resolves.toContain(
        "desk/desk-perpetual.margin",
      );
      await fresh.screenshot({ path: path.join(screenshots, "21-new-rulebook-dialog.png") });
      await dialog.locator("button[data-choice=ok]").click();
      await fresh.waitForFunction(
        () =>
          window.__studio?.path() === "desk/desk-perpetual.margin" && window.__studio.preview() !== undefined,
        null,
        { timeout: 10_000 },
      );
      expect(readdirSync(path.join(empty, "desk")).sort()).toEqual([
        "desk-perpetual.margin",
        "desk-perpetual.test.yaml",
      ]);
      // A new sample through the form: 5 coins instead of 2.
      await fresh.locator("button.add-sample").click();
      await fresh.waitForFunction(() => window.__studio!.preview()!.samples.length === 2, null, {
        timeout: 10_000,
      });
      const size = fresh.locator(".input-form input[name=size]");
      await size.fill("5");
      await size.press("Enter");
      await size.blur();
      await fresh.waitForFunction(
        () => window.__studio!.preview()!.samples[1]?.outputs?.["maintenance_margin"] === 1250,
        null,
        { timeout: 10_000 },
      );
      await fresh.screenshot({ path: path.join(screenshots, "22-sample-form.png") });
      await fresh.locator("button.save-as-test").click();
      const prompt = fresh.locator("dialog.modal");
      await prompt.locator("input").fill("5 coins at 30,000");
      await prompt.locator("button[data-choice=ok]").click();
      // Written to the test file, its comments kept; and it runs.
      const testFile = path.join(empty, "desk", "desk-perpetual.test.yaml");
      await expect
        .poll(() => existsSync(testFile) && readFileSync(testFile, "utf8"))
        .toContain("- name: 5 coins at 30,000");
      expect(readFileSync(testFile, "utf8")).toContain("# IM = 50,000 x 1% + 10,000 x 2% = 700");
      await fresh.waitForFunction(() => window.__studio!.preview()!.tests?.passed === 2, null, {
        timeout: 10_000,
      });
      await expect(fresh.locator(".test-summary").textContent()).resolves.toBe("2 passed, 0 failed");
      await fresh.screenshot({ path: path.join(screenshots, "23-saved-test-runs.png") });
      // Typed samples survive a reload.
      await fresh.reload();
      await fresh.waitForFunction(() => window.__studio?.preview()?.samples.length === 2, null, {
        timeout: 15_000,
      });
      expect(errors).toEqual([]);
    } finally {
      await fresh.close();
      await second.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("follows the system's dark setting, and draws USDⓈ with the bundled symbol font", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await open(fileFor("preview"));
      const background = await page.evaluate(
        () => getComputedStyle(document.querySelector(".preview")!).backgroundColor,
      );
      expect(background).toBe("rgb(11, 17, 32)");
      await expect
        .poll(() =>
          page.evaluate(async () => {
            await document.fonts.load("13px 'Noto Sans Symbols'", "Ⓢ");
            return document.fonts.check("13px 'Noto Sans Symbols'", "Ⓢ");
          }),
        )
        .toBe(true);
      // Sweeping the volatility marks where rule vol_scale starts to apply.
      await page.locator(".sweep-select").selectOption("market.vol_30d", { timeout: 10_000 });
      await page
        .locator(".chart-threshold[data-rule=vol_scale]")
        .waitFor({ state: "attached", timeout: 10_000 });
      await shot("24-dark");
      // The bar between the editor and the preview resizes the preview, and the size is remembered.
      const before = await page.locator(".preview").evaluate((node) => node.getBoundingClientRect().width);
      const bar = (await page.locator(".splitter[data-splitter=preview]").boundingBox())!;
      await page.mouse.move(bar.x + bar.width / 2, bar.y + 200);
      await page.mouse.down();
      await page.mouse.move(bar.x + bar.width / 2 - 120, bar.y + 200, { steps: 4 });
      await page.mouse.up();
      const after = await page.locator(".preview").evaluate((node) => node.getBoundingClientRect().width);
      expect(after - before).toBeGreaterThan(100);
      const stored = await page.evaluate(
        () => JSON.parse(localStorage.getItem("marginbook.studio.layout") ?? "{}") as { preview?: number },
      );
      expect(stored.preview).toBe(Math.round(after));
      await page.locator(".splitter[data-splitter=preview]").dblclick();
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
    }
  });
});
