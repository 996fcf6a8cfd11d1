/**
 * Invariants of the router core over random request streams, vendor answers and
 * clocks (fast-check): whatever happens, these hold.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BACKGROUND,
  budgetHeaders,
  failure,
  INTERACTIVE,
  ok,
  quota,
  RouterDriver,
  request,
  routerConfig,
  throttled,
  timedOut,
} from "../test-support/router-driver.js";
import type { AttemptOutcome, RouterRequest } from "./router.js";
import type { RouterConfig } from "./types.js";

/** A random vendor answer: budgets in headers, throttles with and without Retry-After, errors. */
const answer = fc.oneof(
  fc.constant(ok()),
  fc
    .tuple(fc.integer({ min: 5, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([limit, share]) => ok(budgetHeaders(limit, Math.floor(limit * share), "30s"))),
  fc.constant(throttled()),
  fc.integer({ min: 0, max: 20_000 }).map((ms) => throttled(ms)),
  fc.constant(quota()),
  fc.constantFrom(failure(500), failure(503), failure(400), timedOut()),
);

const arrival = fc.record({
  gapMs: fc.nat(2000),
  lane: fc.constantFrom("interactive", "background"),
  prompt: fc.integer({ min: 10, max: 12_000 }),
  tenant: fc.constantFrom("t1", "t2", "t3"),
});

const scenario = fc.record({
  arrivals: fc.array(arrival, { minLength: 1, maxLength: 80 }),
  answers: fc.array(fc.tuple(answer, fc.integer({ min: 0, max: 5000 })), {
    minLength: 1,
    maxLength: 50,
  }),
  seed: fc.nat(),
  jitter: fc.constantFrom<"full" | "decorrelated">("full", "decorrelated"),
  maxAttempts: fc.integer({ min: 1, max: 5 }),
  budget: fc.double({ min: 0, max: 1, noNaN: true }),
  headroom: fc.double({ min: 0.5, max: 1, noNaN: true }),
});

interface Scenario {
  arrivals: { gapMs: number; lane: string; prompt: number; tenant: string }[];
  answers: [AttemptOutcome, number][];
  seed: number;
  jitter: "full" | "decorrelated";
  maxAttempts: number;
  budget: number;
  headroom: number;
}

/** Plays one random scenario: answers are dealt in turn, each after its own delay. */
function play(s: Scenario) {
  const config: RouterConfig = routerConfig({
    headroom: s.headroom,
    lanes: [
      { ...INTERACTIVE, maxQueue: 30 },
      { ...BACKGROUND, maxQueue: 30 },
    ],
    tenants: { requestsPerMinute: 40, overrides: {} },
    routes: { "b/m": { share: 0.2, concurrency: 5 } },
  });
  config.retry = {
    ...config.retry,
    jitter: s.jitter,
    maxAttempts: s.maxAttempts,
    budget: s.budget,
  };
  config.health = { ...config.health, throttleBurst: 3, errorSpike: 3, openMs: 5000 };
  let next = 0;
  const d = new RouterDriver(
    config,
    () => {
      const [outcome, afterMs] = s.answers[next++ % s.answers.length]!;
      return { outcome, afterMs };
    },
    s.seed,
  );
  let t = 0;
  const requests: RouterRequest[] = s.arrivals.map((a) => {
    t += a.gapMs;
    return request({ at: t, lane: a.lane, promptTokens: a.prompt, tenant: a.tenant });
  });
  d.submit(...requests).run();
  return { d, requests, config };
}

describe("Router properties", () => {
  it("every request ends in exactly one outcome, and nothing is left waiting or in flight", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d, requests } = play(s);
        expect(d.router.waiting).toBe(0);
        expect(d.router.inFlight).toBe(0);
        for (const r of requests) expect(d.ends.get(r.id)).toHaveLength(1);
      }),
      { numRuns: 150 },
    );
  });

  it("no fresh send goes to an open route; half-open takes probes alone", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d } = play(s);
        for (const send of d.sends) {
          expect(send.health).not.toBe("open");
          expect(send.health).not.toBe("cooling");
          if (send.health === "half-open") expect(send.probe).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("planned use never goes past the headroom of a route's learned budget", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d, config } = play(s);
        for (const send of d.sends) {
          const { requests, requestLimit } = send.after ?? {};
          if (requests === undefined || requestLimit === undefined) continue;
          // What the router believes is left after this send keeps the reserve untouched.
          expect(requests).toBeGreaterThanOrEqual(requestLimit * (1 - config.headroom) - 1e-9);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("retries never exceed the attempt cap or the retry budget", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d, config } = play(s);
        const { maxAttempts, budget, minPerSecond, windowMs } = config.retry;
        for (const send of d.sends) expect(send.attempt).toBeLessThanOrEqual(maxAttempts);
        const retries = d.verdicts.filter((v) => v.verdict.type === "retry").map((v) => v.t);
        expect(retries.length).toBeLessThanOrEqual(s.arrivals.length * (maxAttempts - 1));
        // The budget's window is 9-10 s of buckets: retries over the last 9 s stay
        // within the allowance plus the budget's share of the requests of the last 10 s.
        const bucket = windowMs / 10;
        for (const t of retries) {
          const recent = retries.filter((r) => r > t - (windowMs - bucket) && r <= t).length;
          const arrived = arrivalsIn(s, t - windowMs, t);
          expect(recent).toBeLessThanOrEqual(
            (minPerSecond * windowMs) / 1000 + budget * arrived + 1e-9,
          );
        }
      }),
      { numRuns: 150 },
    );
  });

  it("no two retries of a synchronised wave share a delay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.nat(),
        fc.constantFrom<"full" | "decorrelated">("full", "decorrelated"),
        (n, seed, jitter) => {
          const config = routerConfig();
          config.retry.jitter = jitter;
          config.health.errorSpike = 1_000_000;
          const d = new RouterDriver(config, () => ({ outcome: failure(500), afterMs: 10 }), seed);
          d.submit(...Array.from({ length: n }, () => request({ at: 0 })));
          d.run(10);
          const delays = d.verdicts.flatMap((v) =>
            v.verdict.type === "retry" ? [v.verdict.atMs] : [],
          );
          expect(delays.length).toBeGreaterThan(0);
          expect(new Set(delays).size).toBe(delays.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Requests that arrived in (from, to]: what the retry budget counts as fresh. */
function arrivalsIn(s: { arrivals: { gapMs: number }[] }, from: number, to: number): number {
  let t = 0;
  let n = 0;
  for (const a of s.arrivals) {
    t += a.gapMs;
    if (t > from && t <= to) n++;
  }
  return n;
}
