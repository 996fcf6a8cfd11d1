import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";
import { CumulativeArrivals } from "./rate-curve.js";

export interface DiurnalShape {
  /** Requests per second at the quietest point of each period. */
  base: number;
  /** Requests per second at the busiest point. */
  peak: number;
  /** A day, or a drill's compressed day ("10m"). */
  periodMs: number;
  /** Where in each period the rate peaks (scenario ms, modulo the period). */
  peakMs: number;
  fromMs: number;
  untilMs: number;
}

/**
 * Requests per second of a daily curve at scenario time t: a sinusoid between
 * base and peak, highest at peakMs (and every period after), lowest half a
 * period away; 0 outside fromMs..untilMs.
 */
export function diurnalRateAt(s: DiurnalShape, t: number): number {
  if (t < s.fromMs || t >= s.untilMs) return 0;
  const phase = (2 * Math.PI * (t - s.peakMs)) / s.periodMs;
  return s.base + ((s.peak - s.base) * (1 + Math.cos(phase))) / 2;
}

/** The integral of the (uncut) curve from time 0 to t, in requests. */
export function diurnalCumulative(s: DiurnalShape, t: number): number {
  const amplitude = (s.peak - s.base) / 2;
  const w = (2 * Math.PI) / s.periodMs;
  const mean = s.base + amplitude;
  return (
    (mean * t + (amplitude / w) * (Math.sin(w * (t - s.peakMs)) + Math.sin(w * s.peakMs))) / 1000
  );
}

/** Evenly paced arrivals following the daily curve (deterministic). */
export function diurnalArrivals(s: DiurnalShape, untilMs: number): ArrivalSequence {
  if (!(s.periodMs > 0)) return { next: () => Infinity };
  return new CumulativeArrivals(
    (t) => diurnalCumulative(s, t),
    s.fromMs,
    Math.min(untilMs, s.untilMs),
  );
}

export function diurnalArrivalTimes(s: DiurnalShape, untilMs: number): number[] {
  return collectTimes(diurnalArrivals(s, untilMs));
}
