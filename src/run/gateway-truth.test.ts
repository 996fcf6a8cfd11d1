import { describe, expect, it } from "vitest";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { FindingsTracker } from "../findings/findings-tracker.js";
import type { VendorAttempt } from "../findings/vendor-attempt.js";
import { Recorder } from "../metrics/recorder.js";
import { createRng } from "../random/rng.js";
import { testScenario } from "../test-support/test-scenario.js";
import { buildPlan } from "../traffic/plan.js";
import { planOf } from "../traffic/traffic-plan.js";
import type { Attempt, Upstream } from "../upstream/upstream.js";
import { Engine } from "./engine.js";
import { ClientTryLog, replayGatewayRun } from "./gateway-truth.js";
import { gatewayRouteInfos } from "./gateway-target.js";
import { routeInfos } from "./run-scenario.js";

/**
 * A gateway that does everything right, in virtual time: each request's stream is
 * cut at vendor-a, and the gateway fails it over to vendor-b, which answers in full.
 * What the vendors saw is logged as the mocks would log it.
 */
function failingOverGateway(scheduler: VirtualScheduler, log: VendorAttempt[]): Upstream {
  return {
    send(attempt: Attempt, onDone) {
      const t = scheduler.now();
      const ids = { requestId: attempt.requestId, clientTry: attempt.clientTry };
      const at = (vendor: string, endedMs: number, outcome: VendorAttempt["outcome"]) =>
        log.push({
          ...ids,
          vendor,
          model: "gpt-4o-mini",
          receivedMs: t,
          endedMs,
          status: 200,
          outcome,
          stream: true,
        });
      at("vendor-a", t + 100, "stream-cut");
      return scheduler.at(t + 100, () => {
        log.push({
          ...ids,
          vendor: "vendor-b",
          model: "gpt-4o-mini",
          receivedMs: t + 100,
          endedMs: t + 400,
          status: 200,
          outcome: "ok",
          stream: true,
        });
        scheduler.at(t + 400, () =>
          onDone({ status: 200, headers: {}, usage: { prompt: 10, completion: 20 } }),
        );
      });
    },
    close: async () => {},
  };
}

describe("a gateway run's findings, replayed from both sides", () => {
  it("hears every client try, the first ones answered too: cut streams failed over are judged, and pass", async () => {
    const scenario = testScenario({ durationMs: 10_000 });
    const scheduler = new VirtualScheduler();
    const recorder = new Recorder(
      scenario.router.lanes.map((l) => l.name),
      [...routeInfos(scenario), ...gatewayRouteInfos(scenario)],
    );
    const vendorLog: VendorAttempt[] = [];
    const clientTries = new ClientTryLog();
    const plan = buildPlan(scenario.traffic, scenario.durationMs, 1);
    const engine = new Engine({
      plan: planOf(plan),
      durationMs: scenario.durationMs,
      router: scenario.router,
      random: createRng(7).next,
      scheduler,
      upstream: failingOverGateway(scheduler, vendorLog),
      recorder,
      gateway: true,
      findings: clientTries,
    });
    engine.start();
    scheduler.run();
    await engine.done;
    expect(recorder.ledger.totals()).toMatchObject({ ok: plan.length, balanced: true });
    // Every client try reached the log, though each was answered at its first send.
    expect(clientTries.tries).toHaveLength(plan.length);
    expect(clientTries.tries.every((t) => t.end === "complete")).toBe(true);

    const tracker = new FindingsTracker({ lanes: scenario.router.lanes, faults: [] });
    replayGatewayRun(tracker, clientTries.tries, vendorLog);
    const cut = tracker.findings({ series: [], tenants: {} }).find((f) => f.id === "cutStream")!;
    expect(cut).toMatchObject({ ok: true, value: 0 });
  });
});
