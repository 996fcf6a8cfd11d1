import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AttemptOutcome, type Decision, Router, type RouterRequest } from "./router.js";
import type { RouterConfig } from "./types.js";

const config = (overrides: Partial<RouterConfig> = {}): RouterConfig => ({
  headroom: 0.8,
  maxAttempts: 3,
  cooldownMs: 1000,
  classes: { chat: ["a/m", "b/m", "c/m"] },
  lanes: [
    {
      name: "interactive",
      priority: 0,
      waitBudgetMs: 2000,
      maxQueue: 100,
      timeoutMs: 30_000,
      deadlineMs: 60_000,
    },
    {
      name: "background",
      priority: 1,
      waitBudgetMs: 60_000,
      maxQueue: 100,
      timeoutMs: 30_000,
      deadlineMs: 600_000,
    },
  ],
  ...overrides,
});

let nextId = 0;
const request = (lane = "interactive", arrivedMs = 0, tokenCost = 100): RouterRequest => ({
  id: nextId++,
  lane,
  class: "chat",
  arrivedMs,
  tokenCost,
});

const budgetHeaders = (limit: number, remaining: number, reset = "1m0s") => ({
  "x-ratelimit-limit-requests": String(limit),
  "x-ratelimit-remaining-requests": String(remaining),
  "x-ratelimit-reset-requests": reset,
});
const ok = (headers = {}): AttemptOutcome => ({ status: 200, headers });
const throttled = (retryAfterMs?: number): AttemptOutcome => ({
  status: 429,
  headers: retryAfterMs === undefined ? {} : { "retry-after-ms": String(retryAfterMs) },
});
const sends = (ds: Decision[]) =>
  ds.filter((d) => d.type === "send").map((d) => (d.type === "send" ? d.route : ""));

