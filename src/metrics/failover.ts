import type { RouterEvent } from "../router/router.js";
import type { RouteId } from "../router/types.js";
import type { FaultSpec } from "../vendor/types.js";
import type { SeriesRow } from "./recorder.js";

/** Failover timing of one fault, in scenario ms from its onset; null where it never happened. */
export interface FailoverTiming {
  detectMs: number | null;
  stopSendsMs: number | null;
  rerouteMs: number | null;
  recoveryMs: number | null;
  wastedAttempts: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Router reactions that count as noticing a fault. */
const REACTIONS = new Set<RouterEvent["kind"]>(["cooling", "open", "slow"]);
/** A route has its share back when a 10-second mean reaches this much of its share before. */
const RECOVERED_SHARE = 0.8;
const SHARE_WINDOW_S = 10;

/**
 * Watches one fault of the timeline with the ground truth only the harness has:
 * when it began and ended. Fed every send, attempt and answer as they happen;
 * nothing is kept per request.
 * - detect: the router's first reaction to a faulted route (cooling, open, slow) after onset;
 * - stop-sends: the last fresh send (a first attempt, not a probe) to a faulted route
 *   while the fault lasted;
 * - reroute: the first answer served elsewhere to a request that had tried a faulted route;
 * - wasted attempts: attempts at a faulted route that failed while the fault lasted;
 * - recovery: after the fault ends, until the faulted routes carry their share again.
 */
export class FailoverWatch {
  private detectedMs: number | undefined;
  private lastFreshSendMs: number | undefined;
  private reroutedMs: number | undefined;
  private wasted = 0;
  readonly routes: ReadonlySet<RouteId>;

  constructor(
    readonly fault: FaultSpec,
    allRoutes: readonly RouteId[],
  ) {
    this.routes = new Set(
      allRoutes.filter((r) => {
        const slash = r.indexOf("/");
        const vendor = r.slice(0, slash);
        const model = r.slice(slash + 1);
        return vendor === fault.vendor && (fault.model === undefined || fault.model === model);
      }),
    );
  }

  private during(nowMs: number): boolean {
    return nowMs >= this.fault.fromMs && nowMs < this.fault.untilMs;
  }

  routerEvent(e: RouterEvent): void {
    if (this.detectedMs !== undefined || e.t < this.fault.fromMs) return;
    if (this.routes.has(e.route) && REACTIONS.has(e.kind)) this.detectedMs = e.t;
  }

  sent(route: RouteId, fresh: boolean, nowMs: number): void {
    if (fresh && this.routes.has(route) && this.during(nowMs)) this.lastFreshSendMs = nowMs;
  }

  attemptDone(route: RouteId, failed: boolean, nowMs: number): void {
    if (failed && this.routes.has(route) && this.during(nowMs)) this.wasted++;
  }

  served(route: RouteId, tried: readonly RouteId[], nowMs: number): void {
    if (this.reroutedMs !== undefined || this.routes.has(route) || nowMs < this.fault.fromMs)
      return;
    if (tried.some((r) => this.routes.has(r))) this.reroutedMs = nowMs;
  }

  timing(series: readonly SeriesRow[]): FailoverTiming {
    const start = this.fault.fromMs;
    // Tenths of a millisecond: finer than any clock the harness runs on.
    const since = (t: number | undefined) => (t === undefined ? null : round(t - start));
    const recovery = this.recovery(series);
    return {
      detectMs: since(this.detectedMs),
      stopSendsMs: since(this.lastFreshSendMs),
      rerouteMs: since(this.reroutedMs),
      recoveryMs: recovery === null ? null : round(recovery),
      wastedAttempts: this.wasted,
    };
  }

  /** Seconds after the fault's end until the faulted routes' share is back near its level before. */
  private recovery(series: readonly SeriesRow[]): number | null {
    const { fromMs, untilMs } = this.fault;
    if (!Number.isFinite(untilMs)) return null;
    const share = (row: SeriesRow) => {
      let sum = 0;
      for (const route of this.routes) sum += row.routes[route]?.share ?? 0;
      return sum;
    };
    // Rows are per scenario second; row t covers (t-1 s, t s].
    const before = series.filter((r) => r.t * 1000 <= fromMs && r.t * 1000 > fromMs - 60_000);
    if (before.length === 0) return null;
    const usual = before.reduce((n, r) => n + share(r), 0) / before.length;
    if (usual === 0) return 0;
    const after = series.filter((r) => r.t * 1000 > untilMs);
    for (let i = 0; i + SHARE_WINDOW_S <= after.length; i++) {
      const window = after.slice(i, i + SHARE_WINDOW_S);
      const mean = window.reduce((n, r) => n + share(r), 0) / window.length;
      if (mean >= RECOVERED_SHARE * usual) return Math.max(0, (after[i]!.t - 1) * 1000 - untilMs);
    }
    return null;
  }
}
