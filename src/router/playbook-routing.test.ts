/**
 * Route by budget (P7-P12). Each test runs the same traffic with the rule on and
 * switched off: the "on" half fails if the rule stops working.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "../random/rng.js";
import {
  byRoute,
  drive,
  every,
  failure,
  fixedWindow,
  type RouterDriver,
  request,
  routerConfig,
  throttled,
} from "../test-support/router-driver.js";
import { Router } from "./router.js";

const done = (d: RouterDriver, ids: number[]) =>
  ids.filter((id) => d.endOf(id)?.type === "done").length;

/** The run's seeded random source, as the engine passes it. */
const seeded = () => createRng(1).next;

describe("P7-P12: route by budget", () => {
  it("P7 gives each route its reserved share, not everything to the cheapest", () => {
    const run = (P7: boolean) =>
      drive({ P7 }, byRoute({}), { routes: { "b/m": { share: 0.2 } } })
        .submit(...every(200, 100))
        .run();
    const share = run(true).sendsTo("b/m") / 200;
    expect(share).toBeGreaterThanOrEqual(0.15);
    expect(share).toBeLessThanOrEqual(0.25);
    expect(run(false).sendsTo("b/m")).toBe(0);
  });

  it("P8 serves interactive before background, retries in their own queue", () => {
    const run = (P8: boolean) => {
      const router = new Router(routerConfig({}, { P8 }), seeded());
      const bg = request({ lane: "background" });
      const live = request({ lane: "interactive" });
      router.submit(bg);
      router.submit(live);
      return router.dispatch(0).map((d) => d.request.id === live.id);
    };
    expect(run(true)).toEqual([true, false]);
    // One queue: first come, first served, whatever the lane.
    expect(run(false)).toEqual([false, true]);

    // Retries wait in their own, bounded queue, under stricter rules than fresh work.
    const retries = (P8: boolean) => {
      const config = routerConfig({ classes: { chat: ["a/m"] } }, { P8 });
      config.retry.maxQueue = 1;
      const router = new Router(config, () => 0.5);
      const [x, y] = [request(), request()];
      router.submit(x!);
      router.submit(y!);
      router.dispatch(0);
      return [x!, y!].map((r) => router.complete(r.id, failure(500), 0).type);
    };
    expect(retries(true)).toEqual(["retry", "failed"]);
    expect(retries(false)).toEqual(["retry", "retry"]);
  });

  it("P9 sheds an interactive request that waited past its wait budget", () => {
    const run = (P9: boolean) =>
      drive({ P9 }, byRoute({ "a/m": () => throttled(120_000) }), {
        classes: { chat: ["a/m"] },
      })
        .submit(request({ at: 0 }), request({ at: 100 }))
        .run();
    const on = run(true);
    const late = [...on.ends.entries()].find(([, e]) => e[0]?.reason === "wait-budget");
    expect(late?.[1][0]?.t).toBe(2100);
    // Without a wait budget it sits in the queue until its deadline.
    const off = run(false);
    expect([...off.ends.values()].some((e) => e[0]?.reason === "wait-budget")).toBe(false);
    expect([...off.ends.values()].filter((e) => e[0]?.type === "deadline")).toHaveLength(2);
  });

  it("P10 gives large prompts their own budget, so chat keeps flowing past them", () => {
    const run = (P10: boolean) => {
      const d = drive({ P10 }, byRoute({ "a/m": fixedWindow({ limit: 100_000, tokens: true }) }), {
        classes: { chat: ["a/m"] },
      });
      const large = every(20, 500, 0, { promptTokens: 20_000, maxTokens: 1000 });
      const small = every(40, 500, 250);
      d.submit(...large, ...small).run();
      return { d, small: small.map((r) => r.id) };
    };
    const on = run(true);
    expect(done(on.d, on.small)).toBe(40);
    // Large prompts take the tokens, and block the chat queued behind them.
    const off = run(false);
    expect(done(off.d, off.small)).toBeLessThan(40);
  });

  it("P11 holds each tenant to its quota, so a noisy one cannot drain the rest", () => {
    const run = (P11: boolean) => {
      const d = drive({ P11 }, byRoute({ "a/m": fixedWindow({ limit: 60 }) }), {
        classes: { chat: ["a/m"] },
        tenants: { requestsPerMinute: 30, overrides: {} },
      });
      const noisy = every(100, 100, 0, { tenant: "noisy" });
      const quiet = every(10, 1000, 50, { tenant: "quiet" });
      d.submit(...noisy, ...quiet).run();
      return { d, quiet: quiet.map((r) => r.id), noisy: noisy.map((r) => r.id) };
    };
    const on = run(true);
    expect(done(on.d, on.quiet)).toBe(10);
    expect(on.noisy.filter((id) => on.d.endOf(id)?.reason === "tenant-quota")).toHaveLength(70);
    const off = run(false);
    expect(done(off.d, off.quiet)).toBeLessThan(10);
  });

  it("P12 moves a request to an equivalent model on another vendor", () => {
    const run = (P12: boolean) =>
      drive({ P12 }, byRoute({ "a/m": () => throttled(60_000) }))
        .submit(request({ at: 0 }), request({ at: 100 }))
        .run();
    const on = run(true);
    expect(on.sends.map((s) => s.route)).toEqual(["a/m", "b/m", "b/m"]);
    // Without equivalence a request stays with its first vendor, and waits.
    const off = run(false);
    expect(off.sends.every((s) => s.route === "a/m")).toBe(true);
    expect([...off.ends.values()].some((e) => e[0]?.type === "done")).toBe(false);
  });
});
