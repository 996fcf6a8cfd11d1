import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { Recorder } from "../metrics/recorder.js";
import { createRng } from "../random/rng.js";
import { RULE_IDS } from "../router/types.js";
import { testScenario } from "../test-support/test-scenario.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { buildPlan } from "../traffic/plan.js";
import { planOf } from "../traffic/traffic-plan.js";
import type { Upstream } from "../upstream/upstream.js";
import { simulate } from "../test-support/simulate.js";
import { Engine } from "./engine.js";
import { routeInfos, runScenario } from "./run-scenario.js";

describe("Engine on the virtual clock", () => {
  it("P5 P14 sends nothing fresh to a throttled route until its Retry-After has passed", async () => {
    const scenario = testScenario();
    scenario.router.cooldownMs = 1; // so only Retry-After can keep the route cool
    const { log, recorder } = await simulate(scenario);
    const throttles = log.filter(
      (e) => e.type === "done" && e.vendor === "vendor-a" && e.status === 429,
    );
    expect(throttles.length).toBeGreaterThan(0);
    for (const t of throttles) {
      const until = t.t + t.retryAfterMs!;
      const early = log.filter(
        (e) => e.type === "send" && e.vendor === "vendor-a" && e.t > t.t && e.t < until,
      );
      expect(early).toEqual([]);
    }
    // The throttled share went to vendor-b instead, and nobody was left unanswered.
    expect(log.some((e) => e.type === "send" && e.vendor === "vendor-b")).toBe(true);
    expect(recorder.ledger.totals()).toMatchObject({ generated: 300, ok: 300, balanced: true });
  });

  it("runs until every request has ended, then stops by itself", async () => {
    const { result, recorder, plan } = await simulate(testScenario());
    expect(result.partial).toBe(false);
    expect(result.endedMs).toBeGreaterThanOrEqual(60_000);
    expect(recorder.ledger.totals().generated).toBe(plan.length);
    // One series row per scenario second.
    expect(recorder.series.map((r) => r.t)).toEqual(
      [...Array(recorder.series.length).keys()].map((i) => i + 1),
    );
  });

  it("times out attempts that take too long, retries them, then fails them as timeouts", async () => {
    const slow = testScenario({
      vendors: [
        testVendor("vendor-a", [
          testModel({ latency: { ttftMedianMs: 60_000, ttftSigma: 0, tokensPerSecond: 100 } }),
        ]),
        testVendor("vendor-b", [
          testModel({ latency: { ttftMedianMs: 60_000, ttftSigma: 0, tokensPerSecond: 100 } }),
        ]),
      ],
      durationMs: 2000,
    });
    slow.router.lanes[0]!.timeoutMs = 1000;
    // Keep the routes from opening on the timeout spike: this test is about attempts.
    slow.router.health.errorSpike = 1000;
    const { log, recorder } = await simulate(slow);
    const totals = recorder.ledger.totals();
    expect(totals.ok).toBe(0);
    expect(totals.failed).toEqual({ timeout: 10 });
    expect(totals.balanced).toBe(true);
    // Three attempts each, as the retry cap says.
    expect(log.filter((e) => e.type === "send")).toHaveLength(30);
  });

  it("property: whatever the limits, rates, timeouts and rules, the ledger balances and the run ends", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rpm: fc.integer({ min: 1, max: 600 }),
          rate: fc.double({ min: 0.1, max: 30, noNaN: true }),
          timeoutMs: fc.integer({ min: 50, max: 20_000 }),
          waitBudgetMs: fc.integer({ min: 0, max: 5000 }),
          maxQueue: fc.integer({ min: 1, max: 200 }),
          maxAttempts: fc.integer({ min: 1, max: 4 }),
          ttftMs: fc.integer({ min: 1, max: 5000 }),
          seed: fc.nat(),
          // Any mix of the playbook's rules switched off.
          rulesOff: fc.subarray([...RULE_IDS]),
        }),
        async (p) => {
          const scenario = testScenario({
            durationMs: 20_000,
            seed: p.seed,
            vendors: [
              testVendor("vendor-a", [
                testModel({
                  limits: { rpm: p.rpm, tpm: 50_000 },
                  latency: { ttftMedianMs: p.ttftMs, ttftSigma: 0.5, tokensPerSecond: 50 },
                }),
              ]),
              testVendor("vendor-b", [
                testModel({ limits: { rpm: Math.ceil(p.rpm / 2), tpm: 20_000 } }),
              ]),
            ],
          });
          scenario.traffic = scenario.traffic.map((a) => ({ ...a, rate: p.rate, untilMs: 20_000 }));
          scenario.router.retry.maxAttempts = p.maxAttempts;
          for (const id of p.rulesOff) scenario.router.rules[id] = false;
          scenario.router.lanes[0] = {
            ...scenario.router.lanes[0]!,
            timeoutMs: p.timeoutMs,
            waitBudgetMs: p.waitBudgetMs,
            maxQueue: p.maxQueue,
          };
          const { recorder, plan } = await simulate(scenario);
          const totals = recorder.ledger.totals();
          expect(totals.generated).toBe(plan.length);
          expect(totals.balanced).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("naive clients send a failed request again after their fixed delay; it ends once", async () => {
    const scenario = testScenario({
      durationMs: 10_000,
      faults: [
        {
          id: "f0",
          kind: "server-error",
          vendor: "vendor-a",
          fromMs: 0,
          untilMs: Number.POSITIVE_INFINITY,
          probability: 1,
        },
        {
          id: "f1",
          kind: "server-error",
          vendor: "vendor-b",
          fromMs: 0,
          untilMs: Number.POSITIVE_INFINITY,
          probability: 1,
        },
      ],
    });
    scenario.traffic = scenario.traffic.map((a) => ({
      ...a,
      rate: 1,
      untilMs: 10_000,
      clientRetries: { max: 2, delayMs: 1000 },
    }));
    scenario.router.health.errorSpike = 1_000_000;
    scenario.router.retry.maxAttempts = 2;
    scenario.router.retry.minPerSecond = 100;
    const { log, recorder, plan } = await simulate(scenario);
    const totals = recorder.ledger.totals();
    expect(totals.generated).toBe(plan.length);
    expect(totals.balanced).toBe(true);
    expect(totals.failed).toEqual({ "server-error": plan.length });
    // Each request: the client's first try and two client retries, two attempts each.
    expect(recorder.lanes.get("interactive")!.clientRetries).toBe(2 * plan.length);
    expect(log.filter((e) => e.type === "send")).toHaveLength(6 * plan.length);
    // A client retry goes out a second after the router gave up, not before.
    const sends = log.filter((e) => e.type === "send" && e.requestId === plan[0]!.id);
    expect(sends[2]!.t - sends[1]!.t).toBeGreaterThanOrEqual(1000);
  });

  it("a client's retry after a deadline gets its own full timeout, not what was left", async () => {
    // Both vendors stall for the first 2 s; one request, deadline 2 s, one client retry.
    const stall = (vendor: string, id: string) => ({
      id,
      kind: "stall" as const,
      vendor,
      fromMs: 0,
      untilMs: 2000,
      probability: 1,
    });
    const scenario = testScenario({
      durationMs: 5000,
      faults: [stall("vendor-a", "f0"), stall("vendor-b", "f1")],
    });
    scenario.traffic = scenario.traffic.map((a) => ({
      ...a,
      rate: 1,
      untilMs: 1000,
      clientRetries: { max: 1, delayMs: 500 },
    }));
    scenario.router.lanes[0] = {
      ...scenario.router.lanes[0]!,
      timeoutMs: 1000,
      deadlineMs: 2000,
      waitBudgetMs: 2000,
    };
    const { recorder } = await simulate(scenario);
    const totals = recorder.ledger.totals();
    expect(totals.generated).toBe(1);
    expect(totals.ok).toBe(1);
    expect(recorder.routes.get("vendor-a/gpt-4o-mini")!.errors.get("timeout") ?? 0).toBeLessThan(3);
  });

  it("sim runs are deterministic: the same seed gives the same measurements", async () => {
    const a = await runScenario(testScenario(), { mode: "sim", seed: 3, speed: 1 });
    const b = await runScenario(testScenario(), { mode: "sim", seed: 3, speed: 1 });
    expect(b.recorder.series).toEqual(a.recorder.series);
    expect(b.recorder.lanes.get("interactive")!.latency.summary()).toEqual(
      a.recorder.lanes.get("interactive")!.latency.summary(),
    );
  });
});

