import type { Limiter } from "./limiter.js";

/**
 * Full refill at each window edge (the minute starting at :00): everything left
 * waiting rushes in at the edge, then the window clamps. Azure's short slices are
 * fixed windows too (see sliced.ts).
 */
export class FixedWindowLimiter implements Limiter {
  private used = 0;
  private windowStart = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {}

  available(nowMs: number): number {
    this.roll(nowMs);
    return Math.max(0, this.limit - this.used);
  }

  tryTake(amount: number, nowMs: number): boolean {
    this.roll(nowMs);
    if (this.used + amount > this.limit) return false;
    this.used += amount;
    return true;
  }

  charge(amount: number, nowMs: number): void {
    this.roll(nowMs);
    this.used += amount;
  }

  msUntil(amount: number, nowMs: number): number {
    this.roll(nowMs);
    if (this.used + amount <= this.limit) return 0;
    if (amount > this.limit) return Number.POSITIVE_INFINITY;
    return this.windowStart + this.windowMs - nowMs;
  }

  msUntilFull(nowMs: number): number {
    this.roll(nowMs);
    return this.used === 0 ? 0 : this.windowStart + this.windowMs - nowMs;
  }

  private roll(nowMs: number): void {
    if (nowMs >= this.windowStart + this.windowMs) {
      this.windowStart = Math.floor(nowMs / this.windowMs) * this.windowMs;
      this.used = 0;
    }
  }
}
