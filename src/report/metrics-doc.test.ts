import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { EMPTY_SUMMARY } from "../metrics/histogram.js";
import { parseThreshold, type ThresholdScopes } from "../metrics/thresholds.js";
import { runScenario } from "../run/run-scenario.js";
import { testScenario } from "../test-support/test-scenario.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { buildJsonReport, type JsonReport } from "./json-report.js";
import { collectThresholds, evaluateThresholds } from "./thresholds-check.js";

/**
 * docs/metrics.md is checked against a real report: every field path of the JSON
 * report must be in one of its `| field | unit | ... |` tables, and every path there
 * must still be in the report. Threshold expressions are checked the same way
 * against the threshold grammar.
 */
const DOC = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");

/**
 * Objects whose keys are names from the run (a lane, a route, a status code), not field
 * names: their keys become these placeholders. Every other object's keys are fields.
 */
const RECORDS: Record<string, string> = {
  "ledger.failed": "<reason>",
  "ledger.shed": "<reason>",
  lanes: "<lane>",
  tenants: "<tenant>",
  "routes[].status": "<code>",
  "routes[].errors": "<category>",
  "series[].lanes": "<lane>",
  "series[].routes": "<route>",
  "router.openings": "<route>",
};

const SUMMARY_KEYS = Object.keys(EMPTY_SUMMARY).join();

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every field path of a value: records and arrays normalised, a Summary is one metric. */
function fieldPaths(value: unknown, path = "", out = new Set<string>()): Set<string> {
  const child = (key: string) => (path === "" ? key : `${path}.${key}`);
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isObject))
      for (const item of value) fieldPaths(item, `${path}[]`, out);
    else out.add(`${path}[]`);
  } else if (!isObject(value) || Object.keys(value).join() === SUMMARY_KEYS) {
    out.add(path);
  } else {
    const placeholder = RECORDS[path];
    const entries = Object.entries(value);
    if (entries.length === 0) out.add(placeholder ? child(placeholder) : path);
    for (const [key, v] of entries) fieldPaths(v, child(placeholder ?? key), out);
  }
  return out;
}

