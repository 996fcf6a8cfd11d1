import { describe, expect, it } from "vitest";
import { runScenario } from "../run/run-scenario.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { testScenario } from "../test-support/test-scenario.js";
import { buildJsonReport, type JsonReport } from "./json-report.js";
import { mergeReports } from "./merge-reports.js";
import { checkShardSet } from "./shard-set.js";

/**
 * vendor-a throttles (60 rpm) and fails outright from 10 s to 30 s; vendor-b's quota is
 * spent from 33 s to 36 s; two tenants; the users' clients send a failed request again
 * once: failed, retried and rerouted
 * requests, fault timings and findings, all of which a merge must give back exactly.
 */
function scenario(): ResolvedScenario {
  const s = testScenario({
    durationMs: 40_000,
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
        fromMs: 33_000,
        untilMs: 36_000,
        probability: 1,
      },
    ],
  });
  s.traffic = s.traffic.map((a) => ({
    ...a,
    rate: 12,
    untilMs: 40_000,
    tenants: [
      { name: "acme", weight: 3 },
      { name: "quiet-co", weight: 1 },
    ],
    clientRetries: { max: 1, delayMs: 1000 },
  }));
  return s;
}

async function report(s: ResolvedScenario, shard?: { index: number; count: number }) {
  const result = await runScenario(s, {
    mode: "sim",
    seed: 3,
    speed: 1,
    ...(shard ? { shard } : {}),
  });
  return buildJsonReport(result, "test");
}

/** A report without what only a shard's or a merged report has, and with spend rounded to cents. */
function comparable(r: JsonReport) {
  const { shard, shards, histograms, ...rest } = r;
  return JSON.parse(
    JSON.stringify(rest, (key, value) =>
      key === "spendUsd" || key === "wastedSpendUsd" ? Math.round(value * 1e4) / 1e4 : value,
    ),
  );
}

describe("mergeReports on sim shards", () => {
  it("three shards of a run with a fault, client retries and tenants merge into the unsharded report", async () => {
    const s = scenario();
    const whole = await report(s);
    expect(whole.ledger.failed).not.toEqual({});
    expect(whole.faults[0]?.detectMs).not.toBeNull();
    expect(whole.lanes.interactive!.clientRetries).toBeGreaterThan(0);
    const shards = await Promise.all([3, 1, 2].map((index) => report(s, { index, count: 3 })));
    for (const shard of shards) {
      // The world-wide parts are the whole run's in every shard; the books are its own.
      expect(shard.faults).toEqual(whole.faults);
      expect(shard.findings).toEqual(whole.findings);
      expect(shard.ledger.generated).toBeLessThan(whole.ledger.generated / 2);
    }
    const merged = mergeReports(
      checkShardSet(shards.map((r, i) => ({ file: `shard${i}.json`, report: r }))),
    );
    expect(merged.shards).toEqual({ count: 3, merged: [1, 2, 3] });
    expect(comparable(merged)).toEqual(comparable(whole));
  });

  it("a shard of one is the unsharded run, with its histograms beside it", async () => {
    const s = scenario();
    const [whole, one] = await Promise.all([report(s), report(s, { index: 1, count: 1 })]);
    expect(one.shard).toEqual({ index: 1, count: 1 });
    expect(one.histograms?.series).toHaveLength(one.series.length);
    expect(comparable(one)).toEqual(comparable(whole));
  });
});