describe("Router", () => {
  it("P1 sends to the first route of the class while it has budget", () => {
    const router = new Router(config());
    router.submit(request());
    router.submit(request());
    expect(sends(router.dispatch(0))).toEqual(["a/m", "a/m"]);
  });

  it("P6 keeps the headroom of a route's learned budget and moves on to the next route", () => {
    const router = new Router(config({ headroom: 0.8 }));
    const first = request();
    router.submit(first);
    router.dispatch(0);
    // a/m says 25 of 100 remain: with 20 kept back, 5 more fit, the 6th goes to b/m.
    router.complete(first.id, ok(budgetHeaders(100, 25)), 0);
    for (let i = 0; i < 7; i++) router.submit(request());
    expect(sends(router.dispatch(0))).toEqual(["a/m", "a/m", "a/m", "a/m", "a/m", "b/m", "b/m"]);
  });

  it("P6 counts the budget back in as the route refills", () => {
    const router = new Router(config({ headroom: 0.8 }));
    const first = request();
    router.submit(first);
    router.dispatch(0);
    router.complete(first.id, ok(budgetHeaders(100, 20, "1m0s")), 0);
    router.submit(request());
    expect(sends(router.dispatch(0))).toEqual(["b/m"]);
    // Half the reset time later, half the missing 80 is back: 60 remain.
    router.submit(request("interactive", 30_000));
    expect(sends(router.dispatch(30_000))).toEqual(["a/m"]);
  });

  it("P5 P14 cools a route down on 429 for as long as Retry-After asks, and reroutes the request", () => {
    const router = new Router(config());
    const r = request();
    router.submit(r);
    router.dispatch(0);
    expect(router.complete(r.id, throttled(5000), 10)).toEqual({
      type: "retry",
      category: "throttled",
    });
    // The retry goes elsewhere at once; new requests avoid a/m until 5010 ms.
    expect(sends(router.dispatch(10))).toEqual(["b/m"]);
    router.submit(request("interactive", 5009));
    expect(sends(router.dispatch(5009))).toEqual(["b/m"]);
    router.submit(request("interactive", 5010));
    expect(sends(router.dispatch(5010))).toEqual(["a/m"]);
    expect(router.routeState("a/m", 5010)?.cooling).toBe(false);
  });

  it("P5 falls back to the configured cooldown when a 429 has no Retry-After", () => {
    const router = new Router(config({ cooldownMs: 2000 }));
    const r = request();
    router.submit(r);
    router.dispatch(0);
    router.complete(r.id, throttled(), 0);
    expect(router.routeState("a/m", 1999)?.cooling).toBe(true);
    expect(router.routeState("a/m", 2000)?.cooling).toBe(false);
  });

  it("fails a request after maxAttempts, in the category of its last error", () => {
    const router = new Router(config({ maxAttempts: 2 }));
    const r = request();
    router.submit(r);
    router.dispatch(0);
    expect(router.complete(r.id, { status: 500, headers: {} }, 0).type).toBe("retry");
    router.dispatch(0);
    expect(router.complete(r.id, { status: 500, headers: {} }, 0)).toEqual({
      type: "failed",
      category: "server-error",
    });
  });

  it("P5 does not retry a spent quota: waiting does not fix it", () => {
    const router = new Router(config());
    const r = request();
    router.submit(r);
    router.dispatch(0);
    const quota = { status: 429, headers: { "x-should-retry": "false" } };
    expect(router.complete(r.id, quota, 0)).toEqual({ type: "failed", category: "quota" });
  });

  it("does not retry a request the vendor rejected as bad", () => {
    const router = new Router(config());
    const r = request();
    router.submit(r);
    router.dispatch(0);
    expect(router.complete(r.id, { status: 400, headers: {} }, 0)).toEqual({
      type: "failed",
      category: "bad-request",
    });
  });

  it("P8 serves the interactive lane before the background lane", () => {
    const router = new Router(config());
    const bg = request("background");
    const live = request("interactive");
    router.submit(bg);
    router.submit(live);
    const order = router.dispatch(0).map((d) => d.request.id);
    expect(order).toEqual([live.id, bg.id]);
  });

  it("P9 sheds a request that waited past its lane's wait budget, and a full lane sheds at once", () => {
    const router = new Router(config({ classes: { chat: ["a/m"] } }));
    const first = request();
    router.submit(first);
    router.dispatch(0);
    router.complete(first.id, throttled(60_000), 0);
    router.dispatch(0); // the retry waits: the only route is cooling
    const waiting = request("interactive", 100);
    router.submit(waiting);
    expect(router.dispatch(2099).filter((d) => d.type === "shed")).toHaveLength(0);
    const later = router.dispatch(2100);
    expect(later).toContainEqual({ type: "shed", request: waiting, reason: "wait-budget" });

    const tiny = new Router(config({ lanes: [{ ...config().lanes[0]!, maxQueue: 1 }] }));
    tiny.submit(request());
    expect(tiny.submit(request())).toMatchObject({ type: "shed", reason: "queue-full" });
  });

  it("P5 waits at least the configured cooldown, even when Retry-After asks for less", () => {
    const router = new Router(config({ cooldownMs: 1000 }));
    const r = request();
    router.submit(r);
    router.dispatch(0);
    router.complete(r.id, throttled(50), 0);
    expect(router.routeState("a/m", 999)?.cooling).toBe(true);
    expect(router.routeState("a/m", 1000)?.cooling).toBe(false);
  });

  it("P4 P14 a 429 empties the route's picture even when its headers still show room", () => {
    const router = new Router(config({ headroom: 0.8, cooldownMs: 100 }));
    const r = request();
    router.submit(r);
    router.dispatch(0);
    // A limit enforced per short slice: the 429 says 500 of 600 remain.
    router.complete(
      r.id,
      { status: 429, headers: { ...budgetHeaders(600, 500), "retry-after-ms": "100" } },
      0,
    );
    router.dispatch(0); // the retry goes to b/m
    router.submit(request("interactive", 200));
    expect(sends(router.dispatch(200))).toEqual(["b/m"]); // cooled down, but believed empty
    // Refilling at 600 a minute from empty, a/m is above its 20% reserve after 12 s.
    router.submit(request("interactive", 12_500));
    expect(sends(router.dispatch(12_500))).toEqual(["a/m"]);
  });

  it("P4 answers to attempts sent before a 429 do not refill the picture it emptied", () => {
    const router = new Router(config({ headroom: 0.8, cooldownMs: 100 }));
    const early = request();
    const late = request();
    router.submit(early);
    router.submit(late);
    expect(sends(router.dispatch(0))).toEqual(["a/m", "a/m"]);
    router.complete(
      late.id,
      { status: 429, headers: { ...budgetHeaders(600, 500), "retry-after-ms": "100" } },
      10,
    );
    router.dispatch(10);
    router.complete(early.id, ok(budgetHeaders(600, 590)), 20); // older news
    router.submit(request("interactive", 200));
    expect(sends(router.dispatch(200))).toEqual(["b/m"]);
  });

  it("asks to be woken while requests wait, no later than the end of a cooldown", () => {
    const router = new Router(config({ classes: { chat: ["a/m"] }, cooldownMs: 10 }));
    expect(router.wakeAt(0)).toBeUndefined();
    const r = request();
    router.submit(r);
    router.dispatch(0);
    router.complete(r.id, throttled(50), 0);
    expect(router.wakeAt(0)).toBe(50);
  });

  it("property: every request ends exactly once, whatever the vendors answer and whenever", () => {
    const outcome = fc.constantFrom<AttemptOutcome>(
      ok(),
      ok(budgetHeaders(10, 1)),
      throttled(),
      throttled(250),
      { status: 500, headers: {} },
      { status: 503, headers: {} },
      { status: 400, headers: {} },
      { status: 0, headers: {}, transport: "timeout" },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lane: fc.constantFrom("interactive", "background"),
            gapMs: fc.nat(3000),
            cost: fc.nat(5000),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.infiniteStream(fc.tuple(outcome, fc.nat(5000))),
        (arrivals, answers) => {
          const router = new Router(config());
          const ended = new Map<number, number>();
          const end = (id: number) => ended.set(id, (ended.get(id) ?? 0) + 1);
          const inFlight: { id: number; at: number }[] = [];
          const answer = answers[Symbol.iterator]();
          let now = 0;
          const apply = (ds: Decision[]) => {
            for (const d of ds) {
              if (d.type === "send") {
                const [, delay] = answer.next().value as [AttemptOutcome, number];
                inFlight.push({ id: d.request.id, at: now + delay });
              } else end(d.request.id);
            }
          };
          const ids: number[] = [];
          for (const a of arrivals) {
            now += a.gapMs;
            const r = { ...request(a.lane, now, a.cost) };
            ids.push(r.id);
            const shed = router.submit(r);
            if (shed) end(r.id);
            apply(router.dispatch(now));
          }
          // Let time run until nothing is in flight or waiting.
          for (
            let guard = 0;
            guard < 10_000 && (inFlight.length > 0 || router.waiting > 0);
            guard++
          ) {
            inFlight.sort((x, y) => x.at - y.at);
            const next = inFlight.shift();
            const wake = router.wakeAt(now);
            if (next && (wake === undefined || next.at <= wake)) {
              now = Math.max(now, next.at);
              const [o] = answer.next().value as [AttemptOutcome, number];
              const v = router.complete(next.id, o, now);
              if (v.type !== "retry") end(next.id);
            } else {
              if (next) inFlight.unshift(next);
              now = wake ?? now;
            }
            apply(router.dispatch(now));
          }
          expect(inFlight).toHaveLength(0);
          expect(router.waiting).toBe(0);
          for (const id of ids) expect(ended.get(id)).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
