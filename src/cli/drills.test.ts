import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { builtInScenarioNames } from "../scenario/registry.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

/**
 * The nine standard drills of the playbook, the four drills for gateways (issue 9)
 * and the multi-node drill (issue 10), each able to tell a good router config from a
 * bad one: under the playbook preset every threshold holds (exit 0); under the naive
 * preset the threshold the drill is about fails (exit 1).
 */
const DRILLS: Record<string, RegExp> = {
  "lunch-rush": /^interactive\.ok\.rate/,
  "vendor-outage": /^interactive\.ok\.rate/,
  "429-storm": /^(all\.attempts\.perRequest|vendor-a\.errors\.throttled)/,
  "slow-vendor": /^interactive\.latency\.p95/,
  "bursty-refill": /^vendor-a\.errors\.throttled/,
  "retry-storm": /^all\.attempts\.perRequest/,
  "large-prompts": /^vendor-a\.errors\.throttled/,
  "noisy-tenant": /^(quiet-co|small-co)\.ok\.rate/,
  "batch-contention": /^interactive\.ok\.rate/,
  "retry-amplification": /^all\.attempts\.perRequest/,
  "retry-after-edge": /^interactive\.ok\.rate/,
  "cut-stream": /^interactive\.ok\.rate/,
  "silent-upstream": /^interactive\.(ok\.rate|latency\.p95)/,
  "multi-node": /^vendor-a\.errors\.throttled/,
};

/** Sends to vendor A over all sends, in the seconds of the report's fault number `i`. */
function shareOfSendsToA(report: JsonReport, i: number): number {
  const fault = report.faults[i]!;
  let toA = 0;
  let all = 0;
  for (const row of report.series) {
    const ms = row.t * 1000;
    if (ms <= fault.startMs || ms > (fault.endMs ?? Number.POSITIVE_INFINITY)) continue;
    for (const [route, r] of Object.entries(row.routes)) {
      all += r.sends;
      if (route.startsWith("vendor-a/")) toA += r.sends;
    }
  }
  return all === 0 ? 0 : toA / all;
}

const vendorA = (report: JsonReport) => report.routes.find((r) => r.vendor === "vendor-a")!;
const failed = (report: JsonReport) => report.thresholds.filter((t) => !t.ok).map((t) => t.expr);
const finding = (report: JsonReport, id: string) => report.findings.find((f) => f.id === id)!;

/** What each gateway drill shows beyond its thresholds, checked on the same two runs. */
const SHOWS: Record<string, (playbook: JsonReport, naive: JsonReport) => void> = {
  "retry-amplification": (playbook, naive) => {
    // The layers multiply: the clients retry what the naive gateway's own retries
    // failed, and every user request costs several upstream calls...
    expect(naive.lanes.interactive!.clientRetries).toBeGreaterThan(naive.ledger.generated / 4);
    expect(naive.totals.attemptsPerRequest!).toBeGreaterThan(3);
    // ...while the playbook answers before the clients have anything to retry.
    expect(playbook.lanes.interactive!.clientRetries).toBeLessThan(playbook.ledger.generated / 100);
    expect(failed(naive)).toContain("findings.retryAmplification<=2");
  },
  "retry-after-edge": (playbook, naive) => {
    // Both edges came up: vendor A throttled in each window.
    expect(naive.faults.map((f) => f.kind)).toEqual(["throttle", "throttle"]);
    expect(vendorA(naive).status["429"]).toBeGreaterThan(1000);
    // The 120 s Retry-After cools A down: the playbook sends almost nothing there
    // in that window, the naive router everything...
    expect(shareOfSendsToA(playbook, 1)).toBeLessThan(0.05);
    expect(shareOfSendsToA(naive, 1)).toBe(1);
    // ...and no user request is held for the two minutes it asked.
    expect(playbook.lanes.interactive!.latencyMs.max).toBeLessThan(60_000);
    // Its finding judged both edges (a value, not "never came up"). The naive router
    // passes it: a fixed 1 s delay is no hot loop (a gateway that resends at once is;
    // see below), and it ignores the 120 s instead of holding the user.
    expect(finding(playbook, "retryAfterEdge").value).toBe(0);
    expect(finding(playbook, "retryAfterEdge").summary).toMatch(/Retry-After 0, .* over 60 s/);
  },
  "cut-stream": (playbook, naive) => {
    // The report shows the cut streams, on vendor A only, in both runs.
    expect(vendorA(playbook).errors["stream-error"]).toBeGreaterThan(0);
    expect(vendorA(naive).errors["stream-error"]).toBeGreaterThan(500);
    // Every cut reached the user as a failure, never as a success; the playbook failed them all over.
    expect(naive.ledger.failed["stream-error"]).toBeGreaterThan(0);
    expect(playbook.ledger.failed).toEqual({});
    expect(failed(naive)).toContain("findings.cutStream==0");
  },
  "silent-upstream": (playbook, naive) => {
    // The silent calls end as timeouts on vendor A; the playbook soon stops sending there.
    expect(vendorA(playbook).errors.timeout).toBeGreaterThan(0);
    expect(vendorA(naive).errors.timeout).toBeGreaterThan(10 * vendorA(playbook).errors.timeout!);
    expect(shareOfSendsToA(playbook, 0)).toBeLessThan(0.1);
    // Its finding saw the stalls. The embedded router, naive or not, always ends an
    // attempt at its lane's timeout, so only a gateway can fail it.
    expect(finding(playbook, "silentUpstream").value).not.toBeNull();
  },
};

async function run(drill: string, router: string, ...extra: string[]) {
  const io = testIo([
    "run",
    drill,
    "--mode",
    "sim",
    "--json",
    "--router",
    router,
    "--out",
    mkdtempSync(join(tmpdir(), "gw-chaos-drill-")),
    ...extra,
  ]);
  const code = await main(io);
  return { code, report: JSON.parse(io.out()) as JsonReport, err: io.err() };
}

describe("the built-in drills", () => {
  it("are all built in", () => {
    expect(builtInScenarioNames()).toEqual(expect.arrayContaining(Object.keys(DRILLS)));
  });

  it.each(Object.entries(DRILLS))(
    "%s: the playbook holds every threshold, the naive router fails the one the drill is about",
    async (drill, about) => {
      const playbook = await run(drill, "playbook");
      expect(playbook.report.thresholds.filter((t) => !t.ok)).toEqual([]);
      expect(playbook.code).toBe(0);
      const naive = await run(drill, "naive");
      expect(naive.code).toBe(1);
      const failed = naive.report.thresholds.filter((t) => !t.ok).map((t) => t.expr);
      expect(failed.some((expr) => about.test(expr))).toBe(true);
      // Whatever happened, no request was lost.
      expect(playbook.report.ledger.balanced && naive.report.ledger.balanced).toBe(true);
      SHOWS[drill]?.(playbook.report, naive.report);
    },
  );
});

describe("retry-after-edge", () => {
  it("fails a gateway that takes Retry-After 0 literally: resent at once, five attempts", async () => {
    const hot = await run(
      "retry-after-edge",
      "naive",
      "--set",
      "router.retry.fixedDelay=0s",
      "--set",
      "router.retry.maxAttempts=5",
    );
    expect(hot.code).toBe(1);
    expect(failed(hot.report)).toContain("findings.retryAfterEdge==0");
    expect(finding(hot.report, "retryAfterEdge").summary).toMatch(/resent at once 3\+ times/);
  });
});
