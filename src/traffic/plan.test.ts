import { describe, expect, it } from "vitest";
import { constantArrivalTimes } from "./constant-arrivals.js";
import { buildPlan } from "./plan.js";
import { spikeArrivalTimes, spikeRateAt } from "./spike-arrivals.js";
import type { ArrivalSpec } from "./types.js";

const shape = {
  lane: "interactive",
  class: "chat",
  tenant: "default",
  prompt: 100,
  completion: 20,
  stream: 0.5,
};

describe("traffic plan", () => {
  it("constant arrivals are evenly spaced at the rate, inside their window", () => {
    const times = constantArrivalTimes(4, 1000, 3000);
    expect(times).toEqual([1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750]);
  });

  it("a spike ramps up, holds and ramps down, and its count is the area under the rate", () => {
    const s = { rate: 10, fromMs: 60_000, riseMs: 10_000, holdMs: 20_000, fallMs: 10_000 };
    expect(spikeRateAt(s, 59_999)).toBe(0);
    expect(spikeRateAt(s, 65_000)).toBe(5);
    expect(spikeRateAt(s, 80_000)).toBe(10);
    expect(spikeRateAt(s, 95_000)).toBe(5);
    expect(spikeRateAt(s, 100_000)).toBe(0);
    const times = spikeArrivalTimes(s, 600_000);
    // 10/s over 20 s, plus two ramps of 5/s average over 10 s each: 300.
    expect(times.length).toBe(300);
    expect(times[0]).toBeGreaterThanOrEqual(60_000);
    expect(times.at(-1)).toBeLessThan(100_000);
    // Denser in the hold than in the ramps.
    const inHold = times.filter((t) => t >= 70_000 && t < 80_000).length;
    const inRise = times.filter((t) => t >= 60_000 && t < 70_000).length;
    expect(inHold).toBeGreaterThan(inRise);
  });

  it("merges every arrival process in time order with ids in that order", () => {
    const arrivals: ArrivalSpec[] = [
      { type: "constant", rate: 1, fromMs: 0, untilMs: 10_000, ...shape },
      {
        type: "spike",
        rate: 5,
        fromMs: 2000,
        riseMs: 1000,
        holdMs: 2000,
        fallMs: 1000,
        ...shape,
        lane: "background",
      },
    ];
    const plan = buildPlan(arrivals, 10_000, 7);
    expect(plan.map((p) => p.id)).toEqual([...plan.keys()]);
    for (let i = 1; i < plan.length; i++)
      expect(plan[i]!.intendedMs).toBeGreaterThanOrEqual(plan[i - 1]!.intendedMs);
    // 2.5 in the rise, 10 in the hold, 2.5 in the fall.
    expect(plan.filter((p) => p.lane === "background").length).toBe(15);
  });

  it("draws sizes and streaming from the seed: same seed, same plan; other seed, other plan", () => {
    const arrivals: ArrivalSpec[] = [
      {
        type: "constant",
        rate: 10,
        fromMs: 0,
        untilMs: 60_000,
        ...shape,
        prompt: { type: "uniform", min: 100, max: 5000 },
      },
    ];
    const a = buildPlan(arrivals, 60_000, 1);
    expect(buildPlan(arrivals, 60_000, 1)).toEqual(a);
    expect(buildPlan(arrivals, 60_000, 2)).not.toEqual(a);
    expect(a.every((p) => p.promptTokens >= 100 && p.promptTokens <= 5000)).toBe(true);
    const streamed = a.filter((p) => p.stream).length / a.length;
    expect(streamed).toBeGreaterThan(0.4);
    expect(streamed).toBeLessThan(0.6);
  });
});
