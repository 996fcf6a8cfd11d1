import type { ErrorCategory } from "../router/error-category.js";
import type { RouteId } from "../router/types.js";
import { MsHistogram } from "./histogram.js";
import { Ledger, type LedgerOutcome } from "./ledger.js";

export interface RouteInfo {
  id: RouteId;
  vendor: string;
  model: string;
  limits: { rpm: number; tpm: number };
  price: { inputPerMTok: number; outputPerMTok: number };
}

export interface LaneMetrics {
  requests: number;
  ok: number;
  latency: MsHistogram;
  ttft: MsHistogram;
  queueAge: MsHistogram;
}

export interface RouteMetrics {
  info: RouteInfo;
  attempts: number;
  served: number;
  status: Map<number, number>;
  errors: Map<ErrorCategory, number>;
  promptTokens: number;
  completionTokens: number;
}

export interface SeriesRow {
  t: number;
  /** p50 and p95 of the requests answered in that second; null when none was. */
  lanes: Record<
    string,
    { arrivals: number; p50: number | null; p95: number | null; queue: number }
  >;
  routes: Record<string, { sends: number; throttled: number; tokens: number; share: number }>;
}

interface SecondCounters {
  arrivals: Map<string, number>;
  sends: Map<RouteId, number>;
  throttled: Map<RouteId, number>;
  tokens: Map<RouteId, number>;
  served: Map<RouteId, number>;
}

/**
 * Everything a run measures, as it happens: HDR histograms per lane (latency and
 * TTFT from the intended start, queue age), counters per route, per-second series
 * and the ledger. Memory stays flat in the run's length but for one row a second.
 */
export class Recorder {
  readonly ledger = new Ledger();
  readonly lanes = new Map<string, LaneMetrics>();
  readonly routes = new Map<RouteId, RouteMetrics>();
  readonly series: SeriesRow[] = [];
  private second: SecondCounters;
  /** Latency of the current second per lane; reset, not reallocated, each second. */
  private readonly secondLatency = new Map<string, MsHistogram>();

  constructor(laneNames: readonly string[], routes: readonly RouteInfo[]) {
    for (const lane of laneNames) {
      this.lanes.set(lane, {
        requests: 0,
        ok: 0,
        latency: new MsHistogram(),
        ttft: new MsHistogram(),
        queueAge: new MsHistogram(),
      });
      this.secondLatency.set(lane, new MsHistogram());
    }
    for (const info of routes) {
      this.routes.set(info.id, {
        info,
        attempts: 0,
        served: 0,
        status: new Map(),
        errors: new Map(),
        promptTokens: 0,
        completionTokens: 0,
      });
    }
    this.second = this.emptySecond();
  }

  generated(id: number, lane: string): void {
    this.ledger.generate(id);
    this.lane(lane).requests++;
    bump(this.second.arrivals, lane);
  }

  /** Queue age: from the intended start to the first send. */
  firstSend(lane: string, intendedMs: number, nowMs: number): void {
    this.lane(lane).queueAge.record(nowMs - intendedMs);
  }

  sent(route: RouteId): void {
    this.route(route).attempts++;
    bump(this.second.sends, route);
  }

  attemptDone(
    route: RouteId,
    status: number,
    category: ErrorCategory | undefined,
    tokens: { prompt: number; completion: number },
  ): void {
    const r = this.route(route);
    r.status.set(status, (r.status.get(status) ?? 0) + 1);
    if (category) r.errors.set(category, (r.errors.get(category) ?? 0) + 1);
    if (category === "throttled") bump(this.second.throttled, route);
    r.promptTokens += tokens.prompt;
    r.completionTokens += tokens.completion;
    bump(this.second.tokens, route, tokens.prompt + tokens.completion);
  }

  /** A request answered: latency (and TTFT when streamed) from its intended start. */
  served(
    id: number,
    lane: string,
    route: RouteId,
    intendedMs: number,
    nowMs: number,
    firstTokenMs?: number,
  ): void {
    const l = this.lane(lane);
    l.ok++;
    l.latency.record(nowMs - intendedMs);
    if (firstTokenMs !== undefined) l.ttft.record(firstTokenMs - intendedMs);
    this.route(route).served++;
    bump(this.second.served, route);
    this.secondLatency.get(lane)!.record(nowMs - intendedMs);
    this.ledger.settle(id, { type: "ok" });
  }

  settle(id: number, outcome: Exclude<LedgerOutcome, { type: "ok" }>): void {
    this.ledger.settle(id, outcome);
  }

  /** Closes one second of the series. */
  closeSecond(t: number, queueDepth: (lane: string) => number): void {
    const s = this.second;
    const servedTotal = [...s.served.values()].reduce((a, b) => a + b, 0);
    const row: SeriesRow = { t, lanes: {}, routes: {} };
    for (const lane of this.lanes.keys()) {
      const h = this.secondLatency.get(lane)!;
      row.lanes[lane] = {
        arrivals: s.arrivals.get(lane) ?? 0,
        p50: h.percentile(50),
        p95: h.percentile(95),
        queue: queueDepth(lane),
      };
      h.reset();
    }
    for (const route of this.routes.keys()) {
      const served = s.served.get(route) ?? 0;
      row.routes[route] = {
        sends: s.sends.get(route) ?? 0,
        throttled: s.throttled.get(route) ?? 0,
        tokens: s.tokens.get(route) ?? 0,
        share: servedTotal === 0 ? 0 : Math.round((served / servedTotal) * 1000) / 1000,
      };
    }
    this.series.push(row);
    this.second = this.emptySecond();
  }

  private emptySecond(): SecondCounters {
    return {
      arrivals: new Map(),
      sends: new Map(),
      throttled: new Map(),
      tokens: new Map(),
      served: new Map(),
    };
  }

  private lane(name: string): LaneMetrics {
    const lane = this.lanes.get(name);
    if (!lane) throw new Error(`unknown lane "${name}"`);
    return lane;
  }

  private route(id: RouteId): RouteMetrics {
    const route = this.routes.get(id);
    if (!route) throw new Error(`unknown route "${id}"`);
    return route;
  }
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
