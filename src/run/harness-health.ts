import { monitorEventLoopDelay } from "node:perf_hooks";
import { EMPTY_SUMMARY, MsHistogram, type Summary } from "../metrics/histogram.js";

export interface HarnessHealth {
  eventLoopDelayMs: Summary;
  sendLagMs: Summary;
  trusted: boolean;
}

/** Past this p99 (wall ms) of either delay, the harness distorts what it measures. */
const TRUST_LIMIT_MS = 50;

/**
 * Watches the harness itself in live mode: event-loop delay, and how late each
 * request left compared with its intended start (send lag, wall ms). Sim mode
 * has no wall clock to drift, so it is trusted by construction.
 */
/** Sampling interval of the event-loop monitor; each sample includes it, so it is taken off. */
const RESOLUTION_MS = 10;

export class HarnessMonitor {
  private readonly loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly sendLag = new MsHistogram();

  constructor(private readonly speed: number) {
    this.loop.enable();
  }

  /** lagMs is in scenario ms; it is kept in wall ms. */
  recordSendLag(lagMs: number): void {
    this.sendLag.record(lagMs / this.speed);
  }

  stop(): HarnessHealth {
    this.loop.disable();
    const ns = (v: number) => Math.max(0, Math.round(v / 1e4 - RESOLUTION_MS * 100) / 100);
    const eventLoopDelayMs: Summary =
      this.loop.count === 0
        ? { ...EMPTY_SUMMARY }
        : {
            count: this.loop.count,
            min: ns(this.loop.min),
            mean: ns(this.loop.mean),
            p50: ns(this.loop.percentile(50)),
            p90: ns(this.loop.percentile(90)),
            p95: ns(this.loop.percentile(95)),
            p99: ns(this.loop.percentile(99)),
            max: ns(this.loop.max),
          };
    const sendLagMs = this.sendLag.summary();
    return {
      eventLoopDelayMs,
      sendLagMs,
      trusted:
        (eventLoopDelayMs.p99 ?? 0) <= TRUST_LIMIT_MS && (sendLagMs.p99 ?? 0) <= TRUST_LIMIT_MS,
    };
  }
}

export function simHarnessHealth(): HarnessHealth {
  return { eventLoopDelayMs: { ...EMPTY_SUMMARY }, sendLagMs: { ...EMPTY_SUMMARY }, trusted: true };
}
