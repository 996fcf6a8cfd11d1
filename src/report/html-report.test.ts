import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";
import { renderHtmlReport } from "./html-report.js";
import type { JsonReport } from "./json-report.js";

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

  it("shows findings in a table before the thresholds, failed first, summaries escaped", async () => {
    const file = await htmlReport();
    const real = JSON.parse(readFileSync(join(file, "..", "report.json"), "utf8")) as JsonReport;
    const html = renderHtmlReport({
      ...real,
      findings: [
        {
          id: "retryAmplification",
          rule: "P18",
          ok: true,
          value: 1.05,
          summary: "1.05 per request",
        },
        {
          id: "silentUpstream",
          rule: "P9",
          ok: true,
          value: 12_345,
          summary: "held 12.3 s at most",
        },
        {
          id: "sendsAfter429",
          rule: "P14",
          ok: false,
          value: 37,
          summary: `37 sends <b>inside</b> "Retry-After" & more`,
        },
      ],
    });
    const rows = [...html.matchAll(/<tr data-finding="(\w+)">(.*?)<\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual([
      "sendsAfter429",
      "retryAmplification",
      "silentUpstream",
    ]);
    expect(rows[0]![2]).toBe(
      '<td class="fail">FAIL</td><td>P14</td><td>sendsAfter429</td><td>37</td>' +
        "<td>37 sends &lt;b&gt;inside&lt;/b&gt; &quot;Retry-After&quot; &amp; more</td>",
    );
    expect(rows[1]![2]).toContain('<td class="pass">ok</td><td>P18</td>');
    expect(rows[2]![2]).toContain("<td>12.3 s</td><td>held 12.3 s at most</td>");
    expect(html).toContain('<span class="verdict fail">1 finding failed</span>');
    expect(html.indexOf("<h2>Findings")).toBeLessThan(html.indexOf("<h2>Thresholds"));
    expect(html.indexOf("<h2>Findings")).toBeGreaterThan(html.indexOf("<h2>Routes"));
    // Without findings, no section and no badge.
    const plain = renderHtmlReport({ ...real, findings: [] });
    expect(plain).not.toMatch(/<h2>Findings|finding failed/);
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
