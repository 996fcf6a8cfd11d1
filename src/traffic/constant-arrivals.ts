/** Evenly spaced arrivals at a fixed rate: k6's constant-arrival-rate. */
export function constantArrivalTimes(rate: number, fromMs: number, untilMs: number): number[] {
  if (rate <= 0 || untilMs <= fromMs) return [];
  const intervalMs = 1000 / rate;
  const times: number[] = [];
  for (let i = 0; ; i++) {
    // (i > 0: at a vanishing rate the interval overflows, and 0 × Infinity is NaN.)
    const t = i === 0 ? fromMs : fromMs + i * intervalMs;
    if (t >= untilMs) break;
    times.push(t);
  }
  return times;
}
