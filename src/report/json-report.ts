import type { Summary } from "../metrics/histogram.js";
import type { LedgerTotals } from "../metrics/ledger.js";
import type { SeriesRow } from "../metrics/recorder.js";
import type { RouterSummary } from "../router/router.js";
import type { HarnessHealth } from "../run/harness-health.js";
import type { RunResult } from "../run/run-scenario.js";

/** Bumped only on a breaking change of the report's shape (CONTRACT.md). */
export const REPORT_VERSION = 1;

export interface LaneReport {
  requests: number;
  ok: number;
  latencyMs: Summary;
  ttftMs: Summary;
  queueAgeMs: Summary;
}

export interface RouteReport {
  vendor: string;
  model: string;
  attempts: number;
  status: Record<string, number>;
  errors: Record<string, number>;
  tokens: { prompt: number; completion: number };
  spendUsd: number;
  /** Share of all answered requests that this route answered. */
  share: number;
  limits: { rpm: number; tpm: number };
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
  routes: RouteReport[];
  faults: FaultReport[];
  thresholds: ThresholdResult[];
  series: SeriesRow[];
  findings: { id: string; rule: string; ok: boolean; value: number | null; summary: string }[];
  /** What the embedded router did (absent when a gateway was under test). */
  router: RouterSummary;
  harness: HarnessHealth;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The machine-readable report of a run (thresholds are evaluated on it and added after). */
export function buildJsonReport(result: RunResult, toolVersion: string): JsonReport {
  const { recorder, scenario } = result;
  const lanes: Record<string, LaneReport> = {};
  for (const [name, lane] of recorder.lanes) {
    lanes[name] = {
      requests: lane.requests,
      ok: lane.ok,
      latencyMs: lane.latency.summary(),
      ttftMs: lane.ttft.summary(),
      queueAgeMs: lane.queueAge.summary(),
    };
  }
  let servedTotal = 0;
  for (const route of recorder.routes.values()) servedTotal += route.served;
  const routes: RouteReport[] = [...recorder.routes.values()].map((r) => ({
    vendor: r.info.vendor,
    model: r.info.model,
    attempts: r.attempts,
    status: Object.fromEntries(
      [...r.status.entries()].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v]),
    ),
    errors: Object.fromEntries([...r.errors.entries()].sort(([a], [b]) => a.localeCompare(b))),
    tokens: { prompt: r.promptTokens, completion: r.completionTokens },
    spendUsd: round(
      (r.promptTokens * r.info.price.inputPerMTok +
        r.completionTokens * r.info.price.outputPerMTok) /
        1e6,
      6,
    ),
    share: servedTotal === 0 ? 0 : round(r.served / servedTotal, 4),
    limits: { ...r.info.limits },
  }));
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
    routes,
    // Failover timing against the fault timeline comes with the drills; until then
    // each scheduled fault is listed with its window and null timings.
    faults: scenario.faults.map((f) => ({
      vendor: f.vendor,
      model: f.model ?? null,
      kind: f.kind,
      startMs: f.fromMs,
      endMs: Number.isFinite(f.untilMs) ? f.untilMs : null,
      detectMs: null,
      stopSendsMs: null,
      rerouteMs: null,
      recoveryMs: null,
      wastedAttempts: null,
    })),
    thresholds: [],
    series: recorder.series,
    findings: [],
    router: result.router,
    harness: result.harness,
  };
}
