import { MsHistogram, type Summary } from "../metrics/histogram.js";
import type { LedgerTotals } from "../metrics/ledger.js";
import { GATEWAY_VENDOR } from "../router/pass-through-router.js";
import type { RouterSummary } from "../router/router.js";
import type {
  BurnReport,
  FaultReport,
  JsonReport,
  LaneReport,
  RouteReport,
  TenantReport,
} from "./json-report.js";
import { mergeSeries } from "./merge-series.js";
import type { ShardReport } from "./shard-set.js";

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const sum = <T>(items: readonly T[], of: (item: T) => number) =>
  items.reduce((n, item) => n + of(item), 0);
const perRequest = (attempts: number, requests: number) =>
  requests === 0 ? null : round(attempts / requests, 4);

/** Adds counts by key (a ledger's reasons, a route's statuses). */
function addCounts(records: readonly Record<string, number>[]): Record<string, number> {
  const out = new Map<string, number>();
  for (const r of records)
    for (const [k, v] of Object.entries(r)) out.set(k, (out.get(k) ?? 0) + v);
  return Object.fromEntries(out);
}

function sortedCounts(
  records: readonly Record<string, number>[],
  order: (a: string, b: string) => number,
): Record<string, number> {
  return Object.fromEntries(Object.entries(addCounts(records)).sort(([a], [b]) => order(a, b)));
}

/**
 * The Summary of the union: the shards' histograms added, then read; the same counts
 * as the unsharded run's histogram, so the same percentiles. Only the max is exact in a
 * live histogram and a bucket's top once serialised: the largest of the shards' is the union's.
 */
function summaryOf(encoded: readonly (string | undefined)[], shards: readonly Summary[]): Summary {
  const h = new MsHistogram();
  for (const e of encoded) if (e) h.addEncoded(e);
  const summary = h.summary();
  const maxes = shards.flatMap((s) => (s.max === null ? [] : [s.max]));
  if (maxes.length > 0) summary.max = Math.max(...maxes);
  return summary;
}

function mergeBurn(parts: readonly BurnReport[]): BurnReport {
  return {
    tokens: {
      prompt: sum(parts, (p) => p.tokens.prompt),
      completion: sum(parts, (p) => p.tokens.completion),
    },
    spendUsd: round(
      sum(parts, (p) => p.spendUsd),
      6,
    ),
    wastedSpendUsd: round(
      sum(parts, (p) => p.wastedSpendUsd),
      6,
    ),
  };
}

function mergeLedger(ledgers: readonly LedgerTotals[]): LedgerTotals {
  return {
    generated: sum(ledgers, (l) => l.generated),
    ok: sum(ledgers, (l) => l.ok),
    failed: sortedCounts(
      ledgers.map((l) => l.failed),
      (a, b) => a.localeCompare(b),
    ),
    shed: sortedCounts(
      ledgers.map((l) => l.shed),
      (a, b) => a.localeCompare(b),
    ),
    deadline: sum(ledgers, (l) => l.deadline),
    // Each shard's books balance on their own: every request is in exactly one shard.
    balanced: ledgers.every((l) => l.balanced),
  };
}

/** The names in the order the first report has them, then any the others add. */
function namesOf<T>(records: readonly Record<string, T>[]): string[] {
  return [...new Set(records.flatMap((r) => Object.keys(r)))];
}

function mergeLanes(shards: readonly ShardReport[], series: JsonReport["series"]) {
  const sim = shards[0]!.report.mode === "sim";
  const lanes: Record<string, LaneReport> = {};
  for (const name of namesOf(shards.map((s) => s.report.lanes))) {
    const parts = shards.flatMap((s) => (s.report.lanes[name] ? [s.report.lanes[name]] : []));
    const hist = shards.map((s) => s.report.histograms.lanes[name]);
    const requests = sum(parts, (p) => p.requests);
    const attempts = sum(parts, (p) => p.attempts);
    // Queue depth: in sim, the whole world's, the same in every shard; in live, of the merged series.
    const depths = series.map((row) => row.lanes[name]?.queue ?? 0);
    lanes[name] = {
      requests,
      ok: sum(parts, (p) => p.ok),
      attempts,
      attemptsPerRequest: perRequest(attempts, requests),
      clientRetries: sum(parts, (p) => p.clientRetries),
      latencyMs: summaryOf(
        hist.map((h) => h?.latencyMs),
        parts.map((p) => p.latencyMs),
      ),
      ttftMs: summaryOf(
        hist.map((h) => h?.ttftMs),
        parts.map((p) => p.ttftMs),
      ),
      queueAgeMs: summaryOf(
        hist.map((h) => h?.queueAgeMs),
        parts.map((p) => p.queueAgeMs),
      ),
      queue:
        sim && parts[0]
          ? { ...parts[0].queue }
          : { max: depths.reduce((m, d) => Math.max(m, d), 0), end: depths.at(-1) ?? 0 },
      ...mergeBurn(parts),
    };
  }
  return lanes;
}

