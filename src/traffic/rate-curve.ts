import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";

/**
 * Deterministic arrivals under a rate that changes over time (k6's ramping
 * arrival rate): a request each time the expected count, the integral of the
 * rate from fromMs, crosses a whole number plus one half. So the count over any
 * window is the area under the rate there, rounded.
 *
 * `cumulative(t)` is that integral up to scenario time t (in requests, any
 * constant offset); it must not decrease. The walk evaluates it every STEP_MS
 * and at every break (where the rate jumps) and places each arrival inside its
 * step by linear interpolation: exact for a piecewise-constant rate, within a
 * fraction of a millisecond for smooth ones.
 */
export class CumulativeArrivals implements ArrivalSequence {
  private readonly stepMs: number;
  private readonly stops: number[];
  private readonly base: number;
  /** The count whose crossing is the next arrival. */
  private nextCount = 0.5;
  /** The step being walked: a..b, with the counts at both ends. */
  private a: number;
  private b = 0;
  private countA = 0;
  private countB = 0;
  private inStep = false;
  private i = 1;
  private stop = 0;
  private ended: boolean;

  constructor(
    private readonly cumulative: (t: number) => number,
    private readonly fromMs: number,
    private readonly untilMs: number,
    breaks: readonly number[] = [],
  ) {
    this.ended = !(untilMs > fromMs);
    this.stepMs = Math.max(STEP_MS, (untilMs - fromMs) / MAX_STEPS);
    this.stops = breaks.filter((b) => b > fromMs && b < untilMs).sort((x, y) => x - y);
    this.base = this.ended ? 0 : cumulative(fromMs);
    this.a = fromMs;
  }

  next(): number {
    while (!this.ended) {
      if (this.inStep) {
        if (this.nextCount <= this.countB) {
          const t =
            this.a +
            ((this.nextCount - this.countA) / (this.countB - this.countA)) * (this.b - this.a);
          if (t >= this.untilMs) break;
          this.nextCount += 1;
          return t;
        }
        this.a = this.b;
        this.countA = this.countB;
        this.inStep = false;
      }
      if (!(this.a < this.untilMs)) break;
      const { stops } = this;
      let b = Math.min(this.untilMs, this.fromMs + this.i * this.stepMs);
      while (this.stop < stops.length && stops[this.stop]! <= this.a) this.stop++;
      if (this.stop < stops.length && stops[this.stop]! < b) b = stops[this.stop]!;
      else this.i++;
      this.b = b;
      this.countB = this.cumulative(b) - this.base;
      this.inStep = true;
    }
    this.ended = true;
    return Infinity;
  }
}

/** Every arrival of a rate curve, in an array. */
export function arrivalsFromCumulative(
  cumulative: (t: number) => number,
  fromMs: number,
  untilMs: number,
  breaks: readonly number[] = [],
): number[] {
  return collectTimes(new CumulativeArrivals(cumulative, fromMs, untilMs, breaks));
}

const STEP_MS = 100;
/** Long spans take longer steps, so a month-long scenario still plans quickly. */
const MAX_STEPS = 2_000_000;
