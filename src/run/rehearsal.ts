import { RealScheduler } from "../clock/real-scheduler.js";
import type { FindingsSink } from "../findings/findings-sink.js";
import type { Recorder } from "../metrics/recorder.js";
import { createRng, deriveSeed } from "../random/rng.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { TrafficStream } from "../traffic/plan.js";
import type { Upstream } from "../upstream/upstream.js";
import { Engine } from "./engine.js";

/** What a rehearsal runs with: the run's own scenario, and books to throw away after. */
export interface Rehearsal {
  scenario: ResolvedScenario;
  seed: number;
  speed: number;
  /** How many of the plan's first requests it sends. */
  count: number;
  /** The run's way to the mocks, with every call marked as warm-up (booked apart). */
  upstream: Upstream;
  /** A fresh recorder and findings: the rehearsal's, never the run's. */
  books: () => { recorder: Recorder; findings: FindingsSink };
  /** Wall ms it may take at most; then it stops, its calls still in flight dropped. */
  maxWallMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * How much faster than the run's own clock a rehearsal runs: it warms code, so its
 * requests need not keep their spacing, only their kinds and their order.
 */
const REHEARSAL_SPEED_UP = 10;

/**
 * Before a live run's clock starts, the run's first requests, sent the whole way
 * the run sends them: through an engine and router of the run's own configuration,
 * recorded and judged (in books thrown away), to the mocks, which book them apart.
 *
 * A cold harness spends its first second or so compiling the code each request
 * runs through, on both threads, while the requests keep coming: at tens of
 * thousands a second, on two cores, that start left thousands of requests behind,
 * and a run near the machine's limit never caught up (the backlog itself costs
 * collection work). Calls sent on their own (HttpUpstream's warm-up) warm only the
 * way to the mocks and the mocks' side of it; the engine, the router, the recorder
 * and the findings were still compiled in the run's first second.
 */
export async function rehearse(r: Rehearsal): Promise<void> {
  if (r.count <= 0 || r.signal?.aborted) return;
  const plan = new TrafficStream(
    r.scenario.traffic,
    r.scenario.durationMs,
    deriveSeed(r.seed, "rehearsal"),
  );
  let left = r.count;
  const scheduler = new RealScheduler(r.speed * REHEARSAL_SPEED_UP);
  const { recorder, findings } = r.books();
  const engine = new Engine({
    plan: { next: () => (left-- > 0 ? plan.next() : undefined) },
    // Over as soon as every request it sent is settled.
    durationMs: 0,
    router: r.scenario.router,
    random: createRng(deriveSeed(r.seed, "rehearsal.router")).next,
    scheduler,
    upstream: r.upstream,
    recorder,
    findings,
  });
  const stop = () => engine.stop(0);
  const timer = setTimeout(stop, r.maxWallMs);
  r.signal?.addEventListener("abort", stop, { once: true });
  try {
    engine.start();
    await engine.done;
  } finally {
    clearTimeout(timer);
    r.signal?.removeEventListener("abort", stop);
    scheduler.dispose();
  }
}
