import type { BudgetObservation, LimitObservation } from "./rate-limit-headers.js";

interface LearnedLimit extends LimitObservation {
  /** Scenario ms when the router read it. */
  observedAtMs: number;
  /** The route's send counter (requests or tokens) when it was read. */
  sentAtObservation: number;
}

/**
 * The router's live picture of one route's budget (P4), learned from the vendor's
 * headers: what remained when a response came back, refilled linearly towards the
 * limit over the stated reset time, less what the router has sent since.
 * Until a route has answered once, it is assumed to have room.
 */
export class RouteBudget {
  private requests: LearnedLimit | undefined;
  private tokens: LearnedLimit | undefined;
  private requestsSent = 0;
  private tokensSent = 0;
  private staleBeforeSend = 0;
  cooldownUntilMs = Number.NEGATIVE_INFINITY;
  inFlight = 0;

  /** Learns from an answer to the attempt that was this route's sendSeq-th send. */
  observe(observation: BudgetObservation, sendSeq: number, nowMs: number): void {
    if (sendSeq < this.staleBeforeSend) return;
    if (observation.requests)
      this.requests = this.learn(observation.requests, this.requestsSent, nowMs);
    if (observation.tokens) this.tokens = this.learn(observation.tokens, this.tokensSent, nowMs);
  }

  /**
   * A 429 is the vendor's word that the route is out of budget now, whatever its
   * headers say (a limit enforced per short slice still reports per-minute room):
   * the learned budget starts again from empty and refills at the stated rate.
   */
  exhausted(nowMs: number): void {
    for (const learned of [this.requests, this.tokens]) {
      if (!learned) continue;
      learned.resetMs = 60_000;
      learned.remaining = 0;
      learned.observedAtMs = nowMs;
      learned.sentAtObservation = learned === this.requests ? this.requestsSent : this.tokensSent;
    }
    // Answers to attempts sent before now speak of an older state: they must not
    // refill the picture the 429 just emptied.
    this.staleBeforeSend = this.requestsSent;
  }

  /** Counts a send; returns its sequence number on this route. */
  recordSend(tokens: number): number {
    const seq = this.requestsSent;
    this.requestsSent += 1;
    this.tokensSent += tokens;
    this.inFlight += 1;
    return seq;
  }

  recordDone(): void {
    this.inFlight -= 1;
  }

  isCooling(nowMs: number): boolean {
    return nowMs < this.cooldownUntilMs;
  }

  coolDown(untilMs: number): void {
    this.cooldownUntilMs = Math.max(this.cooldownUntilMs, untilMs);
  }

  /** Requests and tokens the route is estimated to have left now. */
  estimate(nowMs: number): { requests?: number; tokens?: number } {
    const out: { requests?: number; tokens?: number } = {};
    if (this.requests) out.requests = available(this.requests, this.requestsSent, nowMs);
    if (this.tokens) out.tokens = available(this.tokens, this.tokensSent, nowMs);
    return out;
  }

  /**
   * Whether one more request costing `tokens` fits while keeping the share of the
   * limit that headroom leaves unused (P6): at 0.85, the last 15% stays untouched.
   */
  hasRoom(tokens: number, headroom: number, nowMs: number): boolean {
    return (
      fits(this.requests, this.requestsSent, 1, headroom, nowMs) &&
      fits(this.tokens, this.tokensSent, tokens, headroom, nowMs)
    );
  }

  private learn(limit: LimitObservation, sent: number, nowMs: number): LearnedLimit {
    return { ...limit, observedAtMs: nowMs, sentAtObservation: sent };
  }
}

function available(learned: LearnedLimit, sent: number, nowMs: number): number {
  const { limit, remaining, resetMs, observedAtMs, sentAtObservation } = learned;
  const elapsed = nowMs - observedAtMs;
  const refilled =
    resetMs <= 0 ? limit : remaining + (limit - remaining) * Math.min(1, elapsed / resetMs);
  return Math.min(limit, refilled) - (sent - sentAtObservation);
}

function fits(
  learned: LearnedLimit | undefined,
  sent: number,
  cost: number,
  headroom: number,
  nowMs: number,
): boolean {
  if (!learned) return true;
  return available(learned, sent, nowMs) - cost >= learned.limit * (1 - headroom);
}
