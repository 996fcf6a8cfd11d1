import type { Rng } from "../random/rng.js";
import { type ArrivalSequence, collectTimes } from "./arrival-sequence.js";

export interface PoissonShape {
  /** Mean requests per second. */
  rate: number;
  fromMs: number;
  untilMs: number;
}

/**
 * A Poisson process: independent arrivals at a mean rate, so gaps are exponential
 * and requests bunch up and thin out the way real users do. Drawn from the
 * seeded rng, so the same seed gives the same times.
 */
export class PoissonArrivals implements ArrivalSequence {
  private readonly meanGapMs: number;
  private t: number;
  private ended: boolean;

  constructor(
    private readonly s: PoissonShape,
    private readonly rng: Rng,
  ) {
    this.meanGapMs = 1000 / s.rate;
    this.t = s.fromMs;
    this.ended = !(s.rate > 0);
  }

  next(): number {
    if (this.ended) return Infinity;
    this.t += -Math.log(1 - this.rng.next()) * this.meanGapMs;
    if (this.t < this.s.untilMs) return this.t;
    this.ended = true;
    return Infinity;
  }
}

export function poissonArrivalTimes(s: PoissonShape, rng: Rng): number[] {
  return collectTimes(new PoissonArrivals(s, rng));
}
