import type { Summary } from "../metrics/histogram.js";
import type { LedgerTotals } from "../metrics/ledger.js";
import type { Burn, SeriesRow } from "../metrics/recorder.js";
import { GATEWAY_VENDOR } from "../router/pass-through-router.js";
import type { RouterSummary } from "../router/router.js";
import type { HarnessHealth } from "../run/harness-health.js";
import type { NodeSummary } from "../router/router-nodes.js";
import type { StoreReport } from "../store/link-nodes.js";

/** The report's `store` section: the nodes' store, what went through it, and each node. */
export type StoreSection = StoreReport & { perNode: NodeSummary[] };
import type { RunResult } from "../run/run-scenario.js";
import type { Shard } from "../traffic/shard.js";
import type { ModelSpec } from "../vendor/types.js";
import { type ReportHistograms, reportHistograms } from "./shard-histograms.js";

/** Bumped only on a breaking change of the report's shape (CONTRACT.md). */
export const REPORT_VERSION = 1;

/** Tokens billed and their cost; wasted: billed for attempts that served no user. */
export interface BurnReport {
  tokens: { prompt: number; completion: number };
  spendUsd: number;
  wastedSpendUsd: number;
}

export interface LaneReport extends BurnReport {
  requests: number;
  ok: number;
  /** Upstream attempts (first tries and retries), and per generated request. */
  attempts: number;
  attemptsPerRequest: number | null;
  /** Requests the users' own clients sent again (naive client retries). */
  clientRetries: number;
  latencyMs: Summary;
  ttftMs: Summary;
  queueAgeMs: Summary;
  /** Requests waiting in the lane: the most at a second's end, and at the run's end. */
  queue: { max: number; end: number };
}

export interface TenantReport extends BurnReport {
  requests: number;
  ok: number;
  latencyMs: Summary;
}

export interface RouteReport extends BurnReport {
  vendor: string;
  model: string;
  attempts: number;
  status: Record<string, number>;
  errors: Record<string, number>;
  /** Requests this route answered (share is of these). */
  served: number;
  /** Share of all answered requests that this route answered. */
  share: number;
  /** The model's stated limits, from its vendor profile (rpm, tpm, algorithm, ...). */
  limits: ModelSpec["limits"];
}

export interface FaultReport {
  vendor: string;
  model: string | null;
  kind: string;
  startMs: number;
  /** null: the fault lasts to the end of the run. */
  endMs: number | null;
  detectMs: number | null;
  stopSendsMs: number | null;
  rerouteMs: number | null;
  recoveryMs: number | null;
  wastedAttempts: number | null;
}

/** The run's totals over every lane. */
export interface TotalsReport extends BurnReport {
  requests: number;
  attempts: number;
  attemptsPerRequest: number | null;
}

export interface ThresholdResult {
  expr: string;
  value: number | null;
  ok: boolean;
}

