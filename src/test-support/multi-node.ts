import { buildJsonReport, type JsonReport } from "../report/json-report.js";
import { collectThresholds, evaluateThresholds } from "../report/thresholds-check.js";
import { runScenario } from "../run/run-scenario.js";
import { loadScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";

/** The multi-node drill in sim mode, with `--set` overrides, its thresholds judged. */
export async function multiNodeSim(...sets: string[]): Promise<JsonReport> {
  const scenario = loadScenario("multi-node", {
    cwd: process.cwd(),
    overrides: sets.map(parseOverride),
  });
  const report = buildJsonReport(
    await runScenario(scenario, { mode: "sim", seed: 1, speed: 1 }),
    "test",
  );
  report.thresholds = evaluateThresholds(collectThresholds(scenario, []), report);
  return report;
}

/**
 * Attempts wasted on the throttled vendor after each spell's first 429: the first
 * is what it costs to learn of the spell at all; every later one is a node hitting
 * what another node had already heard, or hitting it again.
 */
export function wastedAfterFirst(report: JsonReport): number {
  return report.faults.reduce((n, f) => n + Math.max(0, (f.wastedAttempts ?? 0) - 1), 0);
}
