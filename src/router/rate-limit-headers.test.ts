import { describe, expect, it } from "vitest";
import { parseRateLimitHeaders, parseRetryAfter } from "./rate-limit-headers.js";

describe("rate-limit headers (P4)", () => {
  it("reads OpenAI's limits, remaining and Go-duration resets", () => {
    expect(
      parseRateLimitHeaders({
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "30000",
        "x-ratelimit-remaining-tokens": "29000",
        "x-ratelimit-reset-tokens": "6m0s",
      }),
    ).toEqual({
      requests: { limit: 500, remaining: 499, resetMs: 120 },
      tokens: { limit: 30000, remaining: 29000, resetMs: 360_000 },
    });
  });

  it("reads resets in plain seconds, as Azure sends them", () => {
    const o = parseRateLimitHeaders({
      "x-ratelimit-limit-requests": "600",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "6",
    });
    expect(o.requests?.resetMs).toBe(6000);
  });

  it("prefers retry-after-ms to retry-after, as the official SDK does", () => {
    expect(parseRetryAfter({ "retry-after-ms": "250.5", "retry-after": "1" })).toBe(250.5);
    expect(parseRetryAfter({ "retry-after": "3" })).toBe(3000);
    expect(
      parseRetryAfter(
        { "retry-after": "Wed, 21 Oct 2026 07:28:05 GMT" },
        Date.UTC(2026, 9, 21, 7, 28, 0),
      ),
    ).toBe(5000);
    expect(parseRetryAfter({ "retry-after": "soon" })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });

  it("ignores partial or malformed budgets instead of guessing", () => {
    expect(parseRateLimitHeaders({ "x-ratelimit-remaining-requests": "5" })).toEqual({});
    expect(
      parseRateLimitHeaders({
        "x-ratelimit-limit-requests": "x",
        "x-ratelimit-remaining-requests": "5",
      }),
    ).toEqual({});
  });
});
