/**
 * A fault on the timeline of a vendor: a kind, where it applies and when, and how
 * often (a probability, and optionally only the next `count` requests, so a test
 * can script "two 429s, then success"). Times are scenario milliseconds.
 */
export interface FaultSpec {
  id: string;
  kind: FaultKind;
  vendor: string;
  /** All models of the vendor when absent. */
  model?: string;
  fromMs: number;
  untilMs: number;
  probability: number;
  /** Applies to this many more requests at most; unlimited when absent. */
  count?: number;
  /** latency: milliseconds added to the time to first token. */
  ms?: number;
  /** slow-stream: output tokens per second while it lasts. */
  tokensPerSecond?: number;
  /** reset, stream-error: tokens streamed before the cut. */
  afterTokens?: number;
  /** throttle: the wait its 429 asks, exactly (0 allowed); about a second when absent. */
  retryAfterMs?: number;
}

export type FaultKind =
  | "throttle"
  | "quota"
  | "overload"
  | "server-error"
  | "latency"
  | "stall"
  | "reset"
  | "stream-error"
  | "slow-stream"
  | "outage";

/** What a fault does to one request. */
export type FaultEffect =
  /** Answer at once with a refusal (a throttle may state the wait its 429 asks). */
  | {
      type: "refuse";
      refusal: "throttle" | "quota" | "overload" | "server-error";
      retryAfterMs?: number;
    }
  /** Serve, but later. */
  | { type: "delay"; addMs: number }
  /** Serve, but stream slower. */
  | { type: "slow"; tokensPerSecond: number }
  /** Accept the request and never answer. */
  | { type: "stall" }
  /** Start answering, then drop the connection or send the vendor's error event. */
  | { type: "cut"; afterTokens: number; how: "reset" | "stream-error" }
  /** The vendor is unreachable: the connection fails. */
  | { type: "outage" };
