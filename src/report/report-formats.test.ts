import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";
import { findingsInOrder, formatFindingValue } from "./findings-format.js";
import type { JsonReport } from "./json-report.js";
import { renderHtmlReport } from "./html-report.js";
import { renderJunitReport } from "./junit-report.js";
import { renderMarkdownReport } from "./markdown-report.js";
import { renderTerminalReport } from "./terminal-report.js";

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
    const parsed = parseJunit(xml);
    const cases = suite(parsed, report.scenario).testcase as Record<string, unknown>[];
    expect(cases.map((c) => c["@_name"])).toEqual(report.thresholds.map((t) => t.expr));
    const failed = report.thresholds.filter((t) => !t.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) {
      const c = cases.find((x) => x["@_name"] === t.expr)!;
      const failure = c.failure as Record<string, string>;
      expect(failure["@_message"]).toContain(`value ${t.value}`);
      expect(failure["@_message"]).toMatch(/limit (<|<=|>|>=|==) [\d.]+/);
    }
    const findingFailures = report.findings.filter((f) => !f.ok).length;
    expect(Number(parsed.testsuites["@_failures"])).toBe(failed.length + findingFailures);
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

/** Verdicts set by hand on the real run's report: the renderers read only this array. */
const FINDINGS: JsonReport["findings"] = [
  {
    id: "retryAmplification",
    rule: "P18",
    ok: true,
    value: 1.4167,
    summary: "1.42 upstream attempts per client request",
  },
  { id: "silentUpstream", rule: "P9", ok: true, value: null, summary: "no upstream went silent" },
  {
    id: "sendsAfter429",
    rule: "P14",
    ok: false,
    value: 37,
    summary: "37 sends to vendor-a/gpt-4o inside its Retry-After window",
  },
  {
    id: "retryJitter",
    rule: "P18",
    ok: false,
    value: 0.93,
    // Every character XML, HTML and Markdown tables treat specially.
    summary: `93% of gaps the same: <no jitter> & "fixed" 'delay' | client`,
  },
];
const withFindings = (): JsonReport => ({ ...report, findings: FINDINGS });

function parseJunit(xml: string) {
  return new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === "testcase" || name === "testsuite",
  }).parse(xml);
}
function suite(parsed: ReturnType<typeof parseJunit>, name: string): Record<string, unknown> {
  return (parsed.testsuites.testsuite as Record<string, unknown>[]).find(
    (s) => s["@_name"] === name,
  )!;
}

describe("findings in every format", () => {
  it("values read in their unit: durations, shares, ratios, counts, and a dash for none", () => {
    const value = (id: string, v: number | null) => formatFindingValue({ id, value: v });
    expect(value("silentUpstream", 12_345)).toBe("12.3 s");
    expect(value("silentUpstream", 850)).toBe("850 ms");
    expect(value("retryJitter", 0.93)).toBe("93.0%");
    expect(value("stepShift", 1)).toBe("100.0%");
    expect(value("tenantIsolation", 0.415)).toBe("41.5%");
    expect(value("retryAmplification", 3.2)).toBe("3.20×");
    expect(value("sendsAfter429", 1234)).toBe("1,234");
    expect(value("cutStream", 2)).toBe("2");
    expect(value("retryAfterEdge", null)).toBe("–");
    expect(value("somethingNew", 0.12345)).toBe("0.123");
    // Failed first, then held, then nothing to judge; in report order within each.
    expect(findingsInOrder(FINDINGS).map((f) => f.id)).toEqual([
      "sendsAfter429",
      "retryJitter",
      "retryAmplification",
      "silentUpstream",
    ]);
  });

  it("the terminal: a Findings table before the thresholds, failed rows first, marks in words without colour", () => {
    const text = renderTerminalReport(withFindings(), { color: false });
    const lines = text.split("\n");
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(at("Findings")).toBeGreaterThan(at("Over time"));
    expect(at("Findings")).toBeLessThan(at("Thresholds"));
    const failed = lines[at("sendsAfter429")]!;
    expect(failed).toMatch(
      /│ FAIL │ P14 +│ sendsAfter429 +│ 37 +│ 37 sends to vendor-a\/gpt-4o inside/,
    );
    expect(lines[at("retryJitter")]).toMatch(
      /│ FAIL │ P18 +│ retryJitter +│ 93\.0% +│ 93% of gaps/,
    );
    expect(lines[at("retryAmplification")]).toMatch(
      /│ ok +│ P18 +│ retryAmplification │ 1\.42× +│ 1\.42 upstream/,
    );
    expect(lines[at("silentUpstream")]).toMatch(
      /│ n\/a +│ P9 +│ silentUpstream +│ – +│ no upstream went silent/,
    );
    expect(at("sendsAfter429")).toBeLessThan(at("retryAmplification"));
    expect(at("retryAmplification")).toBeLessThan(at("silentUpstream"));
    // With colour, marks; without findings, no table at all.
    const coloured = renderTerminalReport(withFindings(), { color: true });
    expect(coloured).toContain("\u001b[31m✘\u001b[39m │ P14");
    expect(coloured).toContain("\u001b[32m✔\u001b[39m │ P18");
    expect(renderTerminalReport({ ...report, findings: [] }, { color: false })).not.toContain(
      "Findings",
    );
  });

  it("Markdown: a Findings table, failed rows first and bold, pipes escaped", () => {
    const md = renderMarkdownReport(withFindings());
    const lines = md.split("\n");
    const heading = lines.findIndex((l) => l.startsWith("### Findings"));
    expect(heading).toBeGreaterThan(lines.indexOf("### Routes"));
    expect(heading).toBeLessThan(lines.indexOf("### Thresholds"));
    expect(lines.slice(heading + 2, heading + 8)).toEqual([
      "| result | rule | finding | value | summary |",
      "| --- | --- | --- | --- | --- |",
      "| **FAIL** | P14 | `sendsAfter429` | 37 | 37 sends to vendor-a/gpt-4o inside its Retry-After window |",
      `| **FAIL** | P18 | \`retryJitter\` | 93.0% | 93% of gaps the same: <no jitter> & "fixed" 'delay' \\| client |`,
      "| ok | P18 | `retryAmplification` | 1.42× | 1.42 upstream attempts per client request |",
      "| n/a | P9 | `silentUpstream` | – | no upstream went silent |",
    ]);
    expect(renderMarkdownReport({ ...report, findings: [] })).not.toContain("Findings");
  });

  it("JUnit: a findings suite, a failure per failed finding carrying its summary, well-formed", () => {
    const xml = renderJunitReport(withFindings());
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = parseJunit(xml);
    const findings = suite(parsed, "findings");
    const cases = findings.testcase as Record<string, unknown>[];
    expect(cases.map((c) => [c["@_classname"], c["@_name"]])).toEqual(
      FINDINGS.map((f) => ["gw-chaos.findings", `${f.rule} ${f.id}`]),
    );
    const byName = (name: string) => cases.find((c) => c["@_name"] === name)!;
    const failure = (name: string) => byName(name).failure as Record<string, string>;
    expect(failure("P14 sendsAfter429")["@_message"]).toBe(FINDINGS[2]!.summary);
    expect(failure("P14 sendsAfter429")["#text"]).toContain("value 37");
    // Escaped on the way in, read back whole.
    expect(failure("P18 retryJitter")["@_message"]).toBe(FINDINGS[3]!.summary);
    expect(byName("P18 retryAmplification").failure).toBeUndefined();
    expect(byName("P18 retryAmplification")["system-out"]).toContain("1.42 upstream attempts");
    expect(byName("P9 silentUpstream").skipped).toBeDefined();
    expect(byName("P9 silentUpstream").failure).toBeUndefined();
    expect([findings["@_tests"], findings["@_failures"], findings["@_skipped"]]).toEqual([
      "4",
      "2",
      "1",
    ]);
    // The thresholds' suite is untouched; the totals count both.
    const thresholdFailures = report.thresholds.filter((t) => !t.ok).length;
    expect(suite(parsed, report.scenario)["@_failures"]).toBe(String(thresholdFailures));
    expect(parsed.testsuites["@_tests"]).toBe(String(report.thresholds.length + 4));
    expect(parsed.testsuites["@_failures"]).toBe(String(thresholdFailures + 2));
    // No findings: no findings suite.
    const none = parseJunit(renderJunitReport({ ...report, findings: [] }));
    expect(none.testsuites.testsuite).toHaveLength(1);
  });
});

