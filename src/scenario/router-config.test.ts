import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_IDS } from "../router/types.js";
import { loadScenario } from "./loader.js";
import { parseOverride } from "./overrides.js";
import { InputError } from "./problems.js";

const scenario = (router: string) => `name: tiny
duration: 1m
vendors:
  vendor-a: { profile: openai }
  vendor-b: { profile: azure-openai }
traffic:
  - { type: constant, lane: interactive, class: chat, rate: 2, prompt: 100, completion: 20 }
router:
  classes:
    chat: [vendor-a/gpt-4o-mini, vendor-b/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 10, timeout: 10s, deadline: 30s }
    background: { priority: 2, waitBudget: 5m, maxQueue: 10, timeout: 10s, deadline: 10m }
${router}`;

function load(text: string, options: { routerFile?: string; set?: string[] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-router-"));
  writeFileSync(join(dir, "s.yaml"), text);
  return loadScenario("s.yaml", {
    cwd: dir,
    overrides: (options.set ?? []).map(parseOverride),
    ...(options.routerFile ? { routerFile: options.routerFile } : {}),
  });
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("router config files", () => {
  it("defaults to the playbook: every rule on, each tunable at its documented default", () => {
    const { router } = load(scenario(""));
    expect(RULE_IDS.every((id) => router.rules[id])).toBe(true);
    expect(router.headroom).toBe(0.85);
    expect(router.retry).toMatchObject({
      maxAttempts: 3,
      baseMs: 250,
      jitter: "full",
      budget: 0.2,
    });
    expect(router.health).toMatchObject({ throttleBurst: 5, openMs: 30_000, probes: 1 });
    expect(router.shift).toEqual({ steps: [0.1, 0.25, 0.5, 1], stepMs: 10_000 });
    // Lanes below the top priority are background, shed first (P19).
    expect(router.shed.lanes).toEqual(["background"]);
    // Prices for spend (P2) come from the vendor profiles.
    expect(router.routes["vendor-a/gpt-4o-mini"]?.priceUsdPerMTok?.input).toBeGreaterThan(0);
  });

  it("switches single rules and tunes each one", () => {
    const { router } = load(
      scenario(`  rules: { P16: false, P7: false }
  routes: { vendor-b/gpt-4o-mini: { share: 0.3, concurrency: 20 } }
  retry: { maxAttempts: 5, base: 100ms, jitter: decorrelated, budget: 0.1 }
  health: { throttleBurst: 3, open: 1m }
  shift: { steps: [0.2, 1], step: 5s }
  largePrompts: { threshold: 16000, share: 0.4 }
  tenants: { requestsPerMinute: 100, overrides: { acme: { requestsPerMinute: 500 } } }
`),
    );
    expect(router.rules.P16).toBe(false);
    expect(router.rules.P7).toBe(false);
    expect(router.rules.P18).toBe(true);
    expect(router.routes["vendor-b/gpt-4o-mini"]).toMatchObject({ share: 0.3, concurrency: 20 });
    expect(router.retry).toMatchObject({ maxAttempts: 5, baseMs: 100, jitter: "decorrelated" });
    expect(router.health).toMatchObject({ throttleBurst: 3, openMs: 60_000 });
    expect(router.shift).toEqual({ steps: [0.2, 1], stepMs: 5000 });
    expect(router.largePrompts).toEqual({ thresholdTokens: 16_000, share: 0.4 });
    expect(router.tenants.overrides.acme?.requestsPerMinute).toBe(500);
  });

  it("the naive preset switches every rule off; --router naive keeps the scenario's routes", () => {
    expect(Object.values(load(scenario("  preset: naive\n")).router.rules).some(Boolean)).toBe(
      false,
    );
    const flagged = load(scenario("  rules: { P16: false }\n"), { routerFile: "naive" }).router;
    expect(Object.values(flagged.rules).some(Boolean)).toBe(false);
    expect(flagged.classes.chat).toHaveLength(2);
    const set = load(scenario(""), { set: ["router.preset=naive", "router.rules.P18=true"] });
    expect(set.router.rules.P18).toBe(true);
    expect(set.router.rules.P14).toBe(false);
  });

  it("names the file, the path and what was meant for a mistyped rule or tunable", () => {
    expect(problems(scenario("  rules: { P61: false }\n  retry: { jiter: full }\n"))).toEqual([
      's.yaml: router.rules: unknown key "P61" (did you mean "P1"?) (line 14)',
      's.yaml: router.retry: unknown key "jiter" (did you mean "jitter"?) (line 15)',
    ]);
    expect(problems(scenario("  shed: { lanes: [batch] }\n"))).toEqual([
      's.yaml: router.shed.lanes.0: unknown lane "batch" (router.lanes has: interactive, background) (line 14)',
    ]);
    expect(problems(scenario("  routes: { vendor-c/x: { share: 0.2 } }\n"))[0]).toMatch(
      /router\.routes\.vendor-c\/x: route "vendor-c\/x" is in no class/,
    );
  });
});
