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

describe("P4 Anthropic's rate-limit headers in the same shape", () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  it("P4 reads requests, input and output tokens with RFC 3339 resets", () => {
    const o = parseRateLimitHeaders(
      {
        "anthropic-ratelimit-requests-limit": "1000",
        "anthropic-ratelimit-requests-remaining": "999",
        "anthropic-ratelimit-requests-reset": "2026-11-24T12:00:01Z",
        "anthropic-ratelimit-input-tokens-limit": "450000",
        "anthropic-ratelimit-input-tokens-remaining": "449000",
        "anthropic-ratelimit-input-tokens-reset": "2026-11-24T12:00:02Z",
        "anthropic-ratelimit-output-tokens-limit": "90000",
        "anthropic-ratelimit-output-tokens-remaining": "90000",
        "anthropic-ratelimit-output-tokens-reset": "2026-11-24T12:00:00Z",
        "retry-after": "3",
      },
      now,
    );
    expect(o).toEqual({
      requests: { limit: 1000, remaining: 999, resetMs: 1000 },
      inputTokens: { limit: 450000, remaining: 449000, resetMs: 2000 },
      outputTokens: { limit: 90000, remaining: 90000, resetMs: 0 },
      retryAfterMs: 3000,
    });
  });

  it("P4 reads what the Anthropic mock sends", async () => {
    const { anthropicFormat } = await import("../vendor/wire/anthropic.js");
    const budget = {
      requests: { limit: 50, remaining: 49, resetMs: 1200 },
      tokens: { limit: 100_000, remaining: 98_000, resetMs: 1000 },
      inputTokens: { limit: 80_000, remaining: 79_500, resetMs: 400 },
      outputTokens: { limit: 20_000, remaining: 20_000, resetMs: 0 },
    };
    const o = parseRateLimitHeaders(anthropicFormat.budgetHeaders(budget, now), now);
    expect(o.requests).toMatchObject({ limit: 50, remaining: 49 });
    expect(o.requests!.resetMs).toBeGreaterThanOrEqual(1000);
    expect(o.inputTokens).toMatchObject({ limit: 80_000, remaining: 79_000 }); // rounded down to thousands
  });
});
