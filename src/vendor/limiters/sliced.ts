import { FixedWindowLimiter } from "./fixed-window.js";
import type { Limiter } from "./limiter.js";

/**
 * A per-minute limit enforced in short slices (Azure's 1 s or 10 s; OpenAI's
 * quantization): 600 RPM in 1 s slices admits 10 in any one second, and the 11th
 * is refused though the minute has room. It states the per-minute limit.
 */
export class SlicedLimiter implements Limiter {
  private readonly slice: FixedWindowLimiter;

  constructor(
    readonly limit: number,
    readonly sliceMs: number,
    windowMs = 60_000,
  ) {
    this.slice = new FixedWindowLimiter(
      Math.max(1, Math.floor((limit * sliceMs) / windowMs)),
      sliceMs,
    );
  }

  available(nowMs: number): number {
    return this.slice.available(nowMs);
  }

  tryTake(amount: number, nowMs: number): boolean {
    return this.slice.tryTake(amount, nowMs);
  }

  charge(amount: number, nowMs: number): void {
    this.slice.charge(amount, nowMs);
  }

  msUntil(amount: number, nowMs: number): number {
    return this.slice.msUntil(amount, nowMs);
  }

  msUntilFull(nowMs: number): number {
    return this.slice.msUntilFull(nowMs);
  }
}
