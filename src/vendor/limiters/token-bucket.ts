import type { Limiter } from "./limiter.js";

/**
 * Continuous refill (OpenAI, Anthropic): the bucket starts full, holds the
 * limit, and refills limit per window, a little at every moment.
 */
export class TokenBucketLimiter implements Limiter {
  private level: number;
  private updatedAt = 0;
  private readonly refillPerMs: number;

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {
    this.level = limit;
    this.refillPerMs = limit / windowMs;
  }

  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.max(0, this.level);
  }

  tryTake(amount: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (amount > this.level) return false;
    this.level -= amount;
    return true;
  }

  charge(amount: number, nowMs: number): void {
    this.refill(nowMs);
    this.level -= amount; // may go below zero: a debt paid back by the refill
  }

  msUntil(amount: number, nowMs: number): number {
    this.refill(nowMs);
    if (amount <= this.level) return 0;
    if (amount > this.limit) return Number.POSITIVE_INFINITY;
    return (amount - this.level) / this.refillPerMs;
  }

  msUntilFull(nowMs: number): number {
    this.refill(nowMs);
    return (this.limit - this.level) / this.refillPerMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.updatedAt) {
      this.level = Math.min(this.limit, this.level + (nowMs - this.updatedAt) * this.refillPerMs);
      this.updatedAt = nowMs;
    }
  }
}
