import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";
import { CumulativeArrivals } from "./rate-curve.js";

export interface RampShape {
  /** Requests per second at fromMs. */
  startRate: number;
  /** Requests per second at fromMs + forMs. */
  endRate: number;
  fromMs: number;
  forMs: number;
}

/** Requests per second of a ramp at scenario time t: linear from start to end, 0 outside. */
export function rampRateAt(s: RampShape, t: number): number {
  const rel = t - s.fromMs;
  if (rel < 0 || rel >= s.forMs) return 0;
  return s.startRate + ((s.endRate - s.startRate) * rel) / s.forMs;
}

/** Expected requests of a ramp from its start up to scenario time t. */
export function rampCumulative(s: RampShape, t: number): number {
  const rel = Math.min(Math.max(0, t - s.fromMs), s.forMs);
  if (s.forMs <= 0) return 0;
  return (s.startRate * rel + ((s.endRate - s.startRate) * rel * rel) / (2 * s.forMs)) / 1000;
}

/** Evenly paced arrivals of a ramp, cut at untilMs (deterministic). */
export function rampArrivals(s: RampShape, untilMs: number): ArrivalSequence {
  return new CumulativeArrivals(
    (t) => rampCumulative(s, t),
    s.fromMs,
    Math.min(untilMs, s.fromMs + s.forMs),
  );
}

export function rampArrivalTimes(s: RampShape, untilMs: number): number[] {
  return collectTimes(rampArrivals(s, untilMs));
}
