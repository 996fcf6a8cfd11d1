import type { ErrorCategory } from "../router/error-category.js";
import type { RouterEvent } from "../router/router.js";
import type { RouteId } from "../router/types.js";
import type { FaultSpec, ModelSpec } from "../vendor/types.js";
import { FailoverWatch } from "./failover.js";
import { MsHistogram } from "./histogram.js";
import { Ledger, type LedgerOutcome } from "./ledger.js";

export interface RouteInfo {
  id: RouteId;
  vendor: string;
  model: string;
  /** The model's stated limits, from its vendor profile. */
  limits: ModelSpec["limits"];
  price: { inputPerMTok: number; outputPerMTok: number };
}

/** Tokens billed and what they cost, beside what of it served no user (wasted). */
export interface Burn {
  promptTokens: number;
  completionTokens: number;
  spendUsd: number;
  wastedSpendUsd: number;
}

export interface LaneMetrics extends Burn {
  requests: number;
  ok: number;
  /** Upstream attempts, the first of each request and its retries. */
  attempts: number;
  /** Requests the user's own client sent again after the router gave up on them. */
  clientRetries: number;
  latency: MsHistogram;
  ttft: MsHistogram;
  queueAge: MsHistogram;
}

export interface TenantMetrics extends Burn {
  requests: number;
  ok: number;
  latency: MsHistogram;
}

/** Who a request is, as the metrics break it down (its plan id: which shard books it). */
export interface RequestTags {
  id: number;
  lane: string;
  tenant: string;
}

export interface RouteMetrics extends Burn {
  info: RouteInfo;
  attempts: number;
  served: number;
  status: Map<number, number>;
  errors: Map<ErrorCategory, number>;
}

export interface SeriesRow {
  t: number;
  /** p50 and p95 of the requests answered in that second; null when none was. */
  lanes: Record<
    string,
    {
      arrivals: number;
      p50: number | null;
      p95: number | null;
      queue: number;
      /** p95 queue age of the requests first sent in that second; null when none was. */
      queueAgeP95: number | null;
    }
  >;
  routes: Record<
    string,
    {
      sends: number;
      throttled: number;
      /** Failed attempts other than 429s: overloads, server errors, timeouts, ... */
      errors: number;
      tokens: number;
      /** Requests the route answered in that second (share is of these). */
      served: number;
      share: number;
    }
  >;
}

/**
 * One second's latency and queue-age histograms per lane, serialised (MsHistogram.encode),
 * null where nothing was recorded: what `gw-chaos merge` recomputes a second's percentiles from.
 */
export interface SecondHistograms {
  t: number;
  lanes: Record<string, { latencyMs: string | null; queueAgeMs: string | null }>;
}

interface SecondCounters {
  arrivals: Map<string, number>;
  sends: Map<RouteId, number>;
  throttled: Map<RouteId, number>;
  errors: Map<RouteId, number>;
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
  readonly tenants = new Map<string, TenantMetrics>();
  readonly routes = new Map<RouteId, RouteMetrics>();
  /** One per fault of the timeline: failover timing from the ground truth. */
  readonly failover: FailoverWatch[];
  readonly series: SeriesRow[] = [];
  /** Each second's histograms, kept only when asked (a shard's run, for merge). */
  readonly secondHistograms: SecondHistograms[] | undefined;
  private second: SecondCounters;
  /** Latency of the current second per lane; reset, not reallocated, each second. */
  protected readonly secondLatency = new Map<string, MsHistogram>();
  protected readonly secondQueueAge = new Map<string, MsHistogram>();

  constructor(
    laneNames: readonly string[],
    routes: readonly RouteInfo[],
    faults: readonly FaultSpec[] = [],
    options: { keepSecondHistograms?: boolean } = {},
  ) {
    this.secondHistograms = options.keepSecondHistograms ? [] : undefined;
    for (const lane of laneNames) {
      this.lanes.set(lane, {
        requests: 0,
        ok: 0,
        attempts: 0,
        clientRetries: 0,
        ...noBurn(),
        latency: new MsHistogram(),
        ttft: new MsHistogram(),
        queueAge: new MsHistogram(),
      });
      this.secondLatency.set(lane, new MsHistogram());
      this.secondQueueAge.set(lane, new MsHistogram());
    }
    for (const info of routes) {
      this.routes.set(info.id, {
        info,
        attempts: 0,
        served: 0,
        status: new Map(),
        errors: new Map(),
        ...noBurn(),
      });
    }
    const ids = routes.map((r) => r.id);
    this.failover = faults.map((f) => new FailoverWatch(f, ids));
    this.second = this.emptySecond();
  }

  generated(id: number, tags: RequestTags): void {
    this.ledger.generate(id);
    this.lane(tags.lane).requests++;
    this.tenant(tags.tenant).requests++;
    bump(this.second.arrivals, tags.lane);
  }

  /** Something the router noticed (failover's detect time reads it as it happens). */
  routerEvent(event: RouterEvent): void {
    for (const watch of this.failover) watch.routerEvent(event);
  }

  clientRetry(tags: RequestTags): void {
    this.lane(tags.lane).clientRetries++;
  }

  /** Queue age: from the intended start to the first send. */
  firstSend(tags: RequestTags, intendedMs: number, nowMs: number): void {
    this.lane(tags.lane).queueAge.record(nowMs - intendedMs);
    this.secondQueueAge.get(tags.lane)!.record(nowMs - intendedMs);
  }

