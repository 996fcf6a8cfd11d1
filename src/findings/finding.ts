import type { SeriesRow } from "../metrics/recorder.js";
import type { ClientTryRecord } from "./findings-sink.js";
import type { VendorOutcome } from "./vendor-attempt.js";

/** One verdict on the router or gateway under test, citing the playbook rule it checks. */
export interface Finding {
  /** camelCase: users write thresholds with it (`findings.retryAmplification<=3`). */
  id: string;
  /** The playbook rule, e.g. "P14"; "stream" for the cut-stream check, which no rule numbers. */
  rule: string;
  ok: boolean;
  /** null when there was nothing to judge (ok is then true and the summary says why). */
  value: number | null;
  summary: string;
}

/** Every finding's id, in report order; a threshold may name any of them (`findings.<id>`). */
export const FINDING_IDS = [
  "retryAmplification",
  "sendsAfter429",
  "retryJitter",
  "retryAfterEdge",
  "cutStream",
  "silentUpstream",
  "stepShift",
  "tenantIsolation",
] as const;

export interface FindingsContext {
  lanes: { name: string; waitBudgetMs: number; timeoutMs: number; deadlineMs: number }[];
  /** Fault windows of the scenario, scenario ms, per vendor (and model when given). */
  faults: { vendor: string; model?: string; kind: string; startMs: number; endMs: number }[];
  /**
   * Scenario ms per wall ms (live mode's --speed; 1 in sim mode). The few tolerances
   * that stand for the harness's own timing noise (a send already on its way, an
   * immediate resend) are wall-clock milliseconds, so they stretch with it.
   */
  speed?: number;
}

/** Who an attempt is for and where it goes (its start time comes beside it). */
export interface AttemptStart {
  requestId: number | undefined;
  clientTry: number | undefined;
  vendor: string;
  model: string;
}

/** How a client try ended, as the client (the harness) saw it. */
export type ClientTryResult = ClientTryRecord;

export interface FindingsInput {
  series: readonly SeriesRow[];
  tenants: Readonly<Record<string, { requests: number; ok: number }>>;
}

export const routeKey = (vendor: string, model: string): string => `${vendor}/${model}`;

/** A vendor-side end that cut an answer the vendor had started (a 200 then no end). */
export const isCut = (outcome: VendorOutcome): boolean =>
  outcome === "reset" || outcome === "stream-cut";

/** "1,234" for counts in summaries. */
export const count = (n: number): string => n.toLocaleString("en-US");

/** Milliseconds as a user reads them: "850 ms", "12.5 s". */
export function ms(value: number): string {
  if (Math.abs(value) < 1000) return `${Math.round(value)} ms`;
  return `${Number((value / 1000).toFixed(value < 10_000 ? 2 : 1))} s`;
}

/** A value rounded for the report (6 significant decimals at most). */
export const rounded = (value: number): number => Math.round(value * 1e6) / 1e6;