function mergeTenants(shards: readonly ShardReport[]): Record<string, TenantReport> {
  const tenants: Record<string, TenantReport> = {};
  const names = namesOf(shards.map((s) => s.report.tenants)).sort((a, b) => a.localeCompare(b));
  for (const name of names) {
    const parts = shards.flatMap((s) => (s.report.tenants[name] ? [s.report.tenants[name]] : []));
    tenants[name] = {
      requests: sum(parts, (p) => p.requests),
      ok: sum(parts, (p) => p.ok),
      latencyMs: summaryOf(
        shards.map((s) => s.report.histograms.tenants[name]?.latencyMs),
        parts.map((p) => p.latencyMs),
      ),
      ...mergeBurn(parts),
    };
  }
  return tenants;
}

/** Live shards' vendors were cut to 1/n each: the merged limits are what the shards held together. */
const NUMERIC_LIMITS = ["rpm", "tpm", "inputTpm", "outputTpm", "concurrent", "rpd"] as const;

function mergeRoutes(shards: readonly ShardReport[]): RouteReport[] {
  const first = shards[0]!.report;
  const cut = first.mode === "live" && first.gateway === null;
  const byId = new Map<string, RouteReport[]>();
  for (const { report } of shards)
    for (const r of report.routes) {
      const id = `${r.vendor}/${r.model}`;
      byId.set(id, [...(byId.get(id) ?? []), r]);
    }
  const routes: RouteReport[] = [...byId.values()].map((parts) => {
    const limits = { ...parts[0]!.limits };
    if (cut)
      for (const key of NUMERIC_LIMITS)
        if (limits[key] !== undefined) limits[key] = sum(parts, (p) => p.limits[key] ?? 0);
    return {
      vendor: parts[0]!.vendor,
      model: parts[0]!.model,
      attempts: sum(parts, (p) => p.attempts),
      status: sortedCounts(
        parts.map((p) => p.status),
        (a, b) => Number(a) - Number(b),
      ),
      errors: sortedCounts(
        parts.map((p) => p.errors),
        (a, b) => a.localeCompare(b),
      ),
      served: sum(parts, (p) => p.served),
      ...mergeBurn(parts),
      share: 0,
      limits,
    };
  });
  // As the run reckons it: vendors' rows share what the vendors served, gateway rows the gateway's.
  const isVendor = (r: RouteReport) => r.vendor !== GATEWAY_VENDOR;
  const vendorTotal = sum(routes.filter(isVendor), (r) => r.served);
  const gatewayTotal = sum(
    routes.filter((r) => !isVendor(r)),
    (r) => r.served,
  );
  for (const r of routes) {
    const total = isVendor(r) ? vendorTotal : gatewayTotal;
    r.share = total === 0 ? 0 : round(r.served / total, 4);
  }
  return routes;
}

/** Live: per fault, the worst shard's timing (null, never reached, is worst); wasted attempts add up. */
function mergeFaults(shards: readonly ShardReport[]): FaultReport[] {
  const first = shards[0]!.report;
  if (first.mode === "sim") return first.faults;
  const worst = (values: (number | null)[]) =>
    values.some((v) => v === null) ? null : Math.max(...(values as number[]));
  return first.faults.map((fault, i) => {
    const parts = shards.map((s) => s.report.faults[i] ?? fault);
    const wasted = parts.flatMap((p) => (p.wastedAttempts === null ? [] : [p.wastedAttempts]));
    return {
      ...fault,
      detectMs: worst(parts.map((p) => p.detectMs)),
      stopSendsMs: worst(parts.map((p) => p.stopSendsMs)),
      rerouteMs: worst(parts.map((p) => p.rerouteMs)),
      recoveryMs: worst(parts.map((p) => p.recoveryMs)),
      wastedAttempts: wasted.length === 0 ? null : sum(wasted, (w) => w),
    };
  });
}

/** Live: per finding, the first failing shard's verdict (named), else the first shard's. */
function mergeFindings(shards: readonly ShardReport[]): JsonReport["findings"] {
  const first = shards[0]!.report;
  if (first.mode === "sim") return first.findings;
  return first.findings.map((finding) => {
    for (const { report } of shards) {
      const f = report.findings.find((g) => g.id === finding.id);
      if (f && !f.ok) return { ...f, summary: `shard ${report.shard.index}: ${f.summary}` };
    }
    return finding;
  });
}

const MAX_EVENTS = 5000;

