/**
 * A sum over the last windowMs of scenario time, kept in fixed buckets so adding
 * and reading cost O(buckets) at worst and nothing is kept per event. Time only
 * moves forward; it comes in as an argument (the core has no clock).
 */
export class RollingSum {
  private readonly values: Float64Array;
  private readonly bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket written. */
  private newest = Number.NEGATIVE_INFINITY;
  private total = 0;

  constructor(
    readonly windowMs: number,
    buckets = 10,
  ) {
    this.values = new Float64Array(buckets);
    this.bucketMs = Math.max(1, windowMs / buckets);
  }

  add(nowMs: number, value: number): void {
    this.advance(nowMs);
    this.values[this.newest % this.values.length]! += value;
    this.total += value;
  }

  sum(nowMs: number): number {
    this.advance(nowMs);
    return this.total;
  }

  clear(): void {
    this.values.fill(0);
    this.total = 0;
  }

  private advance(nowMs: number): void {
    const index = Math.floor(nowMs / this.bucketMs);
    if (index <= this.newest) return;
    const n = this.values.length;
    if (index - this.newest >= n) {
      this.values.fill(0);
      this.total = 0;
    } else {
      for (let i = this.newest + 1; i <= index; i++) {
        const slot = i % n;
        this.total -= this.values[slot]!;
        this.values[slot] = 0;
      }
    }
    this.newest = index;
  }
}
