import { holds, parseThreshold, type Threshold, thresholdValue } from "../metrics/thresholds.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { trafficTenants } from "../traffic/tenants.js";
import { InputError } from "../scenario/problems.js";
import type { JsonReport, ThresholdResult } from "./json-report.js";

/**
 * The thresholds of a run: the scenario's own, then those added with --threshold.
 * All are checked before the run starts, so a typo costs no run.
 */
export function collectThresholds(
  scenario: ResolvedScenario,
  extra: readonly string[],
): Threshold[] {
  const scopes = {
    lanes: scenario.router.lanes.map((l) => l.name),
    vendors: scenario.vendors.map((v) => v.name),
    tenants: trafficTenants(scenario.traffic),
  };
  const problems: string[] = [];
  const thresholds: Threshold[] = [];
  const take = (expr: string, where: string) => {
    const parsed = parseThreshold(expr, scopes);
    if (typeof parsed === "string")
      problems.push(`${where}: ${parsed} (got ${JSON.stringify(expr)})`);
    else thresholds.push(parsed);
  };
  for (const [i, expr] of scenario.thresholds.entries())
    take(expr, `${scenario.file}: thresholds.${i}`);
  for (const expr of extra) take(expr, "--threshold");
  if (problems.length > 0) throw new InputError(problems);
  return thresholds;
}

export function evaluateThresholds(
  thresholds: readonly Threshold[],
  report: JsonReport,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const value = thresholdValue(t, report);
    const rounded = value === null ? null : Math.round(value * 1e6) / 1e6;
    return { expr: t.expr, value: rounded, ok: holds(value, t.op, t.limit) };
  });
}
