import type { Rng } from "../random/rng.js";

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
export function poissonArrivalTimes(s: PoissonShape, rng: Rng): number[] {
  const times: number[] = [];
  if (!(s.rate > 0)) return times;
  const meanGapMs = 1000 / s.rate;
  for (let t = s.fromMs; ; ) {
    t += -Math.log(1 - rng.next()) * meanGapMs;
    if (t >= s.untilMs) return times;
    times.push(t);
  }
}
