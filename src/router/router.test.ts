import { describe, expect, it } from "vitest";
import { createRng } from "../random/rng.js";
import {
  budgetHeaders,
  failure,
  INTERACTIVE,
  ok,
  quota,
  request,
  routerConfig,
  throttled,
} from "../test-support/router-driver.js";
import { type Decision, Router } from "./router.js";

const sends = (ds: readonly Decision[]) => ds.flatMap((d) => (d.type === "send" ? [d.route] : []));

/** The run's seeded random source, as the engine passes it. */
const seeded = () => createRng(1).next;

describe("Router", () => {
  it("sends to the first route of the class while it has budget", () => {
    const router = new Router(routerConfig(), seeded());
    router.submit(request());
    router.submit(request());
    expect(sends(router.dispatch(0))).toEqual(["a/m", "a/m"]);
  });

  it("fails a request after the attempt cap, in the category of its last error", () => {
    const config = routerConfig();
    config.retry.maxAttempts = 2;
    const router = new Router(config, () => 0);
    const r = request();
    router.submit(r);
    router.dispatch(0);
    expect(router.complete(r.id, failure(500), 0)).toMatchObject({ type: "retry" });
    router.dispatch(0);
    expect(router.complete(r.id, failure(500), 0)).toEqual({
      type: "failed",
      category: "server-error",
      why: "attempts",
    });
  });

  it("does not retry a request the vendor rejected as bad, nor blame the route for it", () => {
    const router = new Router(routerConfig(), seeded());
    const r = request();
    router.submit(r);
    router.dispatch(0);
    expect(router.complete(r.id, failure(400), 0)).toEqual({
      type: "failed",
      category: "bad-request",
      why: "not-retryable",
    });
    expect(router.routeState("a/m", 0)?.health).toBe("healthy");
  });

  it("a full lane sheds a new request at once", () => {
    const router = new Router(routerConfig({ lanes: [{ ...INTERACTIVE, maxQueue: 1 }] }), seeded());
    router.submit(request());
    expect(router.submit(request())).toMatchObject({ type: "shed", reason: "queue-full" });
  });

  it("a request past its deadline ends as a deadline, retried or not", () => {
    const router = new Router(routerConfig({ classes: { chat: ["a/m"] } }), seeded());
    const r = request();
    router.submit(r);
    router.dispatch(0);
    router.complete(r.id, throttled(120_000), 10);
    expect(router.dispatch(60_000)).toEqual([{ type: "deadline", request: r }]);
    expect(router.waiting).toBe(0);
  });

  it("asks to be woken while requests wait, no later than the end of a cooldown", () => {
    const router = new Router(
      routerConfig({ classes: { chat: ["a/m"] }, cooldownMs: 10 }),
      seeded(),
    );
    expect(router.wakeAt(0)).toBeUndefined();
    const r = request();
    router.submit(r);
    router.dispatch(0);
    router.complete(r.id, throttled(50), 0);
    expect(router.wakeAt(0)).toBeLessThanOrEqual(50);
  });

  it("answers to attempts sent before a 429 do not refill the picture it emptied", () => {
    const router = new Router(routerConfig({ headroom: 0.8, cooldownMs: 100 }), seeded());
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
    router.complete(early.id, ok(budgetHeaders(600, 590)), 20); // older news
    router.submit(request({ at: 200 }));
    // The new request and the retry both go to b/m: a/m is believed empty.
    expect(sends(router.dispatch(200))).toEqual(["b/m", "b/m"]);
  });

  it("reads Gemini's retry delay from the body when no header carries one", () => {
    const router = new Router(routerConfig({ cooldownMs: 100 }), () => 0.5);
    const r = request();
    router.submit(r);
    router.dispatch(0);
    const body =
      '{"error":{"code":429,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}';
    router.complete(r.id, { status: 429, headers: {}, body }, 0);
    expect(router.routeState("a/m", 6999)?.health).toBe("cooling");
    expect(router.routeState("a/m", 7000)?.health).toBe("healthy");
  });

  it("keeps the ledger of attempts: a quota is not retried, the route is probed later", () => {
    const router = new Router(routerConfig(), seeded());
    const r = request();
    router.submit(r);
    router.dispatch(0);
    expect(router.complete(r.id, quota(), 0)).toMatchObject({ type: "failed", category: "quota" });
    expect(router.routeState("a/m", 0)?.health).toBe("open");
  });
});
