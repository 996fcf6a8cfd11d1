import { describe, expect, it } from "vitest";
import { createRng } from "../random/rng.js";
import { diurnalArrivalTimes, diurnalRateAt } from "./diurnal-arrivals.js";
import { poissonArrivalTimes } from "./poisson-arrivals.js";
import { rampArrivalTimes, rampRateAt } from "./ramp-arrivals.js";
import { arrivalsFromCumulative } from "./rate-curve.js";
import { stepArrivalTimes, stepRateAt } from "./step-arrivals.js";

/** Arrivals in [fromMs, untilMs). */
function countIn(times: readonly number[], fromMs: number, untilMs: number): number {
  return times.filter((t) => t >= fromMs && t < untilMs).length;
}

function expectSorted(times: readonly number[]): void {
  for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
}

describe("arrivals under a changing rate", () => {
  it("places a request each time the expected count crosses a half: count = area, rounded", () => {
    // 2/s from 0 to 3 s: crossings at 0.25 s, 0.75 s, ... (the area is 6).
    const times = arrivalsFromCumulative((t) => (2 * t) / 1000, 0, 3000);
    expect(times.map((t) => Math.round(t))).toEqual([250, 750, 1250, 1750, 2250, 2750]);
    // A jump of the rate at a break is placed exactly.
    const jump = arrivalsFromCumulative(
      (t) => (t < 1050 ? t / 1000 : 1.05 + (10 * (t - 1050)) / 1000),
      0,
      1400,
      [1050],
    );
    expect(jump.map((t) => Math.round(t))).toEqual([500, 1095, 1195, 1295, 1395]);
    expect(arrivalsFromCumulative(() => 0, 0, 10_000)).toEqual([]);
    expect(arrivalsFromCumulative((t) => t, 5000, 5000)).toEqual([]);
  });
});

describe("poisson arrivals", () => {
  it("count within 3 standard deviations of rate × duration, inside the window, sorted", () => {
    // 20/s over 10 min: expect 12,000, sd = sqrt(12,000) ≈ 110.
    const times = poissonArrivalTimes(
      { rate: 20, fromMs: 60_000, untilMs: 660_000 },
      createRng(42),
    );
    expect(Math.abs(times.length - 12_000)).toBeLessThan(330);
    expect(times[0]!).toBeGreaterThanOrEqual(60_000);
    expect(times.at(-1)!).toBeLessThan(660_000);
    expectSorted(times);
  });

  it("gaps are exponential: mean 1/rate, about 37% longer than the mean, none equal", () => {
    const times = poissonArrivalTimes({ rate: 10, fromMs: 0, untilMs: 1_000_000 }, createRng(7));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(95);
    expect(mean).toBeLessThan(105);
    const longer = gaps.filter((g) => g > 100).length / gaps.length;
    expect(longer).toBeGreaterThan(0.35); // e^-1 ≈ 0.368
    expect(longer).toBeLessThan(0.39);
    // Evenly spaced traffic would have a coefficient of variation of 0; exponential 1.
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });

  it("the same seed gives the same times; another seed others; rate 0 gives none", () => {
    const s = { rate: 5, fromMs: 0, untilMs: 60_000 };
    expect(poissonArrivalTimes(s, createRng(3))).toEqual(poissonArrivalTimes(s, createRng(3)));
    expect(poissonArrivalTimes(s, createRng(3))).not.toEqual(poissonArrivalTimes(s, createRng(4)));
    expect(poissonArrivalTimes({ ...s, rate: 0 }, createRng(3))).toEqual([]);
  });
});

describe("ramp arrivals", () => {
  const ramp = { startRate: 0, endRate: 20, fromMs: 10_000, forMs: 100_000 };

  it("the rate rises linearly from start to end over the window, 0 outside", () => {
    expect(rampRateAt(ramp, 9_999)).toBe(0);
    expect(rampRateAt(ramp, 10_000)).toBe(0);
    expect(rampRateAt(ramp, 35_000)).toBe(5);
    expect(rampRateAt(ramp, 60_000)).toBe(10);
    expect(rampRateAt(ramp, 109_000)).toBeCloseTo(19.8);
    expect(rampRateAt(ramp, 110_000)).toBe(0);
    expect(rampRateAt({ ...ramp, startRate: 10, endRate: 2 }, 85_000)).toBe(4);
  });

  it("counts are the area under the rate: in total and per window", () => {
    const times = rampArrivalTimes(ramp, 600_000);
    expect(times.length).toBe(1000); // 10/s average over 100 s
    expectSorted(times);
    expect(times[0]!).toBeGreaterThanOrEqual(10_000);
    expect(times.at(-1)!).toBeLessThan(110_000);
    // 5/s around 35 s, 15/s around 85 s: ±1 for where the half-crossings fall.
    expect(Math.abs(countIn(times, 30_000, 40_000) - 50)).toBeLessThanOrEqual(1);
    expect(Math.abs(countIn(times, 80_000, 90_000) - 150)).toBeLessThanOrEqual(1);
    // Cut at the scenario's end: the first half has a quarter of the area.
    expect(rampArrivalTimes(ramp, 60_000).length).toBe(250);
  });

  it("a falling ramp and a flat one", () => {
    const down = rampArrivalTimes({ ...ramp, startRate: 20, endRate: 0 }, 600_000);
    expect(down.length).toBe(1000);
    expect(countIn(down, 10_000, 20_000)).toBeGreaterThan(countIn(down, 100_000, 110_000));
    const flat = rampArrivalTimes({ ...ramp, startRate: 4, endRate: 4 }, 600_000);
    expect(flat.length).toBe(400);
    const gaps = flat.slice(1).map((t, i) => t - flat[i]!);
    for (const g of gaps) expect(g).toBeCloseTo(250, 6);
  });
});

