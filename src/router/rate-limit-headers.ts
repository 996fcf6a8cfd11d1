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
  for (let i = 0; i < OPENAI_NAMES.length; i++) {
    // Read by index, not destructured: destructuring an array allocates an iterator.
    const names = OPENAI_NAMES[i]!;
    const learned = limitFrom(headers, names[1], names[2], names[3], openAiResetMs);
    if (learned) observation[names[0]] = learned;
  }
  for (let i = 0; i < ANTHROPIC_NAMES.length; i++) {
    const names = ANTHROPIC_NAMES[i]!;
    const field = names[0];
    if (observation[field] !== undefined || headers[names[1]] === undefined) continue;
    const learned = limitFrom(headers, names[1], names[2], names[3], (reset) => {
      const resetAt = Date.parse(reset);
      return Number.isNaN(resetAt) || nowEpochMs === undefined
        ? undefined
        : Math.max(0, resetAt - nowEpochMs);
    });
    if (learned) observation[field] = learned;
  }
  const retryAfterMs = parseRetryAfter(headers, nowEpochMs);
  if (retryAfterMs !== undefined) observation.retryAfterMs = retryAfterMs;
  return observation;
}

type LimitField = "requests" | "tokens" | "inputTokens" | "outputTokens";

/** Header names, built once: [field, limit, remaining, reset]. */
const OPENAI_NAMES = (["requests", "tokens"] as const).map(
  (kind) =>
    [
      kind,
      `x-ratelimit-limit-${kind}`,
      `x-ratelimit-remaining-${kind}`,
      `x-ratelimit-reset-${kind}`,
    ] as const,
);
const ANTHROPIC_NAMES = (
  [
    ["requests", "requests"],
    ["tokens", "tokens"],
    ["inputTokens", "input-tokens"],
    ["outputTokens", "output-tokens"],
  ] as const
).map(
  ([field, name]) =>
    [
      field as LimitField,
      `anthropic-ratelimit-${name}-limit`,
      `anthropic-ratelimit-${name}-remaining`,
      `anthropic-ratelimit-${name}-reset`,
    ] as const,
);

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
  resetName: string,
  toResetMs: (text: string) => number | undefined,
): LimitObservation | undefined {
  const limit = toNumber(headers[limitName]);
  if (limit === undefined || limit <= 0) return undefined;
  const remaining = toNumber(headers[remainingName]);
  if (remaining === undefined) return undefined;
  const reset = headers[resetName];
  const resetMs = reset === undefined ? undefined : toResetMs(reset);
  return { limit, remaining, resetMs: resetMs ?? DEFAULT_RESET_MS };
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // Number() skips surrounding spaces itself; only a blank text reads as 0 wrongly.
  const n = Number(text);
  if (!Number.isFinite(n) || (n === 0 && text.trim() === "")) return undefined;
  return n;
}

/** OpenAI's resets are Go durations ("6m0s"), Azure's plain seconds. */
function openAiResetMs(text: string): number | undefined {
  const seconds = toNumber(text);
  return seconds !== undefined ? seconds * 1000 : parseGoDuration(text);
}
