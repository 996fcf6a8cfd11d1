import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../random/rng.js";
import { constantArrivalTimes } from "./constant-arrivals.js";
import { buildPlan, drawTokens, expectedRequests, pickWeighted } from "./plan.js";
import { spikeArrivalTimes, spikeRateAt } from "./spike-arrivals.js";
import type { ArrivalSpec, TokenSize, TraceRequest } from "./types.js";

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
    expect([...times]).toEqual([1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750]);
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

/** n draws of a size from one seeded stream. */
function draws(size: TokenSize, n: number, seed = 1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => drawTokens(size, rng));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("token sizes", () => {
  it("lognormal: the median is the median, the tail is long, max caps it", () => {
    const sizes = draws({ type: "lognormal", median: 800, sigma: 1 }, 20_000);
    expect(Math.abs(median(sizes) - 800)).toBeLessThan(40);
    // With sigma 1 about 16% of draws are above e × median.
    const tail = sizes.filter((n) => n > 800 * Math.E).length / sizes.length;
    expect(tail).toBeGreaterThan(0.14);
    expect(tail).toBeLessThan(0.18);
    expect(sizes.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    const capped = draws({ type: "lognormal", median: 800, sigma: 1, max: 2000 }, 20_000);
    expect(Math.max(...capped)).toBe(2000);
    expect(draws({ type: "lognormal", median: 500, sigma: 0 }, 10)).toEqual(Array(10).fill(500));
  });

  it("mixture: mostly chat, some 40,000-token prompts, in their shares", () => {
    const size: TokenSize = {
      type: "mixture",
      of: [
        { weight: 95, size: { type: "uniform", min: 200, max: 1500 } },
        { weight: 5, size: 40_000 },
      ],
    };
    const sizes = draws(size, 20_000);
    const large = sizes.filter((n) => n === 40_000).length / sizes.length;
    expect(large).toBeGreaterThan(0.045);
    expect(large).toBeLessThan(0.055);
    expect(sizes.every((n) => n === 40_000 || (n >= 200 && n <= 1500))).toBe(true);
    expect(draws(size, 100, 3)).toEqual(draws(size, 100, 3));
  });

  it("picks weighted options in proportion to their weights", () => {
    const rng = createRng(9);
    const options = [
      { name: "a", weight: 5 },
      { name: "b", weight: 1 },
      { name: "c", weight: 4 },
    ];
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 50_000; i++) counts[pickWeighted(options, rng).name as "a"]++;
    expect(counts.a / 50_000).toBeCloseTo(0.5, 1);
    expect(counts.b / 50_000).toBeCloseTo(0.1, 1);
    expect(counts.c / 50_000).toBeCloseTo(0.4, 1);
  });
});