describe("a gateway under test", () => {
  it("each format names the gateway instead of the embedded router, with what the mocks logged", () => {
    const gateway = {
      url: "http://127.0.0.1:8787/",
      kind: "portkey",
      attemptsLogged: 1033,
      attemptsDropped: 0,
    };
    const viaGateway: JsonReport = { ...report, gateway };
    const terminal = renderTerminalReport(viaGateway, { color: false });
    expect(terminal).toContain(
      "Gateway under test  portkey at http://127.0.0.1:8787/ · 1,033 of its attempts reached the mock vendors",
    );
    expect(terminal).not.toMatch(/^Router /m);
    const md = renderMarkdownReport(viaGateway);
    expect(md).toContain("### Gateway under test");
    expect(md).not.toContain("### Router");
    expect(renderHtmlReport(viaGateway)).toContain(
      "gateway under test: portkey at http://127.0.0.1:8787/",
    );
    // The embedded router's report says nothing of a gateway.
    expect(renderTerminalReport(report, { color: false })).toMatch(/^Router /m);
    expect(renderMarkdownReport(report)).toContain("### Router");
  });
});

describe("several router nodes", () => {
  it("each format says how many nodes shared what, each node's share, and when the store was out of reach", () => {
    const store: JsonReport["store"] = {
      kind: "redis",
      nodes: 2,
      url: "redis://:***@127.0.0.1:6390",
      roundTripMs: null,
      published: 12,
      heard: 12,
      failed: 40,
      outages: [{ fromMs: 41_200, untilMs: 63_000 }],
      perNode: [
        { node: "node-1", requests: 3570, sends: 3600, openings: 1, heardOpenings: 0 },
        { node: "node-2", requests: 3570, sends: 3590, openings: 0, heardOpenings: 1 },
      ],
    };
    const nodes: JsonReport = { ...report, store };
    const outage =
      "store out of reach 41.2 s–63.0 s: the nodes went on with what each knew locally";
    const terminal = renderTerminalReport(nodes, { color: false });
    expect(terminal).toContain(
      "Nodes  2 router nodes sharing through Redis at redis://:***@127.0.0.1:6390 · news told 12, heard 12 · 40 store calls failed",
    );
    expect(terminal).toContain(
      "node-1: 3,570 requests, opened 1 · node-2: 3,570 requests, took out on another's word 1",
    );
    expect(terminal).toContain(outage);
    const md = renderMarkdownReport(nodes);
    expect(md).toContain("### Router nodes");
    expect(md).toContain(`**${outage}.**`);
    const html = renderHtmlReport(nodes);
    expect(html).toContain("2 router nodes sharing through Redis");
    expect(html).toContain(outage);
    // One node: none of it.
    expect(renderTerminalReport(report, { color: false })).not.toMatch(/^Nodes /m);
    expect(renderMarkdownReport(report)).not.toContain("### Router nodes");
  });
});
