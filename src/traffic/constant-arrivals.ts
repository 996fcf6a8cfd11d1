/**
 * Evenly spaced arrivals at a fixed rate: k6's constant-arrival-rate. Written
 * straight into a typed array of the right size: an hour at 500 a second is 1.8
 * million times, and a growing array would hold up to twice that while it grows.
 */
export function constantArrivalTimes(rate: number, fromMs: number, untilMs: number): Float64Array {
  if (rate <= 0 || untilMs <= fromMs) return new Float64Array(0);
  const intervalMs = 1000 / rate;
  // (At a vanishing rate the interval overflows; then only the first arrival fits.)
  const count = Number.isFinite(intervalMs)
    ? Math.max(1, Math.ceil((untilMs - fromMs) / intervalMs))
    : 1;
  const times = new Float64Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const t = i === 0 ? fromMs : fromMs + i * intervalMs;
    if (t >= untilMs) break;
    times[n++] = t;
  }
  return n === count ? times : times.slice(0, n);
}
