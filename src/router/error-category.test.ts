import { describe, expect, it } from "vitest";
import { categorise, isRetryable } from "./error-category.js";

describe("P5 errors normalised into a few categories", () => {
  it.each([
    [200, undefined, {}, undefined],
    [429, undefined, {}, "throttled"],
    [429, undefined, { "x-should-retry": "false" }, "quota"],
    [
      400,
      undefined,
      { "x-amzn-errortype": "ServiceQuotaExceededException:http://internal" },
      "quota",
    ],
    [503, undefined, {}, "overloaded"],
    [529, undefined, {}, "overloaded"],
    [500, undefined, {}, "server-error"],
    [504, undefined, {}, "timeout"],
    [400, undefined, {}, "bad-request"],
    [0, "connection", {}, "connection"],
    [200, "stream-error", {}, "stream-error"],
  ] as const)("P5 status %d (%s, %o) is %s", (status, transport, headers, category) => {
    expect(categorise(status, transport, headers)).toBe(category);
  });

  it("P5 Gemini's 429 is a spent quota when it names a per-day quota, a throttle otherwise", () => {
    const gemini = (quotaId: string, retry: boolean) =>
      JSON.stringify({
        error: {
          code: 429,
          status: "RESOURCE_EXHAUSTED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.QuotaFailure",
              violations: [{ quotaId }],
            },
            ...(retry
              ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" }]
              : []),
          ],
        },
      });
    expect(
      categorise(
        429,
        undefined,
        {},
        gemini("GenerateRequestsPerDayPerProjectPerModel-FreeTier", false),
      ),
    ).toBe("quota");
    expect(
      categorise(
        429,
        undefined,
        {},
        gemini("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", true),
      ),
    ).toBe("throttled");
  });

  it("P5 a 429 means slow down and try again; a spent quota or a bad request does not", () => {
    expect(isRetryable("throttled")).toBe(true);
    expect(isRetryable("overloaded")).toBe(true);
    expect(isRetryable("quota")).toBe(false);
    expect(isRetryable("bad-request")).toBe(false);
  });
});