describe("step arrivals", () => {
  const steps = [
    { atMs: 10_000, rate: 2 },
    { atMs: 40_000, rate: 10 },
    { atMs: 50_000, rate: 0 },
    { atMs: 70_000, rate: 1 },
  ];

  it("each step's rate holds until the next; 0 before the first", () => {
    expect(stepRateAt(steps, 0)).toBe(0);
    expect(stepRateAt(steps, 10_000)).toBe(2);
    expect(stepRateAt(steps, 39_999)).toBe(2);
    expect(stepRateAt(steps, 40_000)).toBe(10);
    expect(stepRateAt(steps, 60_000)).toBe(0);
    expect(stepRateAt(steps, 500_000)).toBe(1);
  });

  it("counts per step are rate × length, and the last step holds to the end", () => {
    const times = stepArrivalTimes(steps, 100_000);
    expectSorted(times);
    expect(countIn(times, 0, 10_000)).toBe(0);
    expect(countIn(times, 10_000, 40_000)).toBe(60);
    expect(countIn(times, 40_000, 50_000)).toBe(100);
    expect(countIn(times, 50_000, 70_000)).toBe(0);
    expect(countIn(times, 70_000, 100_000)).toBe(30);
    expect(times.length).toBe(190);
    // Evenly paced within a step.
    const inHigh = times.filter((t) => t >= 40_000 && t < 50_000);
    for (let i = 1; i < inHigh.length; i++) expect(inHigh[i]! - inHigh[i - 1]!).toBeCloseTo(100, 6);
    expect(stepArrivalTimes([], 100_000)).toEqual([]);
  });
});

describe("diurnal arrivals", () => {
  // A day compressed into 10 minutes, peaking at minute 5.
  const day = {
    base: 2,
    peak: 10,
    periodMs: 600_000,
    peakMs: 300_000,
    fromMs: 0,
    untilMs: 1_200_000,
  };

  it("the rate is base at the trough, peak at the peak, half-way in between", () => {
    expect(diurnalRateAt(day, 0)).toBeCloseTo(2);
    expect(diurnalRateAt(day, 150_000)).toBeCloseTo(6);
    expect(diurnalRateAt(day, 300_000)).toBeCloseTo(10);
    expect(diurnalRateAt(day, 450_000)).toBeCloseTo(6);
    expect(diurnalRateAt(day, 600_000)).toBeCloseTo(2);
    expect(diurnalRateAt(day, 900_000)).toBeCloseTo(10); // the next day's peak
    expect(diurnalRateAt(day, 1_200_000)).toBe(0); // outside the window
  });

  it("counts follow the curve: mean rate over whole days, busy near the peak, quiet at night", () => {
    const times = diurnalArrivalTimes(day, 1_200_000);
    expectSorted(times);
    // Two days at a mean of 6/s.
    expect(times.length).toBe(7200);
    // 10 s windows at the peak, at the trough and on the flank (rate 6 there).
    expect(Math.abs(countIn(times, 295_000, 305_000) - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(countIn(times, 595_000, 605_000) - 20)).toBeLessThanOrEqual(1);
    expect(Math.abs(countIn(times, 145_000, 155_000) - 60)).toBeLessThanOrEqual(1);
  });

  it("keeps to its window and to the scenario's end", () => {
    const part = diurnalArrivalTimes({ ...day, fromMs: 300_000, untilMs: 600_000 }, 1_200_000);
    expect(part[0]!).toBeGreaterThanOrEqual(300_000);
    expect(part.at(-1)!).toBeLessThan(600_000);
    expect(part.length).toBe(1800); // half a day from peak to trough: mean 6/s × 300 s
    expect(diurnalArrivalTimes(day, 600_000).length).toBe(3600);
    expect(diurnalArrivalTimes({ ...day, periodMs: 0 }, 600_000)).toEqual([]);
  });
});
