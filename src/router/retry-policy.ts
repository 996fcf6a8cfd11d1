import { RollingSum } from "./rolling-sum.js";
import type { RetryPolicy } from "./types.js";

/**
 * How long a retry waits (P18): exponential backoff with jitter, so a wave of
 * requests that failed together does not come back together. `random` is the
 * run's seeded generator, uniform in [0, 1); the policy holds no clock.
 */
export function backoffMs(
  policy: RetryPolicy,
  retry: number,
  previousDelayMs: number,
  random: () => number,
): number {
  if (policy.jitter === "decorrelated") {
    // AWS's "decorrelated jitter": uniform between the base and three times the last
    // delay, the first counting as the base.
    const last = Math.max(policy.baseMs, previousDelayMs);
    const upper = Math.min(policy.maxMs, last * 3);
    return policy.baseMs + random() * (upper - policy.baseMs);
  }
  // "Full jitter": uniform between zero and the exponential step.
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return random() * ceiling;
}

/**
 * A retry budget (P18), in the manner of Finagle's: over the last window, retries
 * may number at most `budget` times the fresh requests, plus a small allowance per
 * second so a quiet router can still retry. When a vendor fails everything, the
 * budget caps the extra load retries add at that share instead of multiplying it.
 */
export class RetryBudget {
  private readonly fresh: RollingSum;
  private readonly retries: RollingSum;

  constructor(private readonly policy: RetryPolicy) {
    this.fresh = new RollingSum(policy.windowMs);
    this.retries = new RollingSum(policy.windowMs);
  }

  recordFresh(nowMs: number): void {
    this.fresh.add(nowMs, 1);
  }

  /** Takes one retry from the budget if it has one. */
  tryWithdraw(nowMs: number): boolean {
    const allowance = (this.policy.minPerSecond * this.policy.windowMs) / 1000;
    const allowed = allowance + this.policy.budget * this.fresh.sum(nowMs);
    if (this.retries.sum(nowMs) + 1 > allowed) return false;
    this.retries.add(nowMs, 1);
    return true;
  }
}
