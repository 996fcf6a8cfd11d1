import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";

/** Evenly spaced arrivals at a fixed rate: k6's constant-arrival-rate. */
export class ConstantArrivals implements ArrivalSequence {
  private readonly intervalMs: number;
  private readonly count: number;
  private i = 0;

  constructor(
    rate: number,
    private readonly fromMs: number,
    private readonly untilMs: number,
  ) {
    this.intervalMs = 1000 / rate;
    // (At a vanishing rate the interval overflows; then only the first arrival fits.)
    this.count =
      rate <= 0 || untilMs <= fromMs
        ? 0
        : Number.isFinite(this.intervalMs)
          ? Math.max(1, Math.ceil((untilMs - fromMs) / this.intervalMs))
          : 1;
  }

  next(): number {
    if (this.i >= this.count) return Infinity;
    const i = this.i++;
    const t = i === 0 ? this.fromMs : this.fromMs + i * this.intervalMs;
    if (t < this.untilMs) return t;
    this.i = this.count;
    return Infinity;
  }
}

/** Every arrival time of a constant rate between fromMs and untilMs. */
export function constantArrivalTimes(rate: number, fromMs: number, untilMs: number): Float64Array {
  return Float64Array.from(collectTimes(new ConstantArrivals(rate, fromMs, untilMs)));
}
