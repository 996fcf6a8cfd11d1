import type { ClientTryEnd } from "./findings-sink.js";

/**
 * What the tracker holds of one client try while its user request is open: only
 * what the per-try findings still need, a few numbers, never a list of attempts.
 */
export interface TryState {
  clientTry: number;
  /** From the client's side, once the try ended. */
  lane: string | undefined;
  endedMs: number | undefined;
  end: ClientTryEnd | undefined;
  /** Attempts of this try that reached a vendor so far, and how many have not ended. */
  attempts: number;
  openAttempts: number;
  /** When the latest ended attempt ended (NaN before any did). */
  lastEndedMs: number;
  /** Starts of the latest few attempts, oldest first (to find the attempt after a stalled one). */
  recentStarts: number[];
  /** retryAfterEdge: the route and time of a 429 with Retry-After 0 not yet followed by an attempt. */
  zeroRetryRoute: string | undefined;
  zeroRetryAtMs: number;
  /** retryAfterEdge: immediate resends after a Retry-After 0 in a row. */
  hotStreak: number;
  /** retryAfterEdge: when a 429 asked for more than 60 s, until the try's next attempt or end. */
  longRetryAtMs: number | undefined;
  edgeMishandled: boolean;
  /** cutStream: an attempt of this try was cut mid-answer at the vendor. */
  cut: boolean;
  /** silentUpstream: the longest the try was held on a stalled attempt. */
  stallHoldMs: number | undefined;
}

export interface OpenRequest {
  id: number;
  /** The request's first attempt time (or first try's send), which places it in a window. */
  firstMs: number;
  windowKey: number;
  attempts: number;
  lane: string | undefined;
  /** Indexed by clientTry (a user's client tries a request a few times at most). */
  tries: (TryState | undefined)[];
}

/** Most attempt starts a try remembers: enough for hedged or overlapping attempts. */
const RECENT_STARTS = 4;

export function newTry(clientTry: number): TryState {
  return {
    clientTry,
    lane: undefined,
    endedMs: undefined,
    end: undefined,
    attempts: 0,
    openAttempts: 0,
    lastEndedMs: Number.NaN,
    recentStarts: [],
    zeroRetryRoute: undefined,
    zeroRetryAtMs: Number.NaN,
    hotStreak: 0,
    longRetryAtMs: undefined,
    edgeMishandled: false,
    cut: false,
    stallHoldMs: undefined,
  };
}

export function noteStart(t: TryState, atMs: number): void {
  if (t.recentStarts.length === RECENT_STARTS) t.recentStarts.shift();
  t.recentStarts.push(atMs);
}

/** The first remembered attempt start after `ms`, or undefined. */
export function firstStartAfter(t: TryState, ms: number): number | undefined {
  for (let i = 0; i < t.recentStarts.length; i++)
    if (t.recentStarts[i]! > ms) return t.recentStarts[i];
  return undefined;
}

/** The try of a request, made on first sight (client tries are small integers). */
export function tryOf(r: OpenRequest, clientTry: number): TryState {
  let t = r.tries[clientTry];
  if (!t) {
    t = newTry(clientTry);
    r.tries[clientTry] = t;
  }
  return t;
}
