import type { TransportFailure } from "../router/error-category.js";
import type { BudgetObservation } from "../router/rate-limit-headers.js";

/** One attempt of a request at one route. */
export interface Attempt {
  requestId: number;
  /** Which of the user's client's tries of the request this attempt serves (0 = the first). */
  clientTry: number;
  vendor: string;
  model: string;
  promptTokens: number;
  /** max_tokens sent with the request (what the vendor charges up front). */
  maxTokens: number;
  /** The answer length the plan wants. */
  completionHint: number;
  stream: boolean;
}

export interface AttemptResult {
  /** HTTP status, or 0 when none came back. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  transport?: TransportFailure;
  /** Wall time of the answer, ms since the epoch (sim: a fixed epoch plus scenario time). */
  epochMs?: number;
  /** Scenario ms when the first token arrived, for streamed answers. */
  firstTokenMs?: number;
  /** The error body of a failed attempt, where it says how long to wait (Gemini). */
  body?: string;
  /** Tokens the vendor billed for this attempt. */
  usage: Usage;
  /**
   * A 200 stream that closed cleanly without its end marker (transport "stream-error"):
   * a cut passed on as if it were the whole answer, as a gateway may do.
   */
  truncated?: boolean;
  /** Sim mode: the budget headers already read, as the router would read them. */
  observation?: BudgetObservation;
}

/** Tokens of one attempt: the prompt read and the completion generated. */
export interface Usage {
  prompt: number;
  completion: number;
}

/**
 * How the router reaches a vendor: over real HTTP (live) or straight into the
 * vendor model in virtual time (sim). Both report the same results, so the
 * engine and the router cannot tell the modes apart.
 */
export interface Upstream {
  /** Sends an attempt; onDone is called once, unless the returned abort is called first. */
  send(attempt: Attempt, onDone: (result: AttemptResult) => void): () => void;
  close(): Promise<void>;
}

export const NO_USAGE = Object.freeze({ prompt: 0, completion: 0 });

/** The most of an error body an attempt keeps for the router (Gemini's RetryInfo is in ~1 KB). */
export const ERROR_BODY_BYTES = 4096;
