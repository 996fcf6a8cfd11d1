import type { Headers } from "./rate-limit-headers.js";

/**
 * Every attempt's result in a few categories (P5), so the router reacts to what
 * happened, not to one vendor's status codes. A 429 means slow down, not give up;
 * a spent quota is the one 429 that waiting does not fix.
 */
export type ErrorCategory =
  | "throttled"
  | "quota"
  | "overloaded"
  | "server-error"
  | "timeout"
  | "connection"
  | "stream-error"
  | "bad-request"
  /** The router cut the attempt itself (P15 off: a route that opened has its calls cut). */
  | "abandoned";

/** What went wrong below HTTP, when something did. */
export type TransportFailure = "timeout" | "connection" | "stream-error" | "abandoned";

/** Error types (Bedrock's x-amzn-ErrorType) that say the account's quota is spent. */
const QUOTA_ERROR_TYPES = /^ServiceQuotaExceededException/i;

/**
 * Gemini's 429 names the quota it hit in a google.rpc.QuotaFailure; a per-day quota
 * ("GenerateRequestsPerDayPerProjectPerModel") does not come back within the run.
 */
const DAILY_QUOTA_ID = /"quotaId"\s*:\s*"[^"]*PerDay/;

export function categorise(
  status: number,
  transport?: TransportFailure,
  headers: Headers = {},
  body?: string,
): ErrorCategory | undefined {
  if (transport) return transport;
  if (status >= 200 && status < 300) return undefined;
  const errorType = headers["x-amzn-errortype"];
  if (errorType !== undefined && QUOTA_ERROR_TYPES.test(errorType)) return "quota";
  if (status === 429) {
    // OpenAI's insufficient_quota comes with x-should-retry: false (the SDKs obey it).
    if (headers["x-should-retry"] === "false") return "quota";
    return body !== undefined && DAILY_QUOTA_ID.test(body) ? "quota" : "throttled";
  }
  if (status === 503 || status === 529) return "overloaded";
  if (status === 408 || status === 504) return "timeout";
  if (status >= 500) return "server-error";
  return "bad-request";
}

/** Whether another attempt may help: not a request the vendor rejected, nor a spent quota. */
export function isRetryable(category: ErrorCategory): boolean {
  return category !== "bad-request" && category !== "quota";
}
