import type { AttemptStart } from "./finding.js";
import type { VendorAttempt } from "./vendor-attempt.js";

/** How a client try ended, as the client (the harness) saw it. */
export type ClientTryEnd =
  /** A whole answer: a JSON body, or a stream to its end marker. */
  | "complete"
  /** An HTTP error status. */
  | "error-status"
  /** No answer: the connection failed, or a stream broke off with an error. */
  | "transport"
  /** A 200 stream that closed cleanly without its end marker: a cut passed off as an answer. */
  | "truncated"
  /** The client gave up waiting. */
  | "timeout";

export interface ClientTryRecord {
  requestId: number;
  clientTry: number;
  lane: string;
  tenant: string;
  sentMs: number;
  endedMs: number;
  status: number;
  end: ClientTryEnd;
  stream: boolean;
}

/**
 * What the run tells the findings, in time order: attempts as the vendors saw them,
 * each client try's end as the client saw it, and when a request is settled for good.
 */
export interface FindingsSink {
  /** An attempt leaves at atMs (the engine passes the attempt it sends, not a copy). */
  attemptStarted(a: AttemptStart, atMs: number): void;
  attemptEnded(a: VendorAttempt): void;
  clientTryEnded(t: ClientTryRecord): void;
  requestSettled(requestId: number): void;
}
