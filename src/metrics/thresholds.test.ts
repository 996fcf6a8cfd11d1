import { describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { holds, parseThreshold, type Threshold, thresholdValue } from "./thresholds.js";

const scopes = {
  lanes: ["interactive", "background"],
  vendors: ["vendor-a"],
  tenants: ["acme", "quiet-co"],
};
const burn = (prompt: number, completion: number, spendUsd: number, wastedSpendUsd: number) => ({
  tokens: { prompt, completion },
  spendUsd,
  wastedSpendUsd,
});
const summary = (p95: number, count = 10) => ({
  count,
  min: 1,
  mean: p95 / 2,
  p50: p95 / 2,
  p90: p95,
  p95,
  p99: p95,
  max: p95,
});
const report = {
  ledger: {
    generated: 10,
    ok: 8,
    failed: { throttled: 1 },
    shed: { "wait-budget": 1 },
    deadline: 0,
    balanced: true,
  },
  lanes: {
    interactive: {
      requests: 8,
      ok: 7,
      attempts: 12,
      attemptsPerRequest: 1.5,
      latencyMs: summary(2000),
      ttftMs: summary(500),
      queueAgeMs: summary(10),
      queue: { max: 40, end: 0 },
      ...burn(80, 40, 0.4, 0.1),
    },
    background: {
      requests: 2,
      ok: 1,
      attempts: 2,
      attemptsPerRequest: 1,
      latencyMs: summary(4000, 1),
      ttftMs: summary(0, 0),
      queueAgeMs: summary(20),
      queue: { max: 70, end: 3 },
      ...burn(20, 10, 0.1, 0),
    },
  },
  tenants: {
    acme: { requests: 9, ok: 7, latencyMs: summary(3000), ...burn(90, 45, 0.45, 0.1) },
    "quiet-co": { requests: 1, ok: 1, latencyMs: summary(800, 1), ...burn(10, 5, 0.05, 0) },
  },
  totals: { requests: 10, attempts: 14, attemptsPerRequest: 1.4, ...burn(100, 50, 0.5, 0.1) },
  routes: [
    {
      vendor: "vendor-a",
      model: "m",
      attempts: 12,
      status: { "200": 8, "429": 4 },
      errors: { throttled: 4 },
      ...burn(100, 50, 0.5, 0.1),
      share: 1,
      limits: { rpm: 1, tpm: 1 },
    },
  ],
  findings: [
    { id: "retryAmplification", rule: "P18", ok: false, value: 3.5, summary: "" },
    { id: "sendsAfter429", rule: "P14", ok: true, value: 0, summary: "" },
    { id: "retryJitter", rule: "P18", ok: true, value: null, summary: "too few retries" },
  ],
} as unknown as JsonReport;

const parse = (expr: string) => parseThreshold(expr, scopes) as Threshold;

describe("thresholds", () => {
  it.each([
    ["interactive.latency.p95<2500", 2000, true],
    ["interactive.latency.p95<2000", 2000, false],
    ["interactive.latency.p95<=2000", 2000, true],
    ["background.queueAge.p99 >= 20", 20, true],
    ["interactive.ok.rate>0.8", 0.875, true],
    ["all.requests.count==10", 10, true],
    ["all.latency.max<5000", 4000, true],
    ["all.ledger.failed==0", 1, false],
    ["all.ledger.balanced==1", 1, true],
    ["vendor-a.errors.throttled<5", 4, true],
    ["vendor-a.status.429==4", 4, true],
    ["vendor-a.attempts.count>12", 12, false],
    ["vendor-a.spend.wastedUsd<=0.1", 0.1, true],
    ["all.attempts.perRequest<1.5", 1.4, true],
    ["interactive.attempts.perRequest<1.5", 1.5, false],
    ["all.spend.usd<1", 0.5, true],
    ["all.spend.wastedUsd==0", 0.1, false],
    ["background.tokens.prompt==20", 20, true],
    ["all.queue.max<=50", 70, false],
    ["all.queue.end==0", 3, false],
    ["interactive.queue.end==0", 0, true],
    ["quiet-co.latency.p95<1000", 800, true],
    ["acme.ok.rate>=0.9", 7 / 9, false],
    ["acme.spend.wastedUsd<0.2", 0.1, true],
    ["findings.retryAmplification<=3", 3.5, false],
    ["findings.retryAmplification <= 4", 3.5, true],
    ["findings.retryAmplification.value>3", 3.5, true],
    ["findings.retryAmplification.ok==1", 0, false],
    ["findings.sendsAfter429==0", 0, true],
    ["findings.sendsAfter429.ok==1", 1, true],
    ["findings.retryJitter.ok==1", 1, true],
  ])("%s reads %d and holds: %s", (expr, value, ok) => {
    const t = parse(expr);
    expect(typeof t).toBe("object");
    expect(thresholdValue(t, report)).toBeCloseTo(value);
    expect(holds(thresholdValue(t, report), t.op, t.limit)).toBe(ok);
  });

  it("fails a percentile threshold of a lane with no samples, never passes it silently", () => {
    const t = parse("background.ttft.p95<1000");
    expect(thresholdValue(t, report)).toBeNull();
    expect(holds(null, t.op, t.limit)).toBe(false);
  });

  it("fails a threshold on a finding that had nothing to judge (null), like any null; its ok still reads 1", () => {
    const t = parse("findings.retryJitter<0.5");
    expect(thresholdValue(t, report)).toBeNull();
    expect(holds(thresholdValue(t, report), t.op, t.limit)).toBe(false);
  });

  it("reads a finding the report lacks as null (it fails), never as passing", () => {
    const t = parse("findings.tenantIsolation>=0.95");
    expect(thresholdValue(t, report)).toBeNull();
  });

  it.each([
    [
      "findings.retryAmplfication<=3",
      /unknown finding "retryAmplfication" \(expected one of: retryAmplification, sendsAfter429/,
    ],
    [
      "findings.retryAmplification.p95<3",
      /unknown field "p95" of finding "retryAmplification" \(expected one of: value, ok\)/,
    ],
    ["findings.<=3", /unknown finding ""/],
    ["findings.cutStream", /expected .* or findings\.<id> <op> <number>/],
  ])("rejects %s with a message", (expr, message) => {
    expect(parseThreshold(expr, scopes)).toMatch(message);
  });

  it.each([
    ["interactive.latency.p95", /expected <lane\|tenant\|vendor\|all>/],
    ["acme.ttft.p95<1", /unknown metric "ttft" for tenant "acme"/],
    ["all.queue.depth<1", /unknown stat "depth"/],
    ["interactive.latncy.p95<1", /unknown metric "latncy"/],
    ["interactive.latency.p42<1", /unknown stat "p42"/],
    ["nobody.latency.p95<1", /unknown scope "nobody"/],
    ["vendor-a.errors.slow<1", /unknown error category "slow"/],
    ["interactive.ledger.ok<1", /unknown metric "ledger"/],
  ])("rejects %s with a message", (expr, message) => {
    expect(parseThreshold(expr, scopes)).toMatch(message);
  });
});
