import { parseGoDuration } from "../vendor/wire/go-duration.js";

export interface LimitObservation {
  limit: number;
  remaining: number;
  /** Milliseconds until fully replenished. */
  resetMs: number;
}

/** What one response said about a route's budget (P4), in one shape for every vendor. */
export interface BudgetObservation {
  requests?: LimitObservation;
  tokens?: LimitObservation;
  /** Where input and output tokens are limited apart (Anthropic). */
  inputTokens?: LimitObservation;
  outputTokens?: LimitObservation;
  /** How long the vendor asked us to wait, from retry-after-ms or retry-after. */
  retryAfterMs?: number;
}

export type Headers = Readonly<Record<string, string | undefined>>;

/** When a vendor states no reset, a per-minute limit refills within a minute. */
const DEFAULT_RESET_MS = 60_000;

/**
 * Reads the vendors' rate-limit headers into one shape:
 * - OpenAI and Azure: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets
 *   as Go durations ("6m0s") or plain seconds (Azure).
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-*`,
 *   resets as RFC 3339 times (read against nowEpochMs, the wall time of the answer).
 * Gemini and Bedrock send none. retry-after-ms is read before retry-after, as the
 * official SDK does; retry-after may be seconds or an HTTP date.
 */
export function parseRateLimitHeaders(headers: Headers, nowEpochMs?: number): BudgetObservation {
  const observation: BudgetObservation = {};
  for (const kind of ["requests", "tokens"] as const) {
    const openAi = limitFrom(
      headers,
      `x-ratelimit-limit-${kind}`,
      `x-ratelimit-remaining-${kind}`,
      toResetMs(headers[`x-ratelimit-reset-${kind}`]),
    );
    if (openAi) observation[kind] = openAi;
  }
  const anthropic = {
    requests: "requests",
    tokens: "tokens",
    inputTokens: "input-tokens",
    outputTokens: "output-tokens",
  } as const;
  for (const [field, name] of Object.entries(anthropic) as [keyof typeof anthropic, string][]) {
    const reset = headers[`anthropic-ratelimit-${name}-reset`];
    const resetAt = reset === undefined ? Number.NaN : Date.parse(reset);
    const resetMs =
      Number.isNaN(resetAt) || nowEpochMs === undefined
        ? undefined
        : Math.max(0, resetAt - nowEpochMs);
    const learned = limitFrom(
      headers,
      `anthropic-ratelimit-${name}-limit`,
      `anthropic-ratelimit-${name}-remaining`,
      resetMs,
    );
    if (learned && observation[field] === undefined) observation[field] = learned;
  }
  const retryAfterMs = parseRetryAfter(headers, nowEpochMs);
  if (retryAfterMs !== undefined) observation.retryAfterMs = retryAfterMs;
  return observation;
}

export function parseRetryAfter(headers: Headers, nowEpochMs?: number): number | undefined {
  const ms = toNumber(headers["retry-after-ms"]);
  if (ms !== undefined && ms >= 0) return ms;
  const text = headers["retry-after"];
  if (text === undefined) return undefined;
  const seconds = toNumber(text);
  if (seconds !== undefined && seconds >= 0) return seconds * 1000;
  const date = Date.parse(text);
  if (!Number.isNaN(date) && nowEpochMs !== undefined) return Math.max(0, date - nowEpochMs);
  return undefined;
}

/**
 * Gemini sends no rate-limit headers; its 429 body carries a google.rpc.RetryInfo
 * with `"retryDelay": "57s"` (a protobuf Duration: seconds with optional fraction).
 */
export function retryDelayFromBody(body: string | undefined): number | undefined {
  if (body === undefined) return undefined;
  const match = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(body);
  return match ? Number(match[1]) * 1000 : undefined;
}

function limitFrom(
  headers: Headers,
  limitName: string,
  remainingName: string,
  resetMs: number | undefined,
): LimitObservation | undefined {
  const limit = toNumber(headers[limitName]);
  const remaining = toNumber(headers[remainingName]);
  if (limit === undefined || remaining === undefined || limit <= 0) return undefined;
  return { limit, remaining, resetMs: resetMs ?? DEFAULT_RESET_MS };
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function toResetMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = toNumber(text);
  if (seconds !== undefined) return seconds * 1000;
  return parseGoDuration(text);
}