export interface JsonReport {
  version: number;
  tool: "gw-chaos";
  toolVersion: string;
  scenario: string;
  description: string;
  mode: "live" | "sim";
  seed: number;
  speed: number;
  durationMs: number;
  endedMs: number;
  partial: boolean;
  ledger: LedgerTotals;
  lanes: Record<string, LaneReport>;
  tenants: Record<string, TenantReport>;
  routes: RouteReport[];
  totals: TotalsReport;
  faults: FaultReport[];
  thresholds: ThresholdResult[];
  series: SeriesRow[];
  findings: { id: string; rule: string; ok: boolean; value: number | null; summary: string }[];
  /** The gateway under test (`--gateway`), or null when the embedded router routed. */
  gateway: { url: string; kind: string; attemptsLogged: number; attemptsDropped: number } | null;
  /**
   * Several router nodes (P20, `nodes:` in the scenario): what they shared through
   * the store, its outages, and each node's share; null with one node.
   */
  store: StoreSection | null;
  /** What the embedded router did (all zero when a gateway was under test). */
  router: RouterSummary;
  harness: HarnessHealth;
  /** The shard this run was (`--shard i/n`); null when unsharded. */
  shard: Shard | null;
  /** A merged report (`gw-chaos merge`): how many shards the run had, and which it holds. */
  shards?: { count: number; merged: number[] };
  /** A shard's report only: the histograms `gw-chaos merge` recomputes percentiles from. */
  histograms?: ReportHistograms;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

const perRequest = (attempts: number, requests: number) =>
  requests === 0 ? null : round(attempts / requests, 4);

function burn(b: Burn): BurnReport {
  return {
    tokens: { prompt: b.promptTokens, completion: b.completionTokens },
    spendUsd: round(b.spendUsd, 6),
    wastedSpendUsd: round(b.wastedSpendUsd, 6),
  };
}

/** The machine-readable report of a run (thresholds are evaluated on it and added after). */
export function buildJsonReport(result: RunResult, toolVersion: string): JsonReport {
  const { recorder, scenario } = result;
  const series = recorder.series;
  const lanes: Record<string, LaneReport> = {};
  for (const [name, lane] of recorder.lanes) {
    const depths = series.map((row) => row.lanes[name]?.queue ?? 0);
    lanes[name] = {
      requests: lane.requests,
      ok: lane.ok,
      attempts: lane.attempts,
      attemptsPerRequest: perRequest(lane.attempts, lane.requests),
      clientRetries: lane.clientRetries,
      latencyMs: lane.latency.summary(),
      ttftMs: lane.ttft.summary(),
      queueAgeMs: lane.queueAge.summary(),
      queue: { max: depths.reduce((m, d) => Math.max(m, d), 0), end: depths.at(-1) ?? 0 },
      ...burn(lane),
    };
  }
  const tenants: Record<string, TenantReport> = {};
  for (const [name, tenant] of [...recorder.tenants].sort(([a], [b]) => a.localeCompare(b))) {
    tenants[name] = {
      requests: tenant.requests,
      ok: tenant.ok,
      latencyMs: tenant.latency.summary(),
      ...burn(tenant),
    };
  }
  // A vendor's share is of what the vendors served: the harness's own requests to a
  // gateway under test (gateway/<class>) are the same answers seen from the client.
  const isVendor = (r: { info: { vendor: string } }) => r.info.vendor !== GATEWAY_VENDOR;
  let servedTotal = 0;
  for (const route of recorder.routes.values()) if (isVendor(route)) servedTotal += route.served;
  let clientTotal = 0;
  for (const route of recorder.routes.values()) if (!isVendor(route)) clientTotal += route.served;
  const routes: RouteReport[] = [...recorder.routes.values()].map((r) => ({
    vendor: r.info.vendor,
    model: r.info.model,
    attempts: r.attempts,
    status: Object.fromEntries(
      [...r.status.entries()].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v]),
    ),
    errors: Object.fromEntries([...r.errors.entries()].sort(([a], [b]) => a.localeCompare(b))),
    served: r.served,
    ...burn(r),
    share: isVendor(r)
      ? servedTotal === 0
        ? 0
        : round(r.served / servedTotal, 4)
      : clientTotal === 0
        ? 0
        : round(r.served / clientTotal, 4),
    limits: { ...r.info.limits },
  }));
  const laneList = [...recorder.lanes.values()];
  const requests = laneList.reduce((n, l) => n + l.requests, 0);
  const attempts = laneList.reduce((n, l) => n + l.attempts, 0);
  const totals: TotalsReport = {
    requests,
    attempts,
    attemptsPerRequest: perRequest(attempts, requests),
    ...burn({
      promptTokens: laneList.reduce((n, l) => n + l.promptTokens, 0),
      completionTokens: laneList.reduce((n, l) => n + l.completionTokens, 0),
      spendUsd: laneList.reduce((n, l) => n + l.spendUsd, 0),
      wastedSpendUsd: laneList.reduce((n, l) => n + l.wastedSpendUsd, 0),
    }),
  };
  // Failover is timed on the whole world (a sim shard books only its own requests).
  const world = result.world ?? recorder;
  const faults: FaultReport[] = world.failover.map((watch) => {
    const f = watch.fault;
    const timing = watch.timing(world.series);
    return {
      vendor: f.vendor,
      model: f.model ?? null,
      kind: f.kind,
      startMs: f.fromMs,
      endMs: Number.isFinite(f.untilMs) ? f.untilMs : null,
      ...timing,
    };
  });
  return {
    version: REPORT_VERSION,
    tool: "gw-chaos",
    toolVersion,
    scenario: scenario.name,
    description: scenario.description,
    mode: result.mode,
    seed: result.seed,
    speed: result.speed,
    durationMs: scenario.durationMs,
    endedMs: round(result.endedMs, 1),
    partial: result.partial,
    ledger: recorder.ledger.totals(),
    lanes,
    tenants,
    routes,
    totals,
    faults,
    thresholds: [],
    series: recorder.series,
    findings: result.findings,
    gateway: result.gateway ?? null,
    store: result.store ?? null,
    router: result.router,
    harness: result.harness,
    shard: result.shard ?? null,
    ...(result.shard ? { histograms: reportHistograms(recorder) } : {}),
  };
}
