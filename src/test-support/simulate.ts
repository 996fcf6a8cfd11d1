import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { Recorder } from "../metrics/recorder.js";
import { createRng } from "../random/rng.js";
import { parseRetryAfter } from "../router/rate-limit-headers.js";
import { Engine } from "../run/engine.js";
import { routeInfos } from "../run/run-scenario.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { buildPlan } from "../traffic/plan.js";
import { planOf } from "../traffic/traffic-plan.js";
import { SimUpstream } from "../upstream/sim-upstream.js";
import type { Attempt, AttemptResult, Upstream } from "../upstream/upstream.js";
import { VendorModel } from "../vendor/vendor-model.js";

export interface LogEntry {
  t: number;
  type: "send" | "done";
  requestId: number;
  vendor: string;
  status?: number;
  retryAfterMs?: number;
}

/** Wraps an upstream to log every send and answer with its scenario time. */
export class LoggingUpstream implements Upstream {
  readonly log: LogEntry[] = [];
  constructor(
    private readonly inner: Upstream,
    private readonly clock: VirtualScheduler,
  ) {}
  send(attempt: Attempt, onDone: (result: AttemptResult) => void) {
    this.log.push({
      t: this.clock.now(),
      type: "send",
      requestId: attempt.requestId,
      vendor: attempt.vendor,
    });
    return this.inner.send(attempt, (result) => {
      const retryAfterMs = parseRetryAfter(result.headers);
      this.log.push({
        t: this.clock.now(),
        type: "done",
        requestId: attempt.requestId,
        vendor: attempt.vendor,
        status: result.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
      onDone(result);
    });
  }
  async close() {}
}

/** Runs a scenario on the virtual clock with a logging upstream. */
export async function simulate(scenario: ResolvedScenario) {
  const scheduler = new VirtualScheduler();
  const models = new Map(
    scenario.vendors.map((v) => [v.name, new VendorModel(v, scenario.faults, createRng(1))]),
  );
  const upstream = new LoggingUpstream(new SimUpstream(models, scheduler), scheduler);
  const recorder = new Recorder(
    scenario.router.lanes.map((l) => l.name),
    routeInfos(scenario),
    scenario.faults,
  );
  const plan = buildPlan(scenario.traffic, scenario.durationMs, scenario.seed);
  const engine = new Engine({
    plan: planOf(plan),
    durationMs: scenario.durationMs,
    router: scenario.router,
    random: createRng(7).next,
    scheduler,
    upstream,
    recorder,
  });
  engine.start();
  scheduler.run();
  const result = await engine.done;
  return { log: upstream.log, recorder, plan, result };
}
