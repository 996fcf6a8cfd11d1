import { createRng, deriveSeed, type Rng } from "../random/rng.js";
import { constantArrivalTimes } from "./constant-arrivals.js";
import { spikeArrivalTimes } from "./spike-arrivals.js";
import type { ArrivalSpec, PlannedRequest, TokenSize } from "./types.js";

/**
 * The whole traffic plan, built before the run starts (open model): every request
 * with its intended start, lane, class and sizes. A slow system cannot slow the
 * arrivals, and the same seed always gives the same plan.
 */
export function buildPlan(
  arrivals: readonly ArrivalSpec[],
  durationMs: number,
  seed: number,
): PlannedRequest[] {
  const drafts: Omit<PlannedRequest, "id">[] = [];
  arrivals.forEach((spec, index) => {
    const rng = createRng(deriveSeed(seed, `traffic.${index}`));
    const times =
      spec.type === "constant"
        ? constantArrivalTimes(spec.rate, spec.fromMs, Math.min(spec.untilMs, durationMs))
        : spikeArrivalTimes(spec, durationMs);
    for (const intendedMs of times) {
      drafts.push({
        intendedMs,
        lane: spec.lane,
        class: spec.class,
        tenant: spec.tenant,
        promptTokens: drawTokens(spec.prompt, rng),
        completionTokens: Math.max(1, drawTokens(spec.completion, rng)),
        stream: rng.next() < spec.stream,
      });
    }
  });
  // Stable: equal times keep the order of their arrival processes.
  drafts.sort((a, b) => a.intendedMs - b.intendedMs);
  return drafts.map((draft, id) => ({ id, ...draft }));
}

export function drawTokens(size: TokenSize, rng: Rng): number {
  if (typeof size === "number") return size;
  if (size.type === "fixed") return size.value;
  return Math.round(size.min + (size.max - size.min) * rng.next());
}