  /** An attempt leaves for a route; fresh = a request's first attempt, not a probe. */
  sent(route: RouteId, tags: RequestTags, fresh: boolean, nowMs: number): void {
    this.route(route).attempts++;
    this.lane(tags.lane).attempts++;
    bump(this.second.sends, route);
    for (const watch of this.failover) watch.sent(route, fresh, nowMs);
  }

  /**
   * An attempt's answer, with the tokens the vendor billed for it. Tokens billed for an
   * attempt that failed (an error, a cut or broken stream) served nobody: wasted spend.
   */
  attemptDone(
    route: RouteId,
    tags: RequestTags,
    status: number,
    category: ErrorCategory | undefined,
    tokens: { prompt: number; completion: number },
    nowMs: number,
  ): void {
    const r = this.route(route);
    r.status.set(status, (r.status.get(status) ?? 0) + 1);
    if (category) r.errors.set(category, (r.errors.get(category) ?? 0) + 1);
    if (category === "throttled") bump(this.second.throttled, route);
    else if (category !== undefined) bump(this.second.errors, route);
    const { inputPerMTok, outputPerMTok } = r.info.price;
    const usd = (tokens.prompt * inputPerMTok + tokens.completion * outputPerMTok) / 1e6;
    const wasted = category !== undefined;
    burn(r, tokens, usd, wasted);
    burn(this.lane(tags.lane), tokens, usd, wasted);
    burn(this.tenant(tags.tenant), tokens, usd, wasted);
    bump(this.second.tokens, route, tokens.prompt + tokens.completion);
    for (const watch of this.failover) watch.attemptDone(route, wasted, nowMs);
  }

  /**
   * A request answered: latency (and TTFT when streamed) from its intended start.
   * `tried` are the routes its attempts went to, for failover's reroute time.
   */
  served(
    id: number,
    tags: RequestTags,
    route: RouteId,
    tried: readonly RouteId[],
    intendedMs: number,
    nowMs: number,
    firstTokenMs?: number,
  ): void {
    const l = this.lane(tags.lane);
    l.ok++;
    l.latency.record(nowMs - intendedMs);
    if (firstTokenMs !== undefined) l.ttft.record(firstTokenMs - intendedMs);
    const t = this.tenant(tags.tenant);
    t.ok++;
    t.latency.record(nowMs - intendedMs);
    this.route(route).served++;
    bump(this.second.served, route);
    this.secondLatency.get(tags.lane)!.record(nowMs - intendedMs);
    for (const watch of this.failover) watch.served(route, tried, nowMs);
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
    const kept: SecondHistograms | undefined = this.secondHistograms && { t, lanes: {} };
    for (const lane of this.lanes.keys()) {
      const h = this.secondLatency.get(lane)!;
      const age = this.secondQueueAge.get(lane)!;
      row.lanes[lane] = {
        arrivals: s.arrivals.get(lane) ?? 0,
        p50: h.percentile(50),
        p95: h.percentile(95),
        queue: queueDepth(lane),
        queueAgeP95: age.percentile(95),
      };
      if (kept)
        kept.lanes[lane] = {
          latencyMs: h.count === 0 ? null : h.encode(),
          queueAgeMs: age.count === 0 ? null : age.encode(),
        };
      h.reset();
      age.reset();
    }
    for (const route of this.routes.keys()) {
      const served = s.served.get(route) ?? 0;
      row.routes[route] = {
        sends: s.sends.get(route) ?? 0,
        throttled: s.throttled.get(route) ?? 0,
        errors: s.errors.get(route) ?? 0,
        tokens: s.tokens.get(route) ?? 0,
        served,
        share: servedTotal === 0 ? 0 : Math.round((served / servedTotal) * 1000) / 1000,
      };
    }
    this.series.push(row);
    if (kept) this.secondHistograms!.push(kept);
    this.second = this.emptySecond();
  }

  private emptySecond(): SecondCounters {
    return {
      arrivals: new Map(),
      sends: new Map(),
      throttled: new Map(),
      errors: new Map(),
      tokens: new Map(),
      served: new Map(),
    };
  }

  private lane(name: string): LaneMetrics {
    const lane = this.lanes.get(name);
    if (!lane) throw new Error(`unknown lane "${name}"`);
    return lane;
  }

  private tenant(name: string): TenantMetrics {
    let tenant = this.tenants.get(name);
    if (!tenant) {
      tenant = { requests: 0, ok: 0, latency: new MsHistogram(), ...noBurn() };
      this.tenants.set(name, tenant);
    }
    return tenant;
  }

  private route(id: RouteId): RouteMetrics {
    const route = this.routes.get(id);
    if (!route) throw new Error(`unknown route "${id}"`);
    return route;
  }
}

function noBurn(): Burn {
  return { promptTokens: 0, completionTokens: 0, spendUsd: 0, wastedSpendUsd: 0 };
}

/** Tokens and spend of one attempt, booked to a route, a lane or a tenant. */
function burn(
  into: {
    promptTokens: number;
    completionTokens: number;
    spendUsd: number;
    wastedSpendUsd: number;
  },
  tokens: { prompt: number; completion: number },
  usd: number,
  wasted: boolean,
): void {
  into.promptTokens += tokens.prompt;
  into.completionTokens += tokens.completion;
  into.spendUsd += usd;
  if (wasted) into.wastedSpendUsd += usd;
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
