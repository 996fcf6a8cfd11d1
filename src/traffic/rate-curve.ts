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
export function arrivalsFromCumulative(
  cumulative: (t: number) => number,
  fromMs: number,
  untilMs: number,
  breaks: readonly number[] = [],
): number[] {
  const times: number[] = [];
  if (!(untilMs > fromMs)) return times;
  const stepMs = Math.max(STEP_MS, (untilMs - fromMs) / MAX_STEPS);
  const stops = breaks.filter((b) => b > fromMs && b < untilMs).sort((x, y) => x - y);
  const base = cumulative(fromMs);
  let next = 0.5;
  let a = fromMs;
  let countA = 0;
  let stop = 0;
  for (let i = 1; a < untilMs; ) {
    let b = Math.min(untilMs, fromMs + i * stepMs);
    while (stop < stops.length && stops[stop]! <= a) stop++;
    if (stop < stops.length && stops[stop]! < b) b = stops[stop]!;
    else i++;
    const countB = cumulative(b) - base;
    while (next <= countB) {
      const t = a + ((next - countA) / (countB - countA)) * (b - a);
      if (t >= untilMs) return times;
      times.push(t);
      next += 1;
    }
    a = b;
    countA = countB;
  }
  return times;
}

const STEP_MS = 100;
/** Long spans take longer steps, so a month-long scenario still plans quickly. */
const MAX_STEPS = 2_000_000;
