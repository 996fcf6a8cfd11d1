import type { Limiter } from "./limiter.js";

/**
 * A rolling window: what was taken in the last windowMs counts, whatever the
 * clock on the wall says. Keeps a log of takes (time, amount) in two parallel
 * arrays used as a queue, so memory is bounded by the takes inside one window.
 */
export class SlidingWindowLimiter implements Limiter {
  private times: number[] = [];
  private amounts: number[] = [];
  private head = 0;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {}

  available(nowMs: number): number {
    this.expire(nowMs);
    return Math.max(0, this.limit - this.used);
  }

  tryTake(amount: number, nowMs: number): boolean {
    this.expire(nowMs);
    if (this.used + amount > this.limit) return false;
    this.record(amount, nowMs);
    return true;
  }

  charge(amount: number, nowMs: number): void {
    this.expire(nowMs);
    this.record(amount, nowMs);
  }

  msUntil(amount: number, nowMs: number): number {
    this.expire(nowMs);
    if (this.used + amount <= this.limit) return 0;
    if (amount > this.limit) return Number.POSITIVE_INFINITY;
    // Walk the log until enough has expired to make room.
    let freed = 0;
    for (let i = this.head; i < this.times.length; i++) {
      freed += this.amounts[i]!;
      if (this.used - freed + amount <= this.limit) return this.times[i]! + this.windowMs - nowMs;
    }
    return this.windowMs;
  }

  msUntilFull(nowMs: number): number {
    this.expire(nowMs);
    if (this.head >= this.times.length) return 0;
    return this.times[this.times.length - 1]! + this.windowMs - nowMs;
  }

  private record(amount: number, nowMs: number): void {
    this.times.push(nowMs);
    this.amounts.push(amount);
    this.used += amount;
  }

  private expire(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) {
      this.used -= this.amounts[this.head]!;
      this.head++;
    }
    // Compact now and then so the arrays do not grow with the run.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.amounts = this.amounts.slice(this.head);
      this.head = 0;
    }
  }
}