/** Live: each shard had its own router; counts add up, events interleave by time. */
function mergeRouter(shards: readonly ShardReport[]): RouterSummary {
  const first = shards[0]!.report.router;
  if (shards[0]!.report.mode === "sim") return first;
  const merged: Record<string, unknown> = { ...first };
  for (const [key, value] of Object.entries(first))
    if (typeof value === "number")
      merged[key] = sum(
        shards,
        (s) => (s.report.router as unknown as Record<string, number>)[key] ?? 0,
      );
  const events = shards.flatMap((s) => s.report.router.events).sort((a, b) => a.t - b.t);
  return {
    ...(merged as unknown as RouterSummary),
    openings: addCounts(shards.map((s) => s.report.router.openings)),
    events: events.slice(0, MAX_EVENTS),
    eventsDropped:
      sum(shards, (s) => s.report.router.eventsDropped) + Math.max(0, events.length - MAX_EVENTS),
  };
}

/**
 * The router nodes (P20): in sim the world's, the same in every shard, taken once; in
 * live each shard ran nodes of its own, so their counts add up, their outages are all
 * listed, and each node is named with its shard ("2/node-1").
 */
function mergeStore(shards: readonly ShardReport[]): JsonReport["store"] {
  const first = shards[0]!.report;
  if (first.store === null || first.mode === "sim") return first.store;
  const stores = shards.flatMap((s) =>
    s.report.store ? [{ shard: s, store: s.report.store }] : [],
  );
  return {
    ...first.store,
    nodes: sum(stores, (x) => x.store.nodes),
    published: sum(stores, (x) => x.store.published),
    heard: sum(stores, (x) => x.store.heard),
    failed: sum(stores, (x) => x.store.failed),
    outages: stores.flatMap((x) => x.store.outages).sort((a, b) => a.fromMs - b.fromMs),
    perNode: stores.flatMap((x) =>
      x.store.perNode.map((n) => ({ ...n, node: `${x.shard.report.shard.index}/${n.node}` })),
    ),
  };
}

/** The harness: each delay from the shard where it was worst (p99); trusted only if every shard was. */
function mergeHarness(shards: readonly ShardReport[]): JsonReport["harness"] {
  const worst = (of: (r: JsonReport) => Summary) =>
    shards.map((s) => of(s.report)).reduce((a, b) => ((b.p99 ?? -1) > (a.p99 ?? -1) ? b : a));
  return {
    eventLoopDelayMs: worst((r) => r.harness.eventLoopDelayMs),
    sendLagMs: worst((r) => r.harness.sendLagMs),
    trusted: shards.every((s) => s.report.harness.trusted),
  };
}

/**
 * One report from the reports of a run's shards (checked by checkShardSet): the ledger,
 * lanes, tenants and routes add up; every Summary is read from the shards' histograms
 * added together, so its percentiles are those of the union; the series is merged
 * second by second. In sim the world-wide parts (faults, findings, router) are the same
 * in every shard and taken once; in live each is the worst shard's, or the sum. The
 * thresholds are left for the caller to evaluate on the result.
 */
export function mergeReports(shards: readonly ShardReport[]): JsonReport {
  const reports = shards.map((s) => s.report);
  const first = reports[0]!;
  const series = mergeSeries(shards);
  const lanes = mergeLanes(shards, series);
  const laneList = Object.values(lanes);
  const requests = sum(laneList, (l) => l.requests);
  const attempts = sum(laneList, (l) => l.attempts);
  const gateways = reports.flatMap((r) => (r.gateway ? [r.gateway] : []));
  return {
    version: first.version,
    tool: "gw-chaos",
    toolVersion: first.toolVersion,
    scenario: first.scenario,
    description: first.description,
    mode: first.mode,
    seed: first.seed,
    speed: first.speed,
    durationMs: first.durationMs,
    endedMs: Math.max(...reports.map((r) => r.endedMs)),
    partial: reports.some((r) => r.partial),
    ledger: mergeLedger(reports.map((r) => r.ledger)),
    lanes,
    tenants: mergeTenants(shards),
    routes: mergeRoutes(shards),
    totals: {
      requests,
      attempts,
      attemptsPerRequest: perRequest(attempts, requests),
      ...mergeBurn(laneList),
    },
    faults: mergeFaults(shards),
    thresholds: [],
    series,
    findings: mergeFindings(shards),
    gateway:
      gateways[0] === undefined
        ? null
        : {
            ...gateways[0],
            attemptsLogged: sum(gateways, (g) => g.attemptsLogged),
            attemptsDropped: sum(gateways, (g) => g.attemptsDropped),
          },
    store: mergeStore(shards),
    router: mergeRouter(shards),
    harness: mergeHarness(shards),
    shard: null,
    shards: { count: first.shard.count, merged: reports.map((r) => r.shard.index) },
  };
}
