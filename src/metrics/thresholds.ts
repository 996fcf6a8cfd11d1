import { FINDING_IDS } from "../findings/finding.js";
import type { BurnReport, JsonReport } from "../report/json-report.js";
import type { Summary } from "./histogram.js";

/**
 * Threshold expressions (CONTRACT.md):
 *
 *   <scope>.<metric>.<stat> <op> <number>
 *   scope  = a lane, a tenant, a vendor, or "all"
 *   op     = < | <= | > | >= | ==
 *
 * lane or all:  latency|ttft|queueAge . count|min|mean|p50|p90|p95|p99|max
 *               requests.count   ok.count   ok.rate (answered / generated)
 *               attempts.count|perRequest   tokens.prompt|completion
 *               spend.usd|wastedUsd   queue.max|end (requests waiting)
 * all only:     ledger . generated|ok|failed|shed|deadline|balanced (1 or 0)
 * tenant:       latency.<stat>   requests.count   ok.count|rate
 *               tokens.prompt|completion   spend.usd|wastedUsd
 * vendor:       errors.<category>   status.<code>   attempts.count
 *               tokens.prompt|completion   spend.usd|wastedUsd   share.served
 *
 *   findings.<id>[.value|.ok] <op> <number>
 *
 * reads the report's finding of that id: its value (the default; null when it had
 * nothing to judge, which fails like any null), or ok as 1 or 0.
 *
 * An unknown scope, metric or stat is an error, never silently true.
 */
export type Op = "<" | "<=" | ">" | ">=" | "==";

export interface Threshold {
  expr: string;
  scope: string;
  metric: string;
  stat: string;
  op: Op;
  limit: number;
}

const SUMMARY_STATS = ["count", "min", "mean", "p50", "p90", "p95", "p99", "max"];
const BURN_METRICS: Record<string, string[]> = {
  tokens: ["prompt", "completion"],
  spend: ["usd", "wastedUsd"],
};
const LANE_METRICS: Record<string, string[]> = {
  latency: SUMMARY_STATS,
  ttft: SUMMARY_STATS,
  queueAge: SUMMARY_STATS,
  requests: ["count"],
  ok: ["count", "rate"],
  attempts: ["count", "perRequest"],
  queue: ["max", "end"],
  ...BURN_METRICS,
};
const TENANT_METRICS: Record<string, string[]> = {
  latency: SUMMARY_STATS,
  requests: ["count"],
  ok: ["count", "rate"],
  ...BURN_METRICS,
};
const LEDGER_STATS = ["generated", "ok", "failed", "shed", "deadline", "balanced"];
const ERROR_CATEGORIES = [
  "throttled",
  "quota",
  "overloaded",
  "server-error",
  "timeout",
  "connection",
  "stream-error",
  "bad-request",
  "abandoned",
];
const VENDOR_METRICS: Record<string, string[] | RegExp> = {
  errors: ERROR_CATEGORIES,
  status: /^[1-5]\d\d$/,
  attempts: ["count"],
  ...BURN_METRICS,
  share: ["served"],
};

const FINDINGS_PATTERN =
  /^\s*findings\.([A-Za-z0-9_-]*)(?:\.([A-Za-z0-9_-]*))?\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
const FINDING_STATS = ["value", "ok"];

const PATTERN =
  /^\s*([A-Za-z0-9_-]+)\.([A-Za-z]+)\.([A-Za-z0-9_-]+)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export interface ThresholdScopes {
  lanes: readonly string[];
  vendors: readonly string[];
  tenants?: readonly string[];
}

