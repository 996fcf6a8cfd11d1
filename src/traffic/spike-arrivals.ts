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
export function spikeArrivalTimes(s: SpikeShape, untilMs: number): number[] {
  const endMs = Math.min(untilMs, s.fromMs + s.riseMs + s.holdMs + s.fallMs);
  const times: number[] = [];
  let accumulated = 0.5;
  for (let t = s.fromMs; t < endMs; t++) {
    accumulated += spikeRateAt(s, t + 0.5) / 1000;
    while (accumulated >= 1) {
      accumulated -= 1;
      times.push(t);
    }
  }
  return times;
}
