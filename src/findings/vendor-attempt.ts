/**
 * The ground truth of the vendor side: what each mock vendor saw of each attempt
 * that reached it. With the embedded router the harness knows this itself; with an
 * external gateway (`--gateway`) only the mocks do, so they keep this log.
 */

/**
 * The header the harness sends with every request, `<requestId>.<clientTry>`
 * (e.g. `1042.0`), so a vendor can tell which user request, and which of the
 * client's tries of it, an attempt serves. A gateway passes it through (Portkey
 * forwards it when the config names it in `forward_headers`). When it does not,
 * the attempt is counted (retry amplification, sends inside a Retry-After) but
 * belongs to no request: the findings judged per request say they cannot be.
 */
export const REQUEST_ID_HEADER = "x-gw-chaos-request-id";

/** How an attempt ended at the vendor. */
export type VendorOutcome =
  /** Answered in full: a whole JSON answer, or a stream to its end marker. */
  | "ok"
  /** 429 with the vendor's rate-limit headers (and Retry-After). */
  | "throttled"
  /** The non-retryable 429: the quota or the daily cap is spent. */
  | "quota"
  /** 503 / 529. */
  | "overloaded"
  /** 500, including the 500 a cut unstreamed answer becomes. */
  | "server-error"
  /** 400 / 404 / 413 and the like: the request, not the vendor. */
  | "bad-request"
  /** Accepted and never answered (a stall): ended when the caller hung up. */
  | "stalled"
  /** The connection dropped mid-answer, after a 200 for a stream. */
  | "reset"
  /** A stream ended early with the vendor's error event after its 200. */
  | "stream-cut"
  /** The vendor was down: the connection was refused or dropped before any byte. */
  | "refused"
  /** The caller hung up before the answer was complete (its timeout, or the gateway's). */
  | "abandoned";

export interface VendorAttempt {
  /** The user request, from REQUEST_ID_HEADER; undefined when it did not come through. */
  requestId: number | undefined;
  /** Which of the client's tries of that request (0 = the first). */
  clientTry: number | undefined;
  vendor: string;
  model: string;
  /** Scenario ms when the vendor had the request (its headers read). */
  receivedMs: number;
  /** Scenario ms when the exchange ended: answered, cut, refused or hung up on. */
  endedMs: number;
  /** HTTP status sent; 0 when none was (refused, stalled, dropped before a status). */
  status: number;
  outcome: VendorOutcome;
  /** The wait the vendor asked for (Retry-After / retry-after-ms), in ms, on a refusal. */
  retryAfterMs?: number;
  stream: boolean;
}

/** Parses REQUEST_ID_HEADER's value; undefined parts when absent or malformed. */
export function parseRequestIdHeader(value: string | string[] | undefined): {
  requestId: number | undefined;
  clientTry: number | undefined;
} {
  const text = Array.isArray(value) ? value[0] : value;
  const match = text === undefined ? null : /^(\d{1,15})\.(\d{1,6})$/.exec(text.trim());
  if (!match) return { requestId: undefined, clientTry: undefined };
  return { requestId: Number(match[1]), clientTry: Number(match[2]) };
}

export function formatRequestIdHeader(requestId: number, clientTry: number): string {
  return `${requestId}.${clientTry}`;
}
