/**
 * The HTML impact report in a real browser: `diff --impact generate:1000 --format html --out` on
 * two versions of the Binance rulebook (one parameter and one tier row changed), opened in Debian's
 * Chromium through playwright-core. The page must be self-contained (no request but the page
 * itself, no script, no console error) and show the diff, the counts, the two charts per changed
 * output and the top movers. Screenshots go to test/review/screenshots/.
 *
 * Without /usr/bin/chromium the browser part is skipped (CI installs it; see .ci/run).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const root = path.resolve(import.meta.dirname, "../..");
const screenshots = path.join(root, "test/review/screenshots");
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

const dir = mkdtempSync(path.join(tmpdir(), "marginbook-report-"));
const report = path.join(dir, "report.html");
let browser: Browser | undefined;

beforeAll(async () => {
  const binance = readFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), "utf8");
  writeFileSync(path.join(dir, "old.margin"), binance);
  writeFileSync(
    path.join(dir, "new.margin"),
    binance
      .replace("param vol_threshold: Rate = 80%", "param vol_threshold: Rate = 75%")
      .replace(/\[1_000_000, 10_000_000\)(\s+)5\.00%(\s+)2\.50%/, "[1_000_000, 10_000_000)$15.50%$22.75%")
      .replace(/version \d+\.\d+\.\d+/, "version 9.1.0")
      .replace(/effective \S+/, "effective 2030-01-01T00:00:00Z"),
  );
  let stderr = "";
  const code = await runCli(
    [
      "diff",
      "old.margin",
      "new.margin",
      "--impact",
      "generate:1000",
      "--top",
      "5",
      "--format",
      "html",
      "--out",
      "report.html",
    ],
    {
      stdout: () => undefined,
      stderr: (t) => void (stderr += t),
      cwd: dir,
    },
  );
  expect(stderr).toBe("");
  expect(code).toBe(0);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the HTML impact report", () => {
  it("is one self-contained file: inline style and SVG, no script, no external reference", () => {
    const html = readFileSync(report, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|src="http|href="http/);
    expect(html).toContain("<svg");
    expect(html).toContain("BTCUSDT perpetual: 1.0.0 → 9.1.0");
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "opens in Chromium with its charts, counts and movers",
    { timeout: 60_000 },
    async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
      const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(e.message));
      page.on("request", (r) => void requests.push(r.url()));
      await page.goto(pathToFileURL(report).href);
      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(report).href]);

      expect(await page.locator("h1").textContent()).toBe("BTCUSDT perpetual: 1.0.0 → 9.1.0");
      const changes = await page.locator("section.card").first().locator("tbody tr").allTextContents();
      expect(changes.some((row) => row.includes("vol_threshold") && row.includes("80% -> 75%"))).toBe(true);
      expect(
        changes.some(
          (row) => row.includes("brackets[1_000_000, 10_000_000)") && row.includes("imr: 5.00% -> 5.50%"),
        ),
      ).toBe(true);

      // One section per output that moved, each with a histogram and a scatter plot that were laid out.
      const sections = page.locator("section.card:has(.charts)");
      const count = await sections.count();
      expect(count).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < count; i++) {
        const charts = sections.nth(i).locator(".chart svg");
        expect(await charts.count()).toBe(2);
        for (let c = 0; c < 2; c++) expect((await charts.nth(c).boundingBox())!.width).toBeGreaterThan(300);
        expect(await charts.nth(0).locator("rect[height]").count()).toBeGreaterThan(1);
        expect(await charts.nth(1).locator("circle").count()).toBeGreaterThan(100);
      }
      const movers = await sections.first().locator("table").last().locator("tbody tr").allTextContents();
      // Up to `--top 5` movers, as many as the set has changes.
      expect(movers.length).toBeGreaterThan(0);
      expect(movers.length).toBeLessThanOrEqual(5);
      expect(movers.every((row) => /rule \w+ \(line \d+\)|output \w+ \(line \d+\)/.test(row))).toBe(true);

      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: path.join(screenshots, "impact-report-top.png") });
      await sections.nth(1).screenshot({ path: path.join(screenshots, "impact-report-output.png") });
    },
  );
});
