import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FixedWindowLimiter } from "./fixed-window.js";
import type { Limiter } from "./limiter.js";
import { SlicedLimiter } from "./sliced.js";
import { SlidingWindowLimiter } from "./sliding-window.js";
import { TokenBucketLimiter } from "./token-bucket.js";

/** Every limiter, at 60 per minute, behind the one interface. */
const LIMITERS: [string, () => Limiter][] = [
  ["token bucket", () => new TokenBucketLimiter(60)],
  ["fixed window", () => new FixedWindowLimiter(60)],
  ["sliding window", () => new SlidingWindowLimiter(60)],
  ["sliced (10 s slices)", () => new SlicedLimiter(60, 10_000)],
];

describe.each(LIMITERS)("%s: limiter conformance", (_name, make) => {
  it("takes what is available, and nothing when asked for more", () => {
    const l = make();
    const available = l.available(0);
    expect(available).toBeGreaterThan(0);
    expect(l.tryTake(available + 1, 0)).toBe(false);
    expect(l.available(0)).toBe(available);
    expect(l.tryTake(available, 0)).toBe(true);
    expect(l.available(0)).toBe(0);
    expect(l.tryTake(1, 0)).toBe(false);
  });

  it("says when an amount will be there, and it is", () => {
    const l = make();
    l.tryTake(l.available(0), 0);
    const wait = l.msUntil(1, 0);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(l.available(wait)).toBeGreaterThanOrEqual(1);
    expect(l.msUntil(61, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it("is full again when its reset says so", () => {
    const l = make();
    l.tryTake(3, 0);
    const full = l.msUntilFull(500);
    expect(l.available(500 + full)).toBe(l.available(10 * 60_000));
  });

  it("charges even past empty, and makes the debt wait", () => {
    const l = make();
    l.charge(l.available(0) + 5, 0);
    expect(l.available(0)).toBe(0);
    expect(l.tryTake(1, 0)).toBe(false);
  });

  it("property: over any stretch of time it admits no more than the limit per minute, plus one window", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5000), fc.integer({ min: 1, max: 5 })), { maxLength: 300 }),
        (asks) => {
          const l = make();
          let now = 0;
          let admitted = 0;
          for (const [gap, amount] of asks) {
            now += gap;
            if (l.tryTake(amount, now)) admitted += amount;
          }
          expect(admitted).toBeLessThanOrEqual(60 * (now / 60_000 + 1) + 1e-9 + 60);
        },
      ),
    );
  });
});

describe("each algorithm's shape, in virtual time", () => {
  it("the token bucket refills smoothly: a sixtieth of the limit each second", () => {
    const l = new TokenBucketLimiter(600);
    l.tryTake(600, 0);
    expect(l.available(1000)).toBeCloseTo(10);
    expect(l.available(1500)).toBeCloseTo(15);
    expect(l.available(30_000)).toBeCloseTo(300);
  });

  it("the fixed window admits a burst at the edge and then clamps", () => {
    const l = new FixedWindowLimiter(600);
    expect(l.tryTake(600, 59_000)).toBe(true); // the end of one minute
    expect(l.tryTake(1, 59_999)).toBe(false);
    expect(l.msUntil(1, 59_999)).toBe(1);
    expect(l.tryTake(600, 60_000)).toBe(true); // and the whole next minute at once
    expect(l.tryTake(1, 60_001)).toBe(false);
    expect(l.available(119_999)).toBe(0);
    expect(l.available(120_000)).toBe(600);
  });

  it("the sliding window frees each take one window after it", () => {
    const l = new SlidingWindowLimiter(2);
    l.tryTake(1, 0);
    l.tryTake(1, 30_000);
    expect(l.tryTake(1, 59_999)).toBe(false);
    expect(l.msUntil(1, 59_999)).toBe(1);
    expect(l.tryTake(1, 60_000)).toBe(true);
    expect(l.tryTake(1, 60_000)).toBe(false);
    expect(l.msUntilFull(60_000)).toBe(60_000);
  });

  it("the sliced limit rejects the 11th request in one second at 600 RPM, though the minute has room", () => {
    const l = new SlicedLimiter(600, 1000);
    for (let i = 0; i < 10; i++) expect(l.tryTake(1, 100 + i)).toBe(true);
    expect(l.tryTake(1, 200)).toBe(false);
    expect(l.limit).toBe(600);
    expect(l.tryTake(1, 1000)).toBe(true);
  });
});
