/**
 * Know the limits (P1-P5) and headroom (P6). Each test runs the same traffic with the
 * rule on and with it switched off, and shows what the rule buys: the "on" half
 * fails if the rule stops working, the "off" half shows the switch is real.
 */
import { describe, expect, it } from "vitest";
import {
  budgetHeaders,
  byRoute,
  drive,
  every,
  fixedWindow,
  ok,
  quota,
  type RouterDriver,
  request,
  throttled,
} from "../test-support/router-driver.js";

const count429 = (d: RouterDriver, route: string) =>
  d.verdicts.filter(
    (v) =>
      v.verdict.type !== "done" &&
      v.verdict.category === "throttled" &&
      d.sends.find((s) => s.id === v.id && s.t <= v.t && s.route === route),
  ).length;

describe("P1-P6: know the limits", () => {
  it("P1 keeps each route's budget and health its own: a 429 from a/m leaves b/m open", () => {
    const run = (P1: boolean) =>
      drive({ P1 }, byRoute({ "a/m": () => throttled(5000) }))
        .submit(request({ at: 0 }), request({ at: 100 }))
        .run();
    const on = run(true);
    expect(on.sends.filter((s) => s.t === 100).map((s) => s.route)).toEqual(["b/m"]);
    // One global counter: a/m's cooldown stops every route.
    const off = run(false);
    expect(off.sends.filter((s) => s.t >= 100 && s.t < 5000)).toHaveLength(0);
  });

  it("P2 watches tokens and concurrent calls beside requests", () => {
    // a/m allows 10,000 tokens a minute; each request costs 3,000.
    const tokens = (P2: boolean) =>
      drive({ P2 }, byRoute({ "a/m": fixedWindow({ limit: 10_000, tokens: true }) }))
        .submit(...every(10, 500, 0, { promptTokens: 2000, maxTokens: 1000 }))
        .run();
    expect(count429(tokens(true), "a/m")).toBe(0);
    expect(count429(tokens(false), "a/m")).toBeGreaterThan(0);

    // a/m takes two calls at once.
    const concurrent = (P2: boolean) =>
      drive({ P2 }, byRoute({}, 1000), { routes: { "a/m": { concurrency: 2 } } })
        .submit(...every(5, 0))
        .run();
    expect(concurrent(true).sendsTo("a/m")).toBe(2);
    expect(concurrent(false).sendsTo("a/m")).toBe(5);
  });

  it("P2 stops sending to a route once its daily spend is reached", () => {
    const run = (P2: boolean) =>
      drive(
        { P2 },
        (_send, r) => ({
          outcome: { ...ok(), usage: { prompt: r.promptTokens, completion: 100 } },
          afterMs: 10,
        }),
        {
          routes: {
            // $1 per million tokens: each request of 1,100 tokens spends $0.0011.
            "a/m": { dailySpendUsd: 0.005, priceUsdPerMTok: { input: 1, output: 1 } },
          },
        },
      )
        .submit(...every(10, 100, 0, { promptTokens: 1000 }))
        .run();
    expect(run(true).sendsTo("a/m")).toBe(5);
    expect(run(false).sendsTo("a/m")).toBe(10);
  });

  it("P3 assumes no reset shape: a fixed window is not taken for a refilling bucket", () => {
    // One route, 10 requests a minute in a fixed window; a request each second.
    const run = (P3: boolean) =>
      drive({ P3 }, byRoute({ "a/m": fixedWindow({ limit: 10 }) }, 0), {
        classes: { chat: ["a/m"] },
        headroom: 0.9,
      })
        .submit(...every(90, 1000))
        .run();
    expect(count429(run(true), "a/m")).toBe(0);
    // Believing the window refills as it goes, the router sends into the 429s.
    expect(count429(run(false), "a/m")).toBeGreaterThan(0);
  });

  it("P3 learns a limit that refills as it goes and uses the room it gives back", () => {
    // A token bucket: remaining rises between answers long before the stated reset.
    let level = 20;
    let last = 0;
    const bucket = (send: { t: number }) => {
      level = Math.min(20, level + (send.t - last) / 1000); // one a second
      last = send.t;
      if (level < 1) return throttled(1000, budgetHeaders(20, 0, "20s"));
      level -= 1;
      return ok(budgetHeaders(20, Math.floor(level), `${Math.round((20 - level) * 1000)}ms`));
    };
    const d = drive({}, byRoute({ "a/m": bucket }, 0), { classes: { chat: ["a/m"] } })
      .submit(...every(60, 500))
      .run();
    // Served at about the refill rate once the burst is spent, not one window at a time.
    const late = d.sends.filter((s) => s.t >= 15_000 && s.t < 30_000).length;
    expect(late).toBeGreaterThan(8);
  });

  it("P4 learns each route's budget from its headers and moves on before the 429", () => {
    const run = (P4: boolean) =>
      drive({ P4 }, byRoute({ "a/m": fixedWindow({ limit: 10 }) }))
        .submit(...every(30, 100))
        .run();
    const on = run(true);
    expect(count429(on, "a/m")).toBe(0);
    expect(on.sendsTo("b/m")).toBeGreaterThan(0);
    expect(on.router.routeState("a/m", on.now)?.requests).toBeLessThanOrEqual(2);
    expect(count429(run(false), "a/m")).toBeGreaterThan(0);
  });

  it("P5 a 429 means slow down, not abandon the vendor: back after the cooldown", () => {
    let first = true;
    const once = () => {
      if (!first) return ok();
      first = false;
      return throttled();
    };
    const run = (P5: boolean) => {
      first = true;
      return drive({ P5 }, byRoute({ "a/m": once }))
        .submit(...every(20, 500))
        .run();
    };
    expect(run(true).sendsTo("a/m", 2000, 10_000)).toBeGreaterThan(0);
    // Every error alike: the 429 took a/m out as if it were down.
    expect(run(false).sendsTo("a/m", 2000, 10_000)).toBe(0);
  });

  it("P5 does not retry a spent quota: waiting does not fix it", () => {
    const run = (P5: boolean) =>
      drive({ P5 }, byRoute({ "a/m": quota, "b/m": quota, "c/m": quota }))
        .submit(request())
        .run();
    const on = run(true);
    expect(on.sends).toHaveLength(1);
    expect(on.endOf(on.sends[0]!.id)).toMatchObject({ type: "failed", reason: "not-retryable" });
    expect(run(false).sends.length).toBeGreaterThan(1);
  });

  it("P6 plans to use only the headroom's share of a stated limit", () => {
    // a/m says 25 of 100 remain: at 0.8, 5 more fit before the 20 kept back.
    const run = (P6: boolean) => {
      const d = drive({ P6 }, byRoute({}), { headroom: 0.8 });
      const first = request();
      d.router.submit(first);
      d.router.dispatch(0);
      d.router.complete(first.id, ok(budgetHeaders(100, 25)), 0);
      for (let i = 0; i < 7; i++) d.router.submit(request());
      return d.router.dispatch(0).flatMap((x) => (x.type === "send" ? [x.route] : []));
    };
    expect(run(true)).toEqual(["a/m", "a/m", "a/m", "a/m", "a/m", "b/m", "b/m"]);
    expect(run(false)).toEqual(Array(7).fill("a/m"));
  });
});
