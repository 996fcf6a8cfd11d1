import { describe, expect, it } from "vitest";
import { buildJsonReport } from "../report/json-report.js";
import { routeId } from "../router/types.js";
import { simulate } from "../test-support/simulate.js";
import { testScenario } from "../test-support/test-scenario.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import type { RunResult } from "./run-scenario.js";
import { routeInfos } from "./run-scenario.js";

/** vendor-a goes down from 10 s to 30 s of a one-minute run; vendor-b has room throughout. */
function outage(kind: "outage" | "server-error") {
  const scenario = testScenario({
    vendors: [
      testVendor("vendor-a", [testModel({ limits: { rpm: 6000, tpm: 10_000_000 } })]),
      testVendor("vendor-b", [testModel({ limits: { rpm: 6000, tpm: 10_000_000 } })]),
    ],
    faults: [
      {
        id: "f0",
        kind,
        vendor: "vendor-a",
        fromMs: 10_000,
        untilMs: 30_000,
        probability: 1,
      },
    ],
  });
  scenario.router.health.openMs = 5000;
  scenario.router.shift.stepMs = 2000;
  return scenario;
}

describe("failover timing from the ground truth of the fault timeline", () => {
  it.each(["outage", "server-error"] as const)(
    "%s: detect and stop-sends are what the router's event log and the send log show",
    async (kind) => {
      const scenario = outage(kind);
      const { log, recorder, result } = await simulate(scenario);
      const run: RunResult = {
        scenario,
        mode: "sim",
        seed: 1,
        speed: 1,
        recorder,
        routes: routeInfos(scenario),
        findings: [],
        harness: { eventLoopDelayMs: null, sendLagMs: null, trusted: true } as never,
        ...result,
      };
      const fault = buildJsonReport(run, "test").faults[0]!;
      const route = routeId("vendor-a", "gpt-4o-mini");

      // Detect: the router's first reaction to vendor-a after onset, from its own log.
      const reaction = result.router.events.find(
        (e) => e.route === route && e.t >= 10_000 && ["cooling", "open", "slow"].includes(e.kind),
      );
      expect(reaction).toBeDefined();
      expect(fault.detectMs).toBeCloseTo(reaction!.t - 10_000, 1);
      expect(fault.detectMs).toBeLessThan(2000);

      // Stop-sends: the last first attempt (not a probe) sent to vendor-a while it was down.
      const probes = new Set(
        result.router.events.filter((e) => e.kind === "probe" && e.route === route).map((e) => e.t),
      );
      const firstSend = new Map<number, number>();
      for (const e of log)
        if (e.type === "send" && !firstSend.has(e.requestId)) firstSend.set(e.requestId, e.t);
      const fresh = log.filter(
        (e) =>
          e.type === "send" &&
          e.vendor === "vendor-a" &&
          e.t >= 10_000 &&
          e.t < 30_000 &&
          firstSend.get(e.requestId) === e.t &&
          !probes.has(e.t),
      );
      expect(fresh.length).toBeGreaterThan(0);
      expect(fault.stopSendsMs).toBeCloseTo(fresh.at(-1)!.t - 10_000, 1);
      // The router stopped feeding vendor-a soon after it noticed.
      expect(fault.stopSendsMs!).toBeLessThan(fault.detectMs! + 2000);

      // Traffic that hit vendor-a was served by vendor-b, and vendor-a came back after.
      expect(fault.rerouteMs).not.toBeNull();
      expect(fault.wastedAttempts).toBeGreaterThan(0);
      expect(fault.recoveryMs).not.toBeNull();
      expect(fault.recoveryMs!).toBeLessThan(30_000);
    },
  );
});
