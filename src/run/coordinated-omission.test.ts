import { describe, expect, it } from "vitest";
import type { Cancel, Scheduler } from "../clock/clock.js";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { Recorder } from "../metrics/recorder.js";
import { createRng } from "../random/rng.js";
import { testScenario } from "../test-support/test-scenario.js";
import { buildPlan } from "../traffic/plan.js";
import { planOf } from "../traffic/traffic-plan.js";
import { SimUpstream } from "../upstream/sim-upstream.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { Engine } from "./engine.js";
import { routeInfos } from "./run-scenario.js";

/**
 * A harness that stalls: nothing it was due to do between stallFrom and stallUntil
 * happens before stallUntil (a long GC pause, a blocked event loop).
 */
class StallingScheduler implements Scheduler {
  constructor(
    private readonly inner: VirtualScheduler,
    private readonly stallFrom: number,
    private readonly stallUntil: number,
  ) {}
  now(): number {
    return this.inner.now();
  }
  at(atMs: number, fn: () => void): Cancel {
    const late = atMs >= this.stallFrom && atMs < this.stallUntil ? this.stallUntil : atMs;
    return this.inner.at(late, fn);
  }
}

async function run(stall?: { from: number; until: number }) {
  const scenario = testScenario({ durationMs: 20_000 });
  scenario.traffic = scenario.traffic.map((a) => ({ ...a, rate: 5, untilMs: 20_000 }));
  // Long enough a wait budget that requests the stall held back are still served.
  scenario.router.lanes[0]!.waitBudgetMs = 10_000;
  const virtual = new VirtualScheduler();
  const scheduler = stall ? new StallingScheduler(virtual, stall.from, stall.until) : virtual;
  const models = new Map(
    scenario.vendors.map((v) => [v.name, new VendorModel(v, [], createRng(1))]),
  );
  const recorder = new Recorder(["interactive"], routeInfos(scenario));
  const engine = new Engine({
    plan: planOf(buildPlan(scenario.traffic, scenario.durationMs, 1)),
    durationMs: scenario.durationMs,
    router: scenario.router,
    random: createRng(7).next,
    scheduler,
    upstream: new SimUpstream(models, virtual),
    recorder,
  });
  engine.start();
  virtual.run();
  await engine.done;
  return recorder.lanes.get("interactive")!.latency.summary();
}

describe("latency from the intended start (no coordinated omission)", () => {
  it("a harness that stalls for 3 s shows the stall in the latency, not hides it", async () => {
    const calm = await run();
    const stalled = await run({ from: 10_000, until: 13_000 });
    // A request meant for 10.0 s went out at 13.0 s: its latency counts those 3 s.
    expect(stalled.max!).toBeGreaterThanOrEqual(3000 + calm.min!);
    expect(stalled.max!).toBeGreaterThan(calm.max! + 2000);
    // Measured from when it was sent instead, the stall would vanish: the mean moves too.
    expect(stalled.mean!).toBeGreaterThan(calm.mean!);
    expect(stalled.count).toBe(calm.count);
  });
});