/** The backticked names in the first column of the doc's tables with the given header. */
function documented(header: string): Set<string> {
  const names = new Set<string>();
  let inTable = false;
  for (const line of DOC.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (!line.startsWith("|")) inTable = false;
    else if (cells[1] === header) inTable = true;
    else if (inTable) for (const [, name] of cells[1]!.matchAll(/`([^`]+)`/g)) names.add(name!);
  }
  return names;
}

/**
 * vendor-a throttles (60 rpm) and fails outright from 10 s to 30 s; vendor-b has room,
 * but its quota is spent from 35 s to 37 s.
 */
function scenario() {
  const roomy = { rpm: 6000, tpm: 10_000_000, inputTpm: 9_000_000, outputTpm: 9_000_000 };
  const s = testScenario({
    durationMs: 45_000,
    faults: [
      {
        id: "f0",
        kind: "server-error",
        vendor: "vendor-a",
        fromMs: 10_000,
        untilMs: 30_000,
        probability: 1,
      },
      // A spent quota is not retried by the router: the users' clients send again.
      {
        id: "f1",
        kind: "quota",
        vendor: "vendor-b",
        fromMs: 35_000,
        untilMs: 37_000,
        probability: 1,
      },
    ],
    thresholds: [
      "interactive.latency.p95<10000",
      "all.ledger.balanced==1",
      "vendor-a.errors.throttled<1000",
    ],
  });
  s.vendors[1] = testVendor("vendor-b", [
    testModel({ limits: { ...roomy, concurrent: 1000, rpd: 1_000_000 } }),
  ]);
  s.traffic = s.traffic.map((a) => ({
    ...a,
    untilMs: 45_000,
    tenants: [
      { name: "acme", weight: 3 },
      { name: "quiet-co", weight: 1 },
    ],
    clientRetries: { max: 1, delayMs: 1000 },
  }));
  s.router.health.openMs = 5000;
  return s;
}

describe("docs/metrics.md", () => {
  const s = scenario();
  let report: JsonReport;
  let paths: Set<string>;
  const fields = documented("field");

  beforeAll(async () => {
    report = buildJsonReport(await runScenario(s, { mode: "sim", seed: 1, speed: 1 }), "test");
    report.thresholds = evaluateThresholds(collectThresholds(s, []), report);
    // No code fills findings yet: a typed example stands in, so its fields are checked too.
    const finding: JsonReport["findings"][number] = {
      id: "sends-after-429",
      rule: "P1",
      ok: true,
      value: 0,
      summary: "",
    };
    if (report.findings.length === 0) report.findings.push(finding);
    // The same run on two router nodes fills the fields only several nodes have.
    const nodes = buildJsonReport(
      await runScenario({ ...s, nodes: 2, store: "memory" }, { mode: "sim", seed: 1, speed: 1 }),
      "test",
    );
    report.store = nodes.store;
    report.router.events.push(...nodes.router.events.filter((e) => e.heard).slice(0, 1));
    paths = fieldPaths(report);
  });

  it("runs a scenario with faults, errors, client retries, tenants and router events", () => {
    expect(report.faults[0]?.detectMs).not.toBeNull();
    expect(report.faults[0]?.rerouteMs).not.toBeNull();
    expect(report.routes[0]?.errors).toHaveProperty("server-error");
    expect(report.lanes.interactive?.ttftMs.count).toBeGreaterThan(0);
    expect(report.lanes.interactive?.clientRetries).toBeGreaterThan(0);
    expect(report.router.events.length).toBeGreaterThan(0);
    expect(Object.keys(report.tenants)).toEqual(["acme", "quiet-co"]);
    // Every record of the table was met, under its placeholder.
    for (const [path, key] of Object.entries(RECORDS))
      expect(
        [...paths].some((p) => p.startsWith(`${path}.${key}`)),
        path,
      ).toBe(true);
  });

  it("documents every field of the JSON report", () => {
    const missing = [...paths].filter((p) => !fields.has(p));
    expect(missing, "fields of the report missing from docs/metrics.md").toEqual([]);
  });

  it("documents no field the JSON report does not have", () => {
    const stale = [...fields].filter((p) => !paths.has(p));
    expect(stale, "fields in docs/metrics.md the report no longer has").toEqual([]);
  });

  it("maps every threshold expression the grammar accepts", () => {
    const scopes: ThresholdScopes = {
      lanes: ["interactive"],
      tenants: ["acme"],
      vendors: ["vendor-a"],
    };
    const expressions = documented("expression");
    const summaryStats = Object.keys(EMPTY_SUMMARY);
    /** The choices a parse error lists ("expected one of: a, b"), or undefined. */
    const choices = (expr: string) => {
      const problem = parseThreshold(expr, scopes);
      expect(typeof problem, expr).toBe("string");
      return /expected one of: ([^)]+)\)/.exec(problem as string)?.[1]?.split(", ");
    };
    const missing: string[] = [];
    for (const [scope, name] of [
      ["interactive", "<lane>"],
      ["all", "all"],
      ["acme", "<tenant>"],
      ["vendor-a", "<vendor>"],
    ] as const) {
      for (const metric of choices(`${scope}.zzz.x<1`) ?? []) {
        const stats = choices(`${scope}.${metric}.zzz<1`);
        const names =
          stats === undefined
            ? ["<code>"]
            : metric === "errors"
              ? ["<category>"]
              : stats.join() === summaryStats.join()
                ? ["<stat>"]
                : stats;
        for (const stat of names)
          if (!expressions.has(`${name}.${metric}.${stat}`))
            missing.push(`${name}.${metric}.${stat}`);
        if (metric === "errors")
          for (const c of stats ?? []) if (!DOC.includes(`\`${c}\``)) missing.push(c);
      }
    }
    expect(missing, "threshold expressions missing from docs/metrics.md").toEqual([]);
    const concrete = (e: string) =>
      e
        .replace("<lane>", "interactive")
        .replace("<tenant>", "acme")
        .replace("<vendor>", "vendor-a")
        .replace("<stat>", "p95")
        .replace("<category>", "throttled")
        .replace("<code>", "429")
        .replace("<id>", "retryAmplification");
    const invalid = [...expressions].filter(
      (e) => typeof parseThreshold(`${concrete(e)}<1`, scopes) === "string",
    );
    expect(invalid, "documented expressions the grammar rejects").toEqual([]);
  });
});