/** Parses and checks one expression; returns the threshold or a message saying what is wrong. */
export function parseThreshold(expr: string, scopes: ThresholdScopes): Threshold | string {
  const f = FINDINGS_PATTERN.exec(expr);
  if (f) return parseFindingThreshold(expr, f);
  const m = PATTERN.exec(expr);
  if (!m)
    return 'expected <lane|tenant|vendor|all>.<metric>.<stat> <op> <number>, e.g. "interactive.latency.p95<2500", or findings.<id> <op> <number>';
  const [, scope, metric, stat, op, limit] = m as unknown as [
    string,
    string,
    string,
    string,
    Op,
    string,
  ];
  const threshold: Threshold = { expr: expr.trim(), scope, metric, stat, op, limit: Number(limit) };
  const known = (choices: string[] | RegExp | undefined, value: string, what: string) => {
    if (choices === undefined) return `unknown metric "${value}"`;
    if (choices instanceof RegExp ? choices.test(value) : choices.includes(value)) return undefined;
    return choices instanceof RegExp
      ? `unknown ${what} "${value}"`
      : `unknown ${what} "${value}" (expected one of: ${choices.join(", ")})`;
  };
  let problem: string | undefined;
  if (scope === "all" && metric === "ledger") {
    problem = known(LEDGER_STATS, stat, "ledger field");
  } else if (scope === "all" || scopes.lanes.includes(scope)) {
    problem = LANE_METRICS[metric]
      ? known(LANE_METRICS[metric], stat, "stat")
      : `unknown metric "${metric}" for ${scope === "all" ? "all" : `lane "${scope}"`} (expected one of: ${Object.keys(LANE_METRICS).join(", ")}${scope === "all" ? ", ledger" : ""})`;
  } else if (scopes.tenants?.includes(scope)) {
    problem = TENANT_METRICS[metric]
      ? known(TENANT_METRICS[metric], stat, "stat")
      : `unknown metric "${metric}" for tenant "${scope}" (expected one of: ${Object.keys(TENANT_METRICS).join(", ")})`;
  } else if (scopes.vendors.includes(scope)) {
    problem = VENDOR_METRICS[metric]
      ? known(VENDOR_METRICS[metric], stat, metric === "errors" ? "error category" : "stat")
      : `unknown metric "${metric}" for vendor "${scope}" (expected one of: ${Object.keys(VENDOR_METRICS).join(", ")})`;
  } else {
    const tenants = scopes.tenants?.length ? `, a tenant: ${scopes.tenants.join(", ")}` : "";
    problem = `unknown scope "${scope}" (expected "all", a lane: ${scopes.lanes.join(", ")}${tenants}, or a vendor: ${scopes.vendors.join(", ")})`;
  }
  return problem ?? threshold;
}

/** `findings.<id>` or `findings.<id>.value|ok`: the id must be a finding's. */
function parseFindingThreshold(expr: string, m: RegExpExecArray): Threshold | string {
  const [, id, stat = "value", op, limit] = m as unknown as [
    string,
    string,
    string | undefined,
    Op,
    string,
  ];
  if (!(FINDING_IDS as readonly string[]).includes(id))
    return `unknown finding "${id}" (expected one of: ${FINDING_IDS.join(", ")})`;
  if (!FINDING_STATS.includes(stat))
    return `unknown field "${stat}" of finding "${id}" (expected one of: ${FINDING_STATS.join(", ")})`;
  return { expr: expr.trim(), scope: "findings", metric: id, stat, op, limit: Number(limit) };
}

