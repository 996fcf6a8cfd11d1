import { FixedWindowLimiter } from "./fixed-window.js";
import type { Limiter, LimiterAlgorithm } from "./limiter.js";
import { SlicedLimiter } from "./sliced.js";
import { SlidingWindowLimiter } from "./sliding-window.js";
import { TokenBucketLimiter } from "./token-bucket.js";

/** A per-minute limit with the vendor's algorithm. */
export function createLimiter(algorithm: LimiterAlgorithm, perMinute: number): Limiter {
  switch (algorithm) {
    case "token-bucket":
      return new TokenBucketLimiter(perMinute);
    case "fixed-window":
      return new FixedWindowLimiter(perMinute);
    case "sliding-window":
      return new SlidingWindowLimiter(perMinute);
  }
}

/** The same limit enforced per slice, when the vendor enforces it that way. */
export function createSliceLimiter(
  perMinute: number,
  sliceMs: number | undefined,
): Limiter | undefined {
  return sliceMs === undefined || sliceMs >= 60_000
    ? undefined
    : new SlicedLimiter(perMinute, sliceMs);
}
