import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("starts full and refuses what it does not hold, taking nothing then", () => {
    const b = TokenBucket.perMinute(60);
    for (let i = 0; i < 60; i++) expect(b.tryTake(1, 0)).toBe(true);
    expect(b.tryTake(1, 0)).toBe(false);
    expect(b.available(0)).toBe(0);
  });

  it("refills continuously at limit per minute, never past its capacity", () => {
    const b = TokenBucket.perMinute(600);
    b.tryTake(600, 0);
    expect(b.available(1000)).toBeCloseTo(10);
    expect(b.available(30_000)).toBeCloseTo(300);
    expect(b.available(10 * 60_000)).toBe(600);
  });

  it("says how long until an amount is there, as a Retry-After would", () => {
    const b = TokenBucket.perMinute(500);
    b.tryTake(500, 0);
    // 60 s / 500 = 120 ms per request, the figure OpenAI's reset header shows.
    expect(b.msUntil(1, 0)).toBeCloseTo(120);
    expect(b.msUntilFull(0)).toBeCloseTo(60_000);
    expect(b.msUntil(501, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
