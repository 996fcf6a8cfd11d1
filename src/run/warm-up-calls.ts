import { splitRouteId } from "../router/types.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { TrafficStream } from "../traffic/plan.js";
import type { WarmUpCall } from "../upstream/http-upstream.js";

/**
 * The kinds of chat call a live run's warm-up sends: every route its classes can
 * take, streamed and not as its traffic does, so the code the run will use is the
 * code that gets compiled.
 */
function warmUpCalls(scenario: ResolvedScenario): WarmUpCall[] {
  const kinds = new Set<boolean>();
  for (const traffic of scenario.traffic) {
    if (traffic.stream < 1) kinds.add(false);
    if (traffic.stream > 0) kinds.add(true);
    // A replayed line may say for itself.
    if (traffic.type === "replay")
      for (const request of traffic.requests)
        if (request.stream !== undefined) kinds.add(request.stream);
  }
  const vendors = new Set(scenario.vendors.map((v) => v.name));
  const routes = new Set(Object.values(scenario.router.classes).flat());
  const calls: WarmUpCall[] = [];
  for (const route of routes) {
    const { vendor, model } = splitRouteId(route);
    if (!vendors.has(vendor)) continue;
    for (const stream of kinds) calls.push({ vendor, model, stream });
  }
  return calls;
}

/**
 * Warm-up calls at most. Measured on this project's 2-core machine: at 3,000
 * requests a second, a cold start's first second had a median latency of 80-360 ms
 * (3 ms once warm); 2,000 warm-up calls brought it to 3 ms, and at 1,000 a second
 * a cold start did not show.
 */
const WARM_UP_CALLS = 2_000;

/** The run's first wall second, whose arrivals set how much warm-up it needs. */
const FIRST_WALL_MS = 1_000;

/**
 * What a live run warms up with before its clock starts: the kinds of call it
 * will send, and as many calls as its first wall second plans (a run that starts
 * slowly compiles as it goes and needs little), at most WARM_UP_CALLS.
 */
export function warmUpPlan(
  scenario: ResolvedScenario,
  seed: number,
  speed: number,
): { calls: WarmUpCall[]; count: number } {
  const stream = new TrafficStream(scenario.traffic, scenario.durationMs, seed);
  const windowMs = FIRST_WALL_MS * speed;
  let count = 0;
  for (
    let r = stream.next();
    r && r.intendedMs < windowMs && count < WARM_UP_CALLS;
    r = stream.next()
  )
    count++;
  return { calls: warmUpCalls(scenario), count };
}
