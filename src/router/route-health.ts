import { RollingSum } from "./rolling-sum.js";
import type { HealthPolicy } from "./types.js";

export type HealthState = "healthy" | "cooling" | "open" | "half-open";

/** Smoothing of the recent latency (the weight of the newest sample). */
const RECENT_ALPHA = 0.3;
/** The usual latency is kept in this many slices of the baseline window. */
const BASELINE_SLICES = 10;
/** Samples a slice needs before its mean counts, and samples before the signal is trusted. */
const MIN_LATENCY_SAMPLES = 5;

export interface HealthRules {
  /** P13: 429 bursts, error spikes and slowness are watched. */
  signals: boolean;
  /** P17: weight moves in steps; off, it snaps between none and all. */
  steps: boolean;
  /** P14: a route can open (no fresh sends) and is probed back; off, it never opens. */
  breaker: boolean;
}

/**
 * The health of one route (P13-P17), from what its answers said:
 * - a 429 or an overload cools it down for a while (a 429 means slow down);
 * - a burst of 429s or a spike of timeouts and server errors opens it: no fresh
 *   sends for openMs, then half-open, where a few probes find out if it is back;
 * - its recent latency against its usual latency says whether it is slow;
 * - its weight (share of the traffic it would get) steps down while it is slow and
 *   back up, step by step, once it recovers.
 * Time is an argument everywhere; nothing here reads a clock.
 */