/** The value a threshold reads from a report; null when there is nothing to read (no samples). */
export function thresholdValue(t: Threshold, report: JsonReport): number | null {
  if (t.scope === "findings") {
    const finding = report.findings.find((f) => f.id === t.metric);
    if (!finding) return null;
    return t.stat === "ok" ? (finding.ok ? 1 : 0) : finding.value;
  }
  if (t.scope === "all" && t.metric === "ledger") {
    const l = report.ledger;
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    const values: Record<string, number> = {
      generated: l.generated,
      ok: l.ok,
      failed: total(l.failed),
      shed: total(l.shed),
      deadline: l.deadline,
      balanced: l.balanced ? 1 : 0,
    };
    return values[t.stat] ?? null;
  }
  const burnValue = (b: BurnReport) =>
    t.metric === "tokens"
      ? t.stat === "prompt"
        ? b.tokens.prompt
        : b.tokens.completion
      : t.stat === "usd"
        ? b.spendUsd
        : b.wastedSpendUsd;
  const lane = t.scope === "all" ? undefined : report.lanes[t.scope];
  if (t.scope === "all" || lane) {
    const lanes = lane ? [lane] : Object.values(report.lanes);
    const requests = lanes.reduce((n, l) => n + l.requests, 0);
    const ok = lanes.reduce((n, l) => n + l.ok, 0);
    if (t.metric === "requests") return requests;
    if (t.metric === "ok") return t.stat === "count" ? ok : requests === 0 ? null : ok / requests;
    if (t.metric === "tokens" || t.metric === "spend")
      return lane ? burnValue(lane) : burnValue(report.totals);
    if (t.metric === "attempts") {
      const attempts = lanes.reduce((n, l) => n + l.attempts, 0);
      return t.stat === "count" ? attempts : requests === 0 ? null : attempts / requests;
    }
    if (t.metric === "queue") {
      const values = lanes.map((l) => (t.stat === "max" ? l.queue.max : l.queue.end));
      return values.reduce((a, b) => (t.stat === "max" ? Math.max(a, b) : a + b), 0);
    }
    const key =
      t.metric === "latency" ? "latencyMs" : t.metric === "ttft" ? "ttftMs" : "queueAgeMs";
    if (lanes.length !== 1)
      return allLanesStat(
        lanes.map((l) => l[key]),
        t.stat,
      );
    return summaryStat(lanes[0]![key], t.stat);
  }
  const tenant = report.tenants[t.scope];
  if (tenant) {
    if (t.metric === "requests") return tenant.requests;
    if (t.metric === "ok")
      return t.stat === "count"
        ? tenant.ok
        : tenant.requests === 0
          ? null
          : tenant.ok / tenant.requests;
    if (t.metric === "latency") return summaryStat(tenant.latencyMs, t.stat);
    return burnValue(tenant);
  }
  const routes = report.routes.filter((r) => r.vendor === t.scope);
  const sum = (f: (r: (typeof routes)[number]) => number) => routes.reduce((n, r) => n + f(r), 0);
  switch (t.metric) {
    case "errors":
      return sum((r) => r.errors[t.stat] ?? 0);
    case "status":
      return sum((r) => r.status[t.stat] ?? 0);
    case "attempts":
      return sum((r) => r.attempts);
    case "tokens":
    case "spend":
      return sum(burnValue);
    case "share":
      return sum((r) => r.share);
  }
  return null;
}

function summaryStat(summary: Summary, stat: string): number | null {
  if (summary.count === 0 && stat !== "count") return null;
  return summary[stat as keyof Summary];
}

/**
 * "all" over several lanes: counts add up, min and max are exact, the mean is
 * weighted; a percentile across lanes is the worst lane's (a conservative bound).
 */
function allLanesStat(summaries: Summary[], stat: string): number | null {
  const withData = summaries.filter((s) => s.count > 0);
  const count = withData.reduce((n, s) => n + s.count, 0);
  if (stat === "count") return count;
  if (count === 0) return null;
  if (stat === "min") return Math.min(...withData.map((s) => s.min ?? 0));
  if (stat === "mean") return withData.reduce((n, s) => n + (s.mean ?? 0) * s.count, 0) / count;
  return Math.max(...withData.map((s) => s[stat as keyof Summary] ?? 0));
}

export function holds(value: number | null, op: Op, limit: number): boolean {
  if (value === null) return false;
  switch (op) {
    case "<":
      return value < limit;
    case "<=":
      return value <= limit;
    case ">":
      return value > limit;
    case ">=":
      return value >= limit;
    case "==":
      return value === limit;
  }
}
