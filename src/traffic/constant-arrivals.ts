/** Evenly spaced arrivals at a fixed rate: k6's constant-arrival-rate. */
export function constantArrivalTimes(rate: number, fromMs: number, untilMs: number): number[] {
  if (rate <= 0 || untilMs <= fromMs) return [];
  const intervalMs = 1000 / rate;
  const times: number[] = [];
  for (let i = 0; ; i++) {
    const t = fromMs + i * intervalMs;
    if (t >= untilMs) break;
    times.push(t);
  }
  return times;
}