describe("Engine stop (Ctrl-C)", () => {
  it("books every request, retries included, when stopped while 429s keep coming", async () => {
    const scheduler = new VirtualScheduler();
    // A vendor side that answers every attempt with a 429 after 500 ms.
    const sendTimes: number[] = [];
    const throttling: Upstream = {
      send: (_attempt, onDone) => {
        sendTimes.push(scheduler.now());
        return scheduler.at(scheduler.now() + 500, () =>
          onDone({
            status: 429,
            headers: { "retry-after-ms": "3000" },
            usage: { prompt: 0, completion: 0 },
          }),
        );
      },
      close: async () => {},
    };
    const scenario = testScenario();
    const recorder = new Recorder(["interactive"], routeInfos(scenario));
    const engine = new Engine({
      plan: planOf(buildPlan(scenario.traffic, scenario.durationMs, 1)),
      durationMs: scenario.durationMs,
      router: scenario.router,
      random: createRng(7).next,
      scheduler,
      upstream: throttling,
      recorder,
    });
    engine.start();
    scheduler.run(600);
    engine.stop(2000);
    scheduler.run();
    const result = await engine.done;
    expect(result.partial).toBe(true);
    const totals = recorder.ledger.totals();
    expect(totals.generated).toBeGreaterThan(0);
    expect(totals.balanced).toBe(true);
    expect(totals.shed.interrupted ?? 0).toBeGreaterThan(0);
    // Nothing new is sent once stopped, not even the retries of the 429s.
    expect(sendTimes.filter((t) => t > 600)).toEqual([]);
  });
});