describe("traffic plan: tenants, client retries, every kind", () => {
  it("draws each request's tenant by weight, seeded; a single tenant stays as it was", () => {
    const spec: ArrivalSpec = {
      type: "constant",
      rate: 100,
      fromMs: 0,
      untilMs: 100_000,
      ...shape,
      tenants: [
        { name: "acme", weight: 5 },
        { name: "small-co", weight: 1 },
      ],
    };
    const plan = buildPlan([spec], 100_000, 1);
    expect(plan).toHaveLength(10_000);
    const acme = plan.filter((p) => p.tenant === "acme").length / plan.length;
    expect(Math.abs(acme - 5 / 6)).toBeLessThan(0.02);
    expect(plan.every((p) => p.tenant === "acme" || p.tenant === "small-co")).toBe(true);
    expect(buildPlan([spec], 100_000, 1)).toEqual(plan);
    // Weighted tenants do not move what a seed draws for sizes and streaming.
    const single = buildPlan([{ ...spec, tenants: undefined }], 100_000, 1);
    expect(single.every((p) => p.tenant === "default")).toBe(true);
    expect(single.map((p) => p.stream)).toEqual(plan.map((p) => p.stream));
  });

  it("carries client retries into every request of that traffic, and only that traffic", () => {
    const plan = buildPlan(
      [
        { type: "constant", rate: 1, fromMs: 0, untilMs: 5000, ...shape },
        {
          type: "constant",
          rate: 1,
          fromMs: 0,
          untilMs: 5000,
          ...shape,
          lane: "background",
          clientRetries: { max: 3, delayMs: 1000 },
        },
      ],
      5000,
      1,
    );
    for (const p of plan) {
      if (p.lane === "background") expect(p.clientRetries).toEqual({ max: 3, delayMs: 1000 });
      else expect(p).not.toHaveProperty("clientRetries");
    }
  });

  it("replays a trace as written: its lanes, tenants, sizes and streaming", () => {
    const requests: TraceRequest[] = [
      {
        line: 1,
        atMs: 0,
        lane: "interactive",
        tenant: "acme",
        promptTokens: 10,
        completionTokens: 0,
      },
      {
        line: 2,
        atMs: 1000,
        lane: "background",
        class: "batch",
        tenant: "b",
        promptTokens: 40_000,
        completionTokens: 5,
        stream: true,
      },
      {
        line: 3,
        atMs: 9000,
        lane: "interactive",
        tenant: "c",
        promptTokens: 1,
        completionTokens: 1,
      },
    ];
    const plan = buildPlan(
      [
        {
          type: "replay",
          file: "t.jsonl",
          fromMs: 500,
          speed: 1,
          requests,
          class: "chat",
          stream: 0,
        },
      ],
      5000,
      1,
    );
    expect(plan).toEqual([
      {
        id: 0,
        intendedMs: 500,
        lane: "interactive",
        class: "chat",
        tenant: "acme",
        promptTokens: 10,
        completionTokens: 1,
        stream: false,
      },
      {
        id: 1,
        intendedMs: 1500,
        lane: "background",
        class: "batch",
        tenant: "b",
        promptTokens: 40_000,
        completionTokens: 5,
        stream: true,
      },
    ]);
  });

  it("expects about as many requests as each kind plans", () => {
    const kinds: ArrivalSpec[] = [
      { type: "constant", rate: 3, fromMs: 0, untilMs: 60_000, ...shape },
      { type: "poisson", rate: 3, fromMs: 0, untilMs: 60_000, ...shape },
      {
        type: "spike",
        rate: 6,
        fromMs: 10_000,
        riseMs: 5000,
        holdMs: 10_000,
        fallMs: 5000,
        ...shape,
      },
      { type: "ramp", startRate: 1, endRate: 5, fromMs: 0, forMs: 60_000, ...shape },
      {
        type: "step",
        steps: [
          { atMs: 0, rate: 1 },
          { atMs: 30_000, rate: 4 },
        ],
        ...shape,
      },
      {
        type: "diurnal",
        base: 1,
        peak: 5,
        periodMs: 20_000,
        peakMs: 5000,
        fromMs: 0,
        untilMs: 60_000,
        ...shape,
      },
    ];
    for (const [i, spec] of kinds.entries()) {
      const planned = buildPlan([spec], 60_000, 4).length;
      const expected = expectedRequests(spec, 60_000);
      // Poisson within 3 standard deviations; the paced kinds to the request.
      const tolerance = spec.type === "poisson" ? 3 * Math.sqrt(expected) : 1;
      expect(Math.abs(planned - expected), `kind ${i} (${spec.type})`).toBeLessThanOrEqual(
        tolerance,
      );
    }
  });
});

