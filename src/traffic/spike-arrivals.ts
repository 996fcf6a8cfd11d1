import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";

export interface SpikeShape {
  rate: number;
  fromMs: number;
  riseMs: number;
  holdMs: number;
  fallMs: number;
}

/** Requests per second of a spike at scenario time t: up, flat, down (a trapezoid). */
export function spikeRateAt(s: SpikeShape, t: number): number {
  const rel = t - s.fromMs;
  if (rel < 0) return 0;
  if (rel < s.riseMs) return (s.rate * rel) / s.riseMs;
  if (rel < s.riseMs + s.holdMs) return s.rate;
  const down = rel - s.riseMs - s.holdMs;
  if (down < s.fallMs) return s.rate * (1 - down / s.fallMs);
  return 0;
}

/**
 * Arrival times of a spike, cut at untilMs: a request each time the integral of
 * the rate crosses a whole number, stepped by the millisecond (deterministic).
 */
export class SpikeArrivals implements ArrivalSequence {
  private readonly endMs: number;
  private t: number;
  private accumulated = 0.5;
  /** Arrivals due in the millisecond last stepped, not yet given out. */
  private due = 0;
  private dueAt = 0;

  constructor(
    private readonly s: SpikeShape,
    untilMs: number,
  ) {
    this.endMs = Math.min(untilMs, s.fromMs + s.riseMs + s.holdMs + s.fallMs);
    this.t = s.fromMs;
  }

  next(): number {
    while (this.due === 0) {
      if (!(this.t < this.endMs)) return Infinity;
      this.accumulated += spikeRateAt(this.s, this.t + 0.5) / 1000;
      while (this.accumulated >= 1) {
        this.accumulated -= 1;
        this.due++;
      }
      this.dueAt = this.t++;
    }
    this.due--;
    return this.dueAt;
  }
}

export function spikeArrivalTimes(s: SpikeShape, untilMs: number): number[] {
  return collectTimes(new SpikeArrivals(s, untilMs));
}
