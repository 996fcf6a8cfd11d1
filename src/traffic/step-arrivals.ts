import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";
import { CumulativeArrivals } from "./rate-curve.js";
import type { RateStep } from "./types.js";

/**
 * Requests per second of a staircase at scenario time t: each step's rate holds
 * until the next step; 0 before the first. Steps are in time order.
 */
export function stepRateAt(steps: readonly RateStep[], t: number): number {
  let rate = 0;
  for (const step of steps) {
    if (step.atMs > t) break;
    rate = step.rate;
  }
  return rate;
}

/** Expected requests of a staircase from time 0 up to scenario time t. */
export function stepCumulative(steps: readonly RateStep[], t: number): number {
  let total = 0;
  for (const [i, step] of steps.entries()) {
    if (step.atMs >= t) break;
    const end = Math.min(t, steps[i + 1]?.atMs ?? t);
    total += (step.rate * (end - step.atMs)) / 1000;
  }
  return total;
}

/** Evenly paced arrivals of a staircase up to untilMs (deterministic). */
export function stepArrivals(steps: readonly RateStep[], untilMs: number): ArrivalSequence {
  const first = steps[0];
  if (!first) return { next: () => Infinity };
  return new CumulativeArrivals(
    (t) => stepCumulative(steps, t),
    first.atMs,
    untilMs,
    steps.map((s) => s.atMs),
  );
}

export function stepArrivalTimes(steps: readonly RateStep[], untilMs: number): number[] {
  return collectTimes(stepArrivals(steps, untilMs));
}
