import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";

/** Debian's Chromium; `.ci/run` installs it. */
const CHROMIUM = "/usr/bin/chromium";
const CHARTS = ["share", "latency", "queue", "queue-age", "throttled", "tokens", "spend"];
const root = fileURLToPath(new URL("../..", import.meta.url));

async function htmlReport(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "gw-chaos-html-"));
  const io = testIo(["run", "vendor-outage", "--mode", "sim", "--quiet", "--out", out]);
  expect(await main(io)).toBe(0);
  return join(out, "report.html");
}

describe("the HTML report", () => {
  it("is one self-contained file: inline SVG, no script, nothing fetched", async () => {
    const html = readFileSync(await htmlReport(), "utf8");
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    for (const chart of CHARTS) expect(html).toContain(`data-chart="${chart}"`);
    // Fault windows shaded, router reactions marked, and the tables after the charts.
    expect(html).toContain('class="fault"');
    expect(html).toContain('class="mark"');
    for (const heading of ["Lanes", "Routes", "Faults", "Thresholds", "Ledger"])
      expect(html).toMatch(new RegExp(`<h2>${heading}`));
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "draws every chart in headless Chromium from file://, logs no error, and is screenshot",
    async () => {
      const file = await htmlReport();
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
        await page.goto(`file://${file}`);
        const drawn = await page.$$eval("svg[data-chart]", (svgs) =>
          svgs.map((svg) => {
            const box = svg.getBoundingClientRect();
            const lines = [...svg.querySelectorAll("path.series")].filter(
              (p) =>
                (p.getAttribute("d") ?? "").length > 10 &&
                (p as unknown as { getTotalLength(): number }).getTotalLength() > 0,
            );
            return {
              chart: svg.getAttribute("data-chart"),
              width: box.width,
              lines: lines.length,
            };
          }),
        );
        expect(drawn.map((d) => d.chart)).toEqual(CHARTS);
        for (const d of drawn) {
          expect(d.width).toBeGreaterThan(300);
          expect(d.lines).toBeGreaterThan(0);
        }
        expect(errors).toEqual([]);
        await page.screenshot({ path: join(root, "reports", "html-report.png"), fullPage: true });
        expect(existsSync(join(root, "reports", "html-report.png"))).toBe(true);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
