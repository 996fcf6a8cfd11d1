import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRateLimitHeaders } from "../router/rate-limit-headers.js";
import type { WireFormatName } from "../vendor/types.js";
import type { BudgetSnapshot, LimitState } from "../vendor/vendor-model.js";
import { formatFor } from "../vendor/wire/formats.js";
import { simBudgetObservation } from "./sim-observation.js";

/** What the router reads from a format's budget headers, written as a mock would send them. */
function readBack(format: WireFormatName, budget: BudgetSnapshot) {
  const headers = formatFor(format).budgetHeaders(budget, Date.UTC(2026, 0, 1));
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return parseRateLimitHeaders(lower, Date.UTC(2026, 0, 1));
}

const number = fc.oneof(
  fc.integer({ min: -5, max: 5_000_000 }),
  fc.double({ min: -10, max: 5_000_000, noNaN: true }),
  fc.constantFrom(0, -0, 0.4, 0.5, 999.5, 1000, 59_999.5, 3_600_000, 7_200_123.4),
  fc.constantFrom(Number.POSITIVE_INFINITY, Number.NaN),
);
const limit: fc.Arbitrary<LimitState> = fc.record({
  limit: number,
  remaining: number,
  resetMs: number,
});

describe("sim mode's shortcut past the budget header text", () => {
  it("reads OpenAI's budget exactly as parsing its x-ratelimit-* headers would", () => {
    fc.assert(
      fc.property(limit, limit, (requests, tokens) => {
        const budget = { requests, tokens };
        expect(simBudgetObservation(formatFor("openai"), budget)).toEqual(
          readBack("openai", budget),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it("every whole millisecond of an hour's reset reads back as itself", () => {
    const budget = (resetMs: number): BudgetSnapshot => ({
      requests: { limit: 600, remaining: 10, resetMs },
      tokens: { limit: 1000, remaining: 5, resetMs },
    });
    for (let ms = 0; ms <= 3_600_000; ms += 997)
      expect(simBudgetObservation(formatFor("openai"), budget(ms))).toEqual(
        readBack("openai", budget(ms)),
      );
  });

  it("leaves the other formats to their headers", () => {
    const budget = {
      requests: { limit: 1, remaining: 1, resetMs: 1 },
      tokens: { limit: 1, remaining: 1, resetMs: 1 },
    };
    for (const name of ["anthropic", "azure", "gemini", "bedrock"] as const)
      expect(simBudgetObservation(formatFor(name), budget)).toBeUndefined();
  });
});
