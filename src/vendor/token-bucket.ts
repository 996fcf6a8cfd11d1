/**
 * A token bucket refilled continuously: the way OpenAI and Anthropic describe
 * their per-minute limits. It starts full; a limit of N per minute holds N and
 * refills N per 60 s. Pure: time is always an argument.
 */
export class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerMs: number,
    startMs = 0,
  ) {
    this.level = capacity;
    this.updatedAt = startMs;
  }

  static perMinute(limit: number, startMs = 0): TokenBucket {
    return new TokenBucket(limit, limit / 60_000, startMs);
  }

  available(nowMs: number): number {
    this.refill(nowMs);
    return this.level;
  }

  /** Takes amount if it is all there; otherwise takes nothing. */
  tryTake(amount: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (amount > this.level) return false;
    this.level -= amount;
    return true;
  }

  /** Milliseconds until amount is available (0 if it is now, Infinity if never). */
  msUntil(amount: number, nowMs: number): number {
    this.refill(nowMs);
    if (amount <= this.level) return 0;
    if (amount > this.capacity) return Number.POSITIVE_INFINITY;
    return (amount - this.level) / this.refillPerMs;
  }

  /** Milliseconds until the bucket is full again (what OpenAI's reset headers state). */
  msUntilFull(nowMs: number): number {
    return this.msUntil(this.capacity, nowMs);
  }

  private refill(nowMs: number): void {
    if (nowMs > this.updatedAt) {
      this.level = Math.min(
        this.capacity,
        this.level + (nowMs - this.updatedAt) * this.refillPerMs,
      );
      this.updatedAt = nowMs;
    }
  }
}
