import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../findings/findings-tracker.js";
import { buildJsonReport } from "../report/json-report.js";
import { loadScenario, type ResolvedScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";
import { type RunningGateway, startPortkey } from "../test-support/portkey-gateway.js";
import { type RunResult, runScenario } from "./run-scenario.js";

/**
 * A real Portkey gateway (the open-source one, from npm) between the harness and the
 * mocks, on loopback, against the embedded playbook router on the same storm. Short
 * drills at a few times real speed: Portkey's own waits (1, 2, 4 s between retries)
 * are wall time, so a higher speed would stretch them past the users' patience.
 */
let portkey: RunningGateway;

beforeAll(async () => {
  portkey = await startPortkey();
}, 30_000);

afterAll(async () => {
  await portkey?.stop();
});

function drill(name: string, sets: string[]): ResolvedScenario {
  return loadScenario(name, { cwd: process.cwd(), overrides: sets.map(parseOverride) });
}

function finding(result: RunResult, id: string): Finding {
  const found = result.findings.find((f) => f.id === id);
  if (!found) throw new Error(`no finding ${id}`);
  if (process.env.GW_CHAOS_SHOW_FINDINGS) console.log(result.mode, id, found.value, found.summary);
  return found;
}

/** Attempts each mock vendor saw, by route id (the gateway's own rows left out). */
function vendorAttempts(result: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, route] of result.recorder.routes)
    if (route.info.vendor !== "gateway") out[id] = route.attempts;
  return out;
}

const viaPortkey = (scenario: ResolvedScenario, speed: number) =>
  runScenario(scenario, {
    mode: "live",
    seed: 1,
    speed,
    gateway: { url: portkey.url, kind: "portkey" },
  });

const viaPlaybook = (scenario: ResolvedScenario) =>
  runScenario(scenario, { mode: "sim", seed: 1, speed: 1 });

describe("a real Portkey gateway under test (--gateway, --gateway-kind portkey)", () => {
  it("429-storm: Portkey keeps sending to the throttled vendor inside its Retry-After; the playbook does not", async () => {
    // Two minutes, the storm from 30% for a third: 40 s of 429s.
    const scenario = drill("429-storm", ["duration=2m"]);
    const gateway = await viaPortkey(scenario, 8);
    expect(gateway.recorder.ledger.totals().balanced).toBe(true);
    // The mocks saw Portkey's attempts, tagged with the harness's request ids.
    const seen = vendorAttempts(gateway);
    expect(seen["vendor-a/gpt-4o-mini"]).toBeGreaterThan(0);
    const ignored = finding(gateway, "sendsAfter429");
    expect(ignored.rule).toBe("P14");
    expect(ignored.ok, ignored.summary).toBe(false);
    expect(ignored.value, ignored.summary).toBeGreaterThan(20);
    // Its retries wait 1, 2, 4 s every time: no jitter.
    const jitter = finding(gateway, "retryJitter");
    expect(jitter.ok, jitter.summary).toBe(false);

    const playbook = await viaPlaybook(scenario);
    const honoured = finding(playbook, "sendsAfter429");
    expect(honoured.ok, honoured.summary).toBe(true);
    expect(honoured.value, honoured.summary).toBe(0);
    expect(finding(playbook, "retryJitter").ok).toBe(true);
  }, 90_000);

  it("retry-amplification: Portkey's retries stack on the client's; the playbook's retry budget does not", async () => {
    const scenario = drill("retry-amplification", ["duration=2m"]);
    const gateway = await viaPortkey(scenario, 8);
    expect(gateway.recorder.ledger.totals().balanced).toBe(true);
    const stacked = finding(gateway, "retryAmplification");
    expect(stacked.rule).toBe("P18");
    expect(stacked.ok, stacked.summary).toBe(false);
    expect(stacked.value, stacked.summary).toBeGreaterThan(2);

    const playbook = await viaPlaybook(scenario);
    const calm = finding(playbook, "retryAmplification");
    expect(calm.ok, calm.summary).toBe(true);
    expect(calm.value, calm.summary).toBeLessThanOrEqual(2);
  }, 90_000);

  it("lunch-rush runs through Portkey: every request accounted for, the vendors' side in the routes", async () => {
    const scenario = drill("lunch-rush", ["duration=90s"]);
    const gateway = await viaPortkey(scenario, 8);
    const totals = gateway.recorder.ledger.totals();
    expect(totals.balanced).toBe(true);
    expect(totals.ok).toBeGreaterThan(0);
    expect(gateway.gateway).toMatchObject({
      url: portkey.url,
      kind: "portkey",
      attemptsDropped: 0,
    });
    expect(gateway.gateway!.attemptsLogged).toBeGreaterThanOrEqual(totals.ok);
    // Portkey falls back in the drill's order: the first route serves, the others
    // only when it refuses.
    const seen = vendorAttempts(gateway);
    const total = Object.values(seen).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(totals.ok);
    expect(seen["vendor-a/gpt-4o-mini"]).toBeGreaterThan(seen["vendor-b/gpt-4o-mini"] ?? 0);
    // The vendors' shares are of what the vendors served, apart from the harness's own row.
    const report = buildJsonReport(gateway, "test");
    const vendorShare = report.routes
      .filter((r) => r.vendor !== "gateway")
      .reduce((sum, r) => sum + r.share, 0);
    expect(vendorShare).toBeCloseTo(1, 3);
    expect(report.routes.find((r) => r.vendor === "gateway")?.share).toBe(1);
    // Every attempt came tagged: the per-request findings were judged, not skipped.
    expect(finding(gateway, "retryAmplification").summary).not.toMatch(/not judged/);
  }, 90_000);
});
