import { describe, expect, it } from "vitest";
import { presetConfig } from "../router/presets.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { testScenario } from "../test-support/test-scenario.js";
import { runScenario } from "./run-scenario.js";

/**
 * --speed scales every duration together, through the mocks' worker thread:
 * a vendor that takes 2 s to the first token and 300 ms to generate, and a
 * throttle from 8 s to 12 s, give the same scenario-time picture at 10x and at
 * 40x. A layer that waited in wall time instead would show latencies 10 or 40
 * times too long (past the lane's timeout), or no 429s at all.
 */
const TTFT_MS = 2000;
const ANSWER_MS = TTFT_MS + 300; // 30 tokens at 100 a second

const scenario = testScenario({
  durationMs: 20_000,
  vendors: [
    testVendor("vendor-a", [
      testModel({
        limits: { rpm: 1e6, tpm: 1e9 },
        latency: { ttftMedianMs: TTFT_MS, ttftSigma: 0, tokensPerSecond: 100 },
      }),
    ]),
  ],
  traffic: [
    {
      type: "constant",
      rate: 5,
      fromMs: 0,
      untilMs: 20_000,
      lane: "interactive",
      class: "chat",
      tenant: "default",
      prompt: 200,
      completion: 30,
      stream: 0,
    },
  ],
  faults: [
    {
      id: "throttle",
      kind: "throttle",
      vendor: "vendor-a",
      fromMs: 8000,
      untilMs: 12_000,
      probability: 1,
    },
  ],
  router: presetConfig("playbook", {
    classes: { chat: ["vendor-a/gpt-4o-mini"] },
    lanes: [
      {
        name: "interactive",
        priority: 0,
        waitBudgetMs: 10_000,
        maxQueue: 1000,
        timeoutMs: 15_000,
        deadlineMs: 60_000,
      },
    ],
  }),
});

describe("live mode at different speeds", () => {
  it.each([10, 40])(
    "at %ix, latencies and the fault window are in scenario time",
    async (speed) => {
      const result = await runScenario(scenario, { mode: "live", seed: 1, speed });
      const lane = result.recorder.lanes.get("interactive")!;
      const route = [...result.recorder.routes.values()][0]!;
      expect(result.recorder.ledger.totals()).toMatchObject({ generated: 100, balanced: true });
      // The median answer took its scenario time; a loaded machine adds a little
      // wall time, which the speed multiplies, so only a loose upper bound.
      const p50 = lane.latency.summary().p50!;
      expect(p50).toBeGreaterThanOrEqual(ANSWER_MS - 50);
      expect(p50).toBeLessThan(3 * ANSWER_MS);
      // The throttle was heard, and served answers came before and after it.
      expect(route.status.get(429) ?? 0).toBeGreaterThan(0);
      expect(route.status.get(200) ?? 0).toBeGreaterThan(50);
    },
  );
});
