import type { Summary } from "../metrics/histogram.js";
import type { JsonReport } from "./json-report.js";

/** One figure of both runs, and how b differs from a (null where either has none). */
export interface Delta {
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface ThresholdFlip {
  expr: string;
  a: boolean | null;
  b: boolean | null;
  /** "broke": held in a, fails in b; "fixed": the other way; null: no change. */
  flip: "broke" | "fixed" | null;
}

/** One finding of both runs, matched by id (null on the side whose report has none). */
export interface FindingPair {
  id: string;
  rule: string;
  a: { ok: boolean; value: number | null } | null;
  b: { ok: boolean; value: number | null } | null;
  /** "broke": held in a, fails in b; "fixed": the other way; null: no change. */
  flip: "broke" | "fixed" | null;
}

/** Two reports side by side: what users and CI read when comparing two configs. */
export interface Comparison {
  a: { scenario: string; mode: string; seed: number; rulesOff: string[]; gateway?: string };
  b: { scenario: string; mode: string; seed: number; rulesOff: string[]; gateway?: string };
  /** Same scenario, mode and seed: the two runs faced the same storm. */
  sameStorm: boolean;
  lanes: Record<string, Record<string, Delta>>;
  routes: Record<string, Record<string, Delta>>;
  totals: Record<string, Delta>;
  ledger: Record<string, Delta>;
  thresholds: ThresholdFlip[];
  /** The verdicts of both runs by playbook rule: e.g. a gateway against the embedded router. */
  findings: FindingPair[];
}

const delta = (a: number | null | undefined, b: number | null | undefined): Delta => {
  const x = a ?? null;
  const y = b ?? null;
  return { a: x, b: y, delta: x === null || y === null ? null : round(y - x) };
};
const round = (v: number) => Math.round(v * 1e6) / 1e6;
const sum = (r: Record<string, number>) => Object.values(r).reduce((n, v) => n + v, 0);
const rate = (ok: number, requests: number) => (requests === 0 ? null : ok / requests);
const p = (s: Summary | undefined, stat: keyof Summary) => (s ? s[stat] : null);

/** Compares report b against report a, figure by figure. */
export function compareReports(a: JsonReport, b: JsonReport): Comparison {
  const lanes: Comparison["lanes"] = {};
  for (const name of union(Object.keys(a.lanes), Object.keys(b.lanes))) {
    const x = a.lanes[name];
    const y = b.lanes[name];
    lanes[name] = {
      requests: delta(x?.requests, y?.requests),
      okRate: delta(x && rate(x.ok, x.requests), y && rate(y.ok, y.requests)),
      latencyP50: delta(p(x?.latencyMs, "p50"), p(y?.latencyMs, "p50")),
      latencyP95: delta(p(x?.latencyMs, "p95"), p(y?.latencyMs, "p95")),
      latencyP99: delta(p(x?.latencyMs, "p99"), p(y?.latencyMs, "p99")),
      ttftP95: delta(p(x?.ttftMs, "p95"), p(y?.ttftMs, "p95")),
      queueAgeP95: delta(p(x?.queueAgeMs, "p95"), p(y?.queueAgeMs, "p95")),
      attemptsPerRequest: delta(x?.attemptsPerRequest, y?.attemptsPerRequest),
    };
  }
  const routeKey = (r: JsonReport["routes"][number]) => `${r.vendor}/${r.model}`;
  const routes: Comparison["routes"] = {};
  for (const name of union(a.routes.map(routeKey), b.routes.map(routeKey))) {
    const x = a.routes.find((r) => routeKey(r) === name);
    const y = b.routes.find((r) => routeKey(r) === name);
    routes[name] = {
      attempts: delta(x?.attempts, y?.attempts),
      throttled: delta(x?.status["429"] ?? (x ? 0 : null), y?.status["429"] ?? (y ? 0 : null)),
      errors: delta(x && sum(x.errors), y && sum(y.errors)),
      share: delta(x?.share, y?.share),
      spendUsd: delta(x?.spendUsd, y?.spendUsd),
    };
  }
  const totals: Comparison["totals"] = {
    attemptsPerRequest: delta(a.totals.attemptsPerRequest, b.totals.attemptsPerRequest),
    spendUsd: delta(a.totals.spendUsd, b.totals.spendUsd),
    wastedSpendUsd: delta(a.totals.wastedSpendUsd, b.totals.wastedSpendUsd),
    retries: delta(a.router.retries, b.router.retries),
  };
  const ledger: Comparison["ledger"] = {
    generated: delta(a.ledger.generated, b.ledger.generated),
    ok: delta(a.ledger.ok, b.ledger.ok),
    failed: delta(sum(a.ledger.failed), sum(b.ledger.failed)),
    shed: delta(sum(a.ledger.shed), sum(b.ledger.shed)),
    deadline: delta(a.ledger.deadline, b.ledger.deadline),
  };
  const thresholds = union(
    a.thresholds.map((t) => t.expr),
    b.thresholds.map((t) => t.expr),
  ).map((expr): ThresholdFlip => {
    const x = a.thresholds.find((t) => t.expr === expr)?.ok ?? null;
    const y = b.thresholds.find((t) => t.expr === expr)?.ok ?? null;
    const flip = x === true && y === false ? "broke" : x === false && y === true ? "fixed" : null;
    return { expr, a: x, b: y, flip };
  });
  // Reports written before findings existed have none: their side reads as absent.
  const aFindings = a.findings ?? [];
  const bFindings = b.findings ?? [];
  const findings = union(
    aFindings.map((f) => f.id),
    bFindings.map((f) => f.id),
  ).map((id): FindingPair => {
    const x = aFindings.find((f) => f.id === id);
    const y = bFindings.find((f) => f.id === id);
    const flip =
      x?.ok === true && y?.ok === false
        ? "broke"
        : x?.ok === false && y?.ok === true
          ? "fixed"
          : null;
    return {
      id,
      rule: (x ?? y)!.rule,
      a: x ? { ok: x.ok, value: x.value } : null,
      b: y ? { ok: y.ok, value: y.value } : null,
      flip,
    };
  });
  const side = (r: JsonReport) => ({
    scenario: r.scenario,
    mode: r.mode,
    seed: r.seed,
    rulesOff: r.router?.rulesOff ?? [],
    ...(r.gateway ? { gateway: `${r.gateway.kind} ${r.gateway.url}` } : {}),
  });
  return {
    a: side(a),
    b: side(b),
    sameStorm: a.scenario === b.scenario && a.mode === b.mode && a.seed === b.seed,
    lanes,
    routes,
    totals,
    ledger,
    thresholds,
    findings,
  };
}

function union(xs: readonly string[], ys: readonly string[]): string[] {
  return [...new Set([...xs, ...ys])];
}
