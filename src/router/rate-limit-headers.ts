import { parseGoDuration } from "../vendor/wire/go-duration.js";

export interface LimitObservation {
  limit: number;
  remaining: number;
  /** Milliseconds until fully replenished. */
  resetMs: number;
}

/** What one response said about a route's budget (P4). */
export interface BudgetObservation {
  requests?: LimitObservation;
  tokens?: LimitObservation;
  /** How long the vendor asked us to wait, from retry-after-ms or retry-after. */
  retryAfterMs?: number;
}

export type Headers = Readonly<Record<string, string | undefined>>;

/**
 * Reads OpenAI-style rate-limit headers. Reset values may be Go durations ("6m0s")
 * or plain seconds (Azure's style). retry-after-ms is read before retry-after, as
 * the official SDK does; retry-after may be seconds or an HTTP date.
 */
export function parseRateLimitHeaders(headers: Headers, nowEpochMs?: number): BudgetObservation {
  const observation: BudgetObservation = {};
  for (const kind of ["requests", "tokens"] as const) {
    const limit = toNumber(headers[`x-ratelimit-limit-${kind}`]);
    const remaining = toNumber(headers[`x-ratelimit-remaining-${kind}`]);
    const resetMs = toResetMs(headers[`x-ratelimit-reset-${kind}`]);
    if (limit !== undefined && remaining !== undefined && limit > 0) {
      observation[kind] = { limit, remaining, resetMs: resetMs ?? 60_000 };
    }
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
