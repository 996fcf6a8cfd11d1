import { presetConfig } from "../router/presets.js";
import type { RouterConfig } from "../router/types.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import type { ArrivalSpec } from "../traffic/types.js";
import type { VendorSpec } from "../vendor/types.js";
import { testModel, testVendor } from "./test-specs.js";

/** A small resolved scenario: vendor-a (tight) and vendor-b (roomy), one class, one lane. */
export function testScenario(overrides: Partial<ResolvedScenario> = {}): ResolvedScenario {
  const vendors: VendorSpec[] = [
    testVendor("vendor-a", [
      testModel({ limits: { rpm: 60, tpm: 1_000_000, enforcedPerMs: 1000 } }),
    ]),
    testVendor("vendor-b", [testModel({ limits: { rpm: 6000, tpm: 10_000_000 } })]),
  ];
  const router: RouterConfig = presetConfig("playbook", {
    classes: { chat: ["vendor-a/gpt-4o-mini", "vendor-b/gpt-4o-mini"] },
    lanes: [
      {
        name: "interactive",
        priority: 0,
        waitBudgetMs: 2000,
        maxQueue: 1000,
        timeoutMs: 10_000,
        deadlineMs: 30_000,
      },
    ],
  });
  const traffic: ArrivalSpec[] = [
    {
      type: "constant",
      rate: 5,
      fromMs: 0,
      untilMs: 60_000,
      lane: "interactive",
      class: "chat",
      tenant: "default",
      prompt: 200,
      completion: 30,
      stream: 0.5,
    },
  ];
  return {
    file: "test.yaml",
    name: "test",
    description: "",
    durationMs: 60_000,
    speed: 1,
    seed: 1,
    nodes: 1,
    store: "memory",
    vendors,
    traffic,
    faults: [],
    router,
    thresholds: [],
    ...overrides,
  };
}