describe("faults in sim mode, through the same vendor model", () => {
  it("an outage on one vendor fails its connections, and the requests are served by the other", async () => {
    const scenario = testScenario({
      faults: [
        {
          id: "o",
          kind: "outage",
          vendor: "vendor-a",
          fromMs: 10_000,
          untilMs: 20_000,
          probability: 1,
        },
      ],
    });
    const { recorder } = await simulate(scenario);
    const a = recorder.routes.get("vendor-a/gpt-4o-mini")!;
    expect(a.errors.get("connection")).toBeGreaterThan(0);
    expect(recorder.ledger.totals()).toMatchObject({ ok: 300, balanced: true });
  });

  it("a stream cut after a 200 counts as a failed attempt, not a success", async () => {
    const scenario = testScenario({
      faults: [
        {
          id: "c",
          kind: "stream-error",
          vendor: "vendor-a",
          fromMs: 0,
          untilMs: 60_000,
          probability: 1,
          afterTokens: 2,
        },
      ],
    });
    scenario.traffic = scenario.traffic.map((a) => ({ ...a, stream: 1 }));
    const { recorder } = await simulate(scenario);
    const a = recorder.routes.get("vendor-a/gpt-4o-mini")!;
    expect(a.errors.get("stream-error")).toBe(a.attempts - (a.status.get(429) ?? 0));
    expect(a.served).toBe(0);
    expect(recorder.ledger.totals().balanced).toBe(true);
  });
});
