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
  cooldownUntilMs = Number.NEGATIVE_INFINITY;
  inFlight = 0;

  observe(observation: BudgetObservation, nowMs: number): void {
    if (observation.requests)
      this.requests = this.learn(observation.requests, this.requestsSent, nowMs);
    if (observation.tokens) this.tokens = this.learn(observation.tokens, this.tokensSent, nowMs);
  }

  recordSend(tokens: number): void {
    this.requestsSent += 1;
    this.tokensSent += tokens;
    this.inFlight += 1;
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
