/**
 * One rate limit as a vendor enforces it: a budget of requests or tokens that
 * refills over a window. One algorithm per file behind this interface; every
 * one passes the shared conformance suite (limiter-conformance.test.ts). Pure:
 * time is always an argument, in scenario milliseconds, and never goes back.
 */
export interface Limiter {
  /** The stated limit: how much the vendor says the window allows. */
  readonly limit: number;
  /** What could be taken now. */
  available(nowMs: number): number;
  /** Takes amount if it is all there; otherwise takes nothing. */
  tryTake(amount: number, nowMs: number): boolean;
  /** Takes amount even if it is not all there (output tokens counted as generated). */
  charge(amount: number, nowMs: number): void;
  /** Milliseconds until amount could be taken: 0 if now, Infinity if never. */
  msUntil(amount: number, nowMs: number): number;
  /** Milliseconds until the full limit is available again (what reset headers state). */
  msUntilFull(nowMs: number): number;
}

export type LimiterAlgorithm = "token-bucket" | "fixed-window" | "sliding-window";
