import { RollingSum } from "./rolling-sum.js";
import type { HealthPolicy } from "./types.js";

export type HealthState = "healthy" | "cooling" | "open" | "half-open";

/** Smoothing of the recent and the usual latency (weights of the newest sample). */
const RECENT_ALPHA = 0.3;
const USUAL_ALPHA = 0.02;
const USUAL_ALPHA_WHILE_SLOW = 0.002;
/** Samples before the latency signal is trusted. */
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
  openUntilMs = Number.NEGATIVE_INFINITY;
  private opened = false;
  probesInFlight = 0;
  private readonly throttles: RollingSum;
  private readonly errors: RollingSum;
  private recentLatency = 0;
  private usualLatency = 0;
  private latencySamples = 0;
  /** Index into the shift steps; the last step is full weight. */
  private level: number;
  private lastStepMs = 0;
  /** How often the route was opened, for reports. */
  openings = 0;

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
    return nowMs < this.cooldownUntilMs ? "cooling" : "healthy";
  }

  /** Whether a send may go now; in half-open, only while a probe slot is free. */
  acceptsSend(nowMs: number): boolean {
    const state = this.state(nowMs);
    if (state === "healthy") return true;
    return state === "half-open" && this.probesInFlight < this.policy.probes;
  }

  coolDown(untilMs: number): void {
    this.cooldownUntilMs = Math.max(this.cooldownUntilMs, untilMs);
  }

  /** A 429; returns true when it opened the route (a burst, P13). */
  recordThrottle(nowMs: number): boolean {
    this.throttles.add(nowMs, 1);
    return this.rules.signals && this.throttles.sum(nowMs) >= this.policy.throttleBurst
      ? this.open(nowMs)
      : false;
  }

  /** A timeout, connection failure, 5xx or overload; true when it opened the route (P13). */
  recordError(nowMs: number): boolean {
    this.errors.add(nowMs, 1);
    return this.rules.signals && this.errors.sum(nowMs) >= this.policy.errorSpike
      ? this.open(nowMs)
      : false;
  }

  /** Opens the route now; returns false if it already was open (or there is no breaker). */
  open(nowMs: number): boolean {
    if (!this.rules.breaker) return false;
    const wasOpen = this.opened && nowMs < this.openUntilMs;
    this.opened = true;
    this.openUntilMs = nowMs + this.policy.openMs;
    this.level = 0;
    if (!wasOpen) this.openings++;
    return !wasOpen;
  }

  /** A probe came back well: the route is healthy again, at the first step of its weight. */
  recovered(nowMs: number): void {
    this.opened = false;
    this.throttles.clear();
    this.errors.clear();
    this.level = this.rules.steps ? 0 : this.shift.steps.length - 1;
    this.lastStepMs = nowMs;
  }

  recordLatency(latencyMs: number): void {
    if (this.latencySamples === 0) {
      this.recentLatency = latencyMs;
      this.usualLatency = latencyMs;
    } else {
      // While the route is slow its usual latency barely moves: a slowdown that lasts
      // must not become the new normal within a minute.
      const usualAlpha = this.isSlow() ? USUAL_ALPHA_WHILE_SLOW : USUAL_ALPHA;
      this.recentLatency += RECENT_ALPHA * (latencyMs - this.recentLatency);
      this.usualLatency += usualAlpha * (latencyMs - this.usualLatency);
    }
    this.latencySamples++;
  }

  /** Recent latency well above the usual (P13's "latency creeps up"). */
  isSlow(): boolean {
    return (
      this.rules.signals &&
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
