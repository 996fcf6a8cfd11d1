import type { JsonReport } from "./json-report.js";

export type Finding = JsonReport["findings"][number];

/**
 * A finding's verdict as people read it. "none": the run gave the check nothing to
 * judge (value null), e.g. no 429 ever came, so no send could ignore one; shown
 * apart from a pass so a drill that never tested a rule does not look like it held.
 */
export type FindingVerdict = "fail" | "ok" | "none";

export const findingVerdict = (f: Pick<Finding, "ok" | "value">): FindingVerdict =>
  !f.ok ? "fail" : f.value === null ? "none" : "ok";

/** What a finding's value measures, by id; an id not listed reads as a plain number. */
type Unit = "ms" | "share" | "ratio" | "count";
const UNITS: Record<string, Unit> = {
  // Upstream attempts per client request, across the client's and the gateway's retries.
  retryAmplification: "ratio",
  sendsAfter429: "count",
  // Shares: of retry gaps without jitter, of traffic moved at once, of capacity one tenant took.
  retryJitter: "share",
  stepShift: "share",
  tenantIsolation: "share",
  retryAfterEdge: "count",
  cutStream: "count",
  // How long a request was held on a silent upstream, in ms.
  silentUpstream: "ms",
};

/** A finding's value in its unit: "12.3 s", "40.0%", "3.20×", "37"; null as "–". */
export function formatFindingValue(f: Pick<Finding, "id" | "value">): string {
  const v = f.value;
  if (v === null) return "–";
  switch (UNITS[f.id]) {
    case "ms":
      return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
    case "share":
      return `${(v * 100).toFixed(1)}%`;
    case "ratio":
      return `${v.toFixed(2)}×`;
    case "count":
      return Math.round(v).toLocaleString("en-US");
    default:
      return Number.isInteger(v) ? v.toLocaleString("en-US") : String(Number(v.toFixed(3)));
  }
}

const ORDER: Record<FindingVerdict, number> = { fail: 0, ok: 1, none: 2 };

/** Failed findings first, then those that held, then those with nothing to judge; stable within. */
export function findingsInOrder(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => ORDER[findingVerdict(x.f)] - ORDER[findingVerdict(y.f)] || x.i - y.i)
    .map(({ f }) => f);
}
