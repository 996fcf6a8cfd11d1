import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";
import type { JsonReport } from "./json-report.js";

const dir = mkdtempSync(join(tmpdir(), "gw-chaos-formats-"));
let report: JsonReport;

beforeAll(async () => {
  // The naive lunch rush: a threshold fails, so JUnit has a failure to carry.
  const io = testIo([
    "run",
    "lunch-rush",
    "--mode",
    "sim",
    "--quiet",
    "--router",
    "naive",
    "--format",
    "json,md,junit",
    "--out",
    dir,
  ]);
  expect(await main(io)).toBe(1);
  report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as JsonReport;
});

describe("the report's formats for machines", () => {
  it("JUnit parses as XML, one test case per threshold, failures carrying value and limit", () => {
    const xml = readFileSync(join(dir, "junit.xml"), "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => name === "testcase",
    }).parse(xml);
    const cases = parsed.testsuites.testsuite.testcase as Record<string, unknown>[];
    expect(cases.map((c) => c["@_name"])).toEqual(report.thresholds.map((t) => t.expr));
    const failed = report.thresholds.filter((t) => !t.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) {
      const c = cases.find((x) => x["@_name"] === t.expr)!;
      const failure = c.failure as Record<string, string>;
      expect(failure["@_message"]).toContain(`value ${t.value}`);
      expect(failure["@_message"]).toMatch(/limit (<|<=|>|>=|==) [\d.]+/);
    }
    expect(Number(parsed.testsuites["@_failures"])).toBe(failed.length);
  });

  it("Markdown renders the same numbers as the JSON", () => {
    const md = readFileSync(join(dir, "report.md"), "utf8");
    for (const [lane, l] of Object.entries(report.lanes)) {
      const row = md.split("\n").find((line) => line.startsWith(`| ${lane} |`))!;
      const cells = row.split("|").map((c) => c.trim());
      expect(cells.slice(2, 6)).toEqual(
        [l.requests, l.ok, l.latencyMs.p50, l.latencyMs.p95].map(String),
      );
    }
    for (const r of report.routes) {
      const row = md.split("\n").find((line) => line.startsWith(`| ${r.vendor}/${r.model} |`))!;
      expect(row).toContain(`| ${r.attempts} |`);
      expect(row).toContain(`| ${r.spendUsd} |`);
    }
    expect(md).toContain(`generated ${report.ledger.generated} = ok ${report.ledger.ok}`);
  });
});