const rate = fc.double({ min: 0, max: 20, noNaN: true });
const ms = fc.integer({ min: 0, max: 60_000 });
const size: fc.Arbitrary<TokenSize> = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  fc
    .integer({ min: 0, max: 2000 })
    .map((min) => ({ type: "uniform" as const, min, max: min + 100 })),
  fc.record({
    type: fc.constant("lognormal" as const),
    median: fc.integer({ min: 1, max: 5000 }),
    sigma: fc.double({ min: 0, max: 2, noNaN: true }),
  }),
  fc.constant<TokenSize>({
    type: "mixture",
    of: [
      { weight: 9, size: 300 },
      { weight: 1, size: { type: "lognormal", median: 20_000, sigma: 0.5, max: 40_000 } },
    ],
  }),
);
const requestShape = fc.record({
  lane: fc.constantFrom("interactive", "background"),
  class: fc.constant("chat"),
  tenant: fc.constant("default"),
  prompt: size,
  completion: size,
  stream: fc.double({ min: 0, max: 1, noNaN: true }),
});
const arrival: fc.Arbitrary<ArrivalSpec> = fc.oneof(
  fc
    .tuple(rate, ms, ms, requestShape)
    .map(([r, a, b, s]) => ({ type: "constant" as const, rate: r, fromMs: a, untilMs: b, ...s })),
  fc
    .tuple(rate, ms, ms, requestShape)
    .map(([r, a, b, s]) => ({ type: "poisson" as const, rate: r, fromMs: a, untilMs: b, ...s })),
  fc.tuple(rate, ms, ms, ms, ms, requestShape).map(([r, a, rise, hold, fall, s]) => ({
    type: "spike" as const,
    rate: r,
    fromMs: a,
    riseMs: rise,
    holdMs: hold,
    fallMs: fall,
    ...s,
  })),
  fc.tuple(rate, rate, ms, ms, requestShape).map(([r0, r1, a, len, s]) => ({
    type: "ramp" as const,
    startRate: r0,
    endRate: r1,
    fromMs: a,
    forMs: len,
    ...s,
  })),
  fc
    .tuple(fc.array(fc.record({ atMs: ms, rate }), { minLength: 1, maxLength: 5 }), requestShape)
    .map(([steps, s]) => ({
      type: "step" as const,
      steps: [...steps].sort((x, y) => x.atMs - y.atMs),
      ...s,
    })),
  fc
    .tuple(rate, rate, fc.integer({ min: 1000, max: 100_000 }), ms, ms, ms, requestShape)
    .map(([r0, r1, period, peak, a, b, s]) => ({
      type: "diurnal" as const,
      base: Math.min(r0, r1),
      peak: Math.max(r0, r1),
      periodMs: period,
      peakMs: peak,
      fromMs: a,
      untilMs: b,
      ...s,
      tenants: [
        { name: "acme", weight: 5 },
        { name: "small-co", weight: 1 },
      ],
    })),
  fc
    .tuple(
      fc.array(ms, { maxLength: 30 }),
      ms,
      fc.double({ min: 0.1, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([times, fromMs, speed, stream]) => ({
      type: "replay" as const,
      file: "trace.jsonl",
      fromMs,
      speed,
      stream,
      class: "chat",
      requests: [...times]
        .sort((a, b) => a - b)
        .map((atMs, i) => ({
          line: i + 1,
          atMs,
          lane: "interactive",
          tenant: "t",
          promptTokens: i,
          completionTokens: i,
        })),
    })),
);

describe("traffic plan properties", () => {
  it("any plan is sorted by intended time, inside the run, ids 0..n-1; the same seed, the same plan", () => {
    fc.assert(
      fc.property(
        fc.array(arrival, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1000, max: 60_000 }),
        fc.nat(),
        (arrivals, durationMs, seed) => {
          const plan = buildPlan(arrivals, durationMs, seed);
          expect(plan.map((p) => p.id)).toEqual([...plan.keys()]);
          for (let i = 1; i < plan.length; i++)
            expect(plan[i]!.intendedMs).toBeGreaterThanOrEqual(plan[i - 1]!.intendedMs);
          for (const p of plan) {
            expect(p.intendedMs).toBeGreaterThanOrEqual(0);
            expect(p.intendedMs).toBeLessThan(durationMs);
            expect(Number.isInteger(p.promptTokens) && p.promptTokens >= 0).toBe(true);
            expect(Number.isInteger(p.completionTokens) && p.completionTokens >= 1).toBe(true);
          }
          expect(buildPlan(arrivals, durationMs, seed)).toEqual(plan);
        },
      ),
      { numRuns: 100 },
    );
  });
});