export class RouteHealth {
  cooldownUntilMs = Number.NEGATIVE_INFINITY;
  /** When the current spell of back-to-back cooldowns began. */
  private coolingSinceMs = Number.NEGATIVE_INFINITY;
  /** The route's send count when the latest 429 came back: later sends had heard it. */
  private sendsWhenThrottled = 0;
  /** When the route last came back from open: calls sent before then are old news. */
  private healthySinceMs = Number.NEGATIVE_INFINITY;
  openUntilMs = Number.NEGATIVE_INFINITY;
  private opened = false;
  /** When the route was last opened here, or heard opened (P20): probes sent before speak of older news. */
  private openedAtMs = Number.NEGATIVE_INFINITY;
  probesInFlight = 0;
  private readonly throttles: RollingSum;
  private readonly errors: RollingSum;
  private recentLatency = 0;
  private latencySamples = 0;
  /** Latency sums and counts per slice of the baseline window (a ring), and the newest slice. */
  private readonly sliceSums = new Float64Array(BASELINE_SLICES);
  private readonly sliceCounts = new Uint32Array(BASELINE_SLICES);
  private slice = -1;
  /** The lowest mean of a whole slice in the window: the route's usual latency. */
  private usualLatency: number | undefined;
  /** Index into the shift steps; the last step is full weight. */
  private level: number;
  private lastStepMs = 0;
  /** How often the route was opened, for reports. */
  openings = 0;
  /**
   * P20: this node's word is what other nodes wait on, so a cooldown ends in one
   * trial send (half-open), not in the node's whole traffic, and a good answer to it
   * clears the route for all of them.
   */
  trialAfterCooldown = false;
  private trialDue = false;
  /** When the latest cooldown began: a trial sent before it speaks of an older state. */
  private trialSinceMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly policy: HealthPolicy,
    private readonly shift: { steps: number[]; stepMs: number },
    private readonly rules: HealthRules,
  ) {
    this.throttles = new RollingSum(policy.windowMs);
    this.errors = new RollingSum(policy.windowMs);
    this.level = shift.steps.length - 1;
  }

  state(nowMs: number): HealthState {
    if (this.opened) return nowMs < this.openUntilMs ? "open" : "half-open";
    if (nowMs < this.cooldownUntilMs) return "cooling";
    return this.trialDue ? "half-open" : "healthy";
  }

  /** Whether a send may go now; in half-open, only while a probe slot is free. */
  acceptsSend(nowMs: number): boolean {
    const state = this.state(nowMs);
    if (state === "healthy") return true;
    return state === "half-open" && this.probesInFlight < this.policy.probes;
  }

  /**
   * No fresh sends until untilMs (P14). Cooldowns back to back (each within a step
   * of the last) are one spell of cooling; a spell as long as an open period (a
   * storm of 429s, or a Retry-After of minutes) takes the route out as surely as
   * opening it would, so it comes back at the first step of its weight and climbs
   * (P17), not all at once.
   */
  coolDown(untilMs: number, nowMs: number): void {
    if (nowMs > this.cooldownUntilMs + this.shift.stepMs) this.coolingSinceMs = nowMs;
    this.cooldownUntilMs = Math.max(this.cooldownUntilMs, untilMs);
    if (this.trialAfterCooldown) {
      this.trialDue = true;
      this.trialSinceMs = nowMs;
    }
    if (this.rules.steps && this.cooldownUntilMs - this.coolingSinceMs >= this.policy.openMs) {
      this.level = 0;
      this.lastStepMs = Math.max(this.lastStepMs, this.cooldownUntilMs);
    }
  }

  /**
   * A 429 to the route's send number sendSeq, heard when it had made `sends` sends;
   * returns true when it opened the route (a burst, P13). A 429 to an attempt sent
   * before the last one came back is the same news again (calls in flight at a cap
   * all hear it): only 429s to sends made after the router had heard make a burst,
   * i.e. the route refusing what it was told. Sends are told apart by their order,
   * not their time: in sim a batch of sends and their instant 429s share one instant.
   */
  recordThrottle(nowMs: number, sendSeq: number, sends: number): boolean {
    const news = sendSeq >= this.sendsWhenThrottled;
    this.sendsWhenThrottled = Math.max(this.sendsWhenThrottled, sends);
    if (!news) return false;
    this.throttles.add(nowMs, 1);
    return this.rules.signals && this.throttles.sum(nowMs) >= this.policy.throttleBurst
      ? this.open(nowMs)
      : false;
  }

  /**
   * A timeout, connection failure, 5xx or overload to an attempt sent at sentAtMs;
   * true when it opened the route (P13). While the route is open, or for a call sent
   * before it last came back, an error is old news: only the probes speak for it.
   */
  recordError(nowMs: number, sentAtMs: number): boolean {
    if (this.opened || sentAtMs < this.healthySinceMs) return false;
    this.errors.add(nowMs, 1);
    return this.rules.signals && this.errors.sum(nowMs) >= this.policy.errorSpike
      ? this.open(nowMs)
      : false;
  }

  /**
   * Opens the route now; returns false if it already was open or half-open (or there
   * is no breaker). An open route's time is not stretched by late answers to calls
   * sent before it opened; only a failed probe (probeFailed) opens it again.
   */
  open(nowMs: number): boolean {
    if (!this.rules.breaker || this.opened) return false;
    this.opened = true;
    this.openedAtMs = nowMs;
    this.openUntilMs = nowMs + this.policy.openMs;
    this.level = 0;
    this.openings++;
    return true;
  }

  /** Another node's word that the route answers again (P20): a cooldown heard from it ends now. */
  liftCooldown(nowMs: number): void {
    this.cooldownUntilMs = Math.min(this.cooldownUntilMs, nowMs);
    this.trialDue = false;
  }

  /**
   * Another node opened the route (P20): it is out here until untilMs, then half-open
   * (unless word comes first). True when that opened it here; an opening already in
   * force here is only stretched, never shortened.
   */
  openUntil(untilMs: number, nowMs: number): boolean {
    if (!this.rules.breaker || untilMs <= nowMs) return false;
    this.openedAtMs = nowMs;
    if (this.opened) {
      this.openUntilMs = Math.max(this.openUntilMs, untilMs);
      return false;
    }
    this.opened = true;
    this.openUntilMs = untilMs;
    this.level = 0;
    return true;
  }

  /** A probe failed: another full open period before the next one. */
  probeFailed(nowMs: number): void {
    if (!this.opened) return;
    this.openUntilMs = nowMs + this.policy.openMs;
  }

  /**
   * A probe (sent at sentAtMs) came back well: the route is healthy again, at the
   * first step of its weight. A trial after a cooldown only ends the trial (the route
   * was never out), and only if it was sent after the latest cooldown began and the
   * route is not cooling again; a probe sent before the route was last opened (here,
   * or by another node) does not close it: an old probe's good answer is not the
   * newest word.
   */
  recovered(nowMs: number, sentAtMs: number = nowMs): void {
    if (!this.opened) {
      if (sentAtMs >= this.trialSinceMs && nowMs >= this.cooldownUntilMs) this.trialDue = false;
      return;
    }
    if (sentAtMs < this.openedAtMs) return;
    this.opened = false;
    this.healthySinceMs = nowMs;
    this.throttles.clear();
    this.errors.clear();
    this.level = this.rules.steps ? 0 : this.shift.steps.length - 1;
    this.lastStepMs = nowMs;
  }

  /**
   * One answer's latency. The recent latency follows every answer; the usual one is
   * the quickest stretch of the baseline window (by default the best minute of the
   * last ten), so a slowdown that creeps up does not become the new normal as it goes.
   */
  recordLatency(latencyMs: number, nowMs: number): void {
    this.recentLatency =
      this.latencySamples === 0
        ? latencyMs
        : this.recentLatency + RECENT_ALPHA * (latencyMs - this.recentLatency);
    this.latencySamples++;
    const slice = Math.floor(nowMs / (this.policy.baselineMs / BASELINE_SLICES));
    if (slice !== this.slice) this.turnSlices(slice);
    const i = slice % BASELINE_SLICES;
    this.sliceSums[i]! += latencyMs;
    this.sliceCounts[i]! += 1;
  }

  /** Moves to a new slice: clears the slices it skipped and settles the usual latency. */
  private turnSlices(slice: number): void {
    const from = this.slice < 0 ? slice : Math.max(this.slice + 1, slice - BASELINE_SLICES + 1);
    for (let s = from; s <= slice; s++) {
      this.sliceSums[s % BASELINE_SLICES] = 0;
      this.sliceCounts[s % BASELINE_SLICES] = 0;
    }
    this.slice = slice;
    let usual: number | undefined;
    for (let k = 0; k < BASELINE_SLICES; k++) {
      if (k === slice % BASELINE_SLICES || this.sliceCounts[k]! < MIN_LATENCY_SAMPLES) continue;
      const mean = this.sliceSums[k]! / this.sliceCounts[k]!;
      if (usual === undefined || mean < usual) usual = mean;
    }
    this.usualLatency = usual;
  }

  /** Recent latency well above the usual (P13's "latency creeps up"). */
  isSlow(): boolean {
    return (
      this.rules.signals &&
      this.usualLatency !== undefined &&
      this.latencySamples >= MIN_LATENCY_SAMPLES &&
      this.recentLatency > this.policy.slowFactor * this.usualLatency
    );
  }

  get latencyMs(): number | undefined {
    return this.latencySamples > 0 ? this.recentLatency : undefined;
  }

  /**
   * The share of the traffic this route may take now (P17): one step down for each
   * stepMs it stays slow, one step up for each stepMs it is well, never below the
   * first step while it is not open (so it keeps being measured).
   */
  weight(nowMs: number): number {
    const { steps, stepMs } = this.shift;
    const top = steps.length - 1;
    if (this.opened) {
      // Open or half-open: only probes go, whatever the weight; the climb starts on recovery.
      this.lastStepMs = nowMs;
      return 0;
    }
    if (!this.rules.steps) return 1;
    const elapsedSteps = Math.floor((nowMs - this.lastStepMs) / stepMs);
    if (elapsedSteps > 0) {
      this.lastStepMs += elapsedSteps * stepMs;
      const slow = this.isSlow();
      this.level = slow
        ? Math.max(0, this.level - elapsedSteps)
        : Math.min(top, this.level + elapsedSteps);
    }
    return steps[this.level]!;
  }
}
