/**
 * Fail over like a dimmer, not a breaker (P13-P17). Each test runs the same traffic
 * with the rule on and switched off: the "on" half fails if the rule stops working.
 */
import { describe, expect, it } from "vitest";
import {
  budgetHeaders,
  byRoute,
  drive,
  every,
  failure,
  ok,
  type RouterDriver,
  request,
  type SendRecord,
  throttled,
  timedOut,
} from "../test-support/router-driver.js";

const freshTo = (d: RouterDriver, route: string, from: number, until = Number.POSITIVE_INFINITY) =>
  d.sends.filter((s) => s.route === route && s.attempt === 1 && s.t >= from && s.t < until).length;

describe("P13-P17: fail over like a dimmer", () => {
  it("P13 notices a timeout spike with no 429 in sight, and stops feeding the route", () => {
    const run = (P13: boolean) =>
      drive({ P13 }, byRoute({ "a/m": timedOut }, 100))
        .submit(...every(50, 200))
        .run();
    expect(freshTo(run(true), "a/m", 3000)).toBe(0);
    // Watching 429s alone, a route that only times out looks fine.
    expect(freshTo(run(false), "a/m", 3000)).toBeGreaterThan(10);
  });

  it("P13 notices latency creeping up before any error", () => {
    const latency = (send: SendRecord) => (send.route === "a/m" && send.t >= 5000 ? 2000 : 100);
    const run = (P13: boolean) => {
      // The usual latency: the best second of the last ten.
      const d = drive({ P13 }, byRoute({}, latency), {}, (c) => {
        c.health.baselineMs = 10_000;
      }).submit(...every(100, 100));
      d.run();
      return d.router.routeState("a/m", d.now);
    };
    expect(run(true)?.slow).toBe(true);
    expect(run(false)?.slow).toBe(false);
  });

  it("P14 stops new sends to a hot route first, and keeps probing it", () => {
    // a/m throttles for its first 5 s, then serves again.
    const hot = (send: SendRecord) => (send.t < 5000 ? throttled() : ok());
    const run = (P14: boolean) =>
      drive({ P14 }, byRoute({ "a/m": hot }))
        .submit(...every(600, 100))
        .run();
    const on = run(true);
    const to429 = (d: RouterDriver) => d.sends.filter((s) => s.route === "a/m" && s.t < 5000);
    // One send per cooldown until the burst opens it, then none until the probe.
    expect(to429(on).length).toBeLessThanOrEqual(5);
    const probes = on.sends.filter((s) => s.probe);
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes[0]!.route).toBe("a/m");
    expect(probes[0]!.t).toBeGreaterThanOrEqual(30_000);
    // Back in service after the probe came back well.
    expect(freshTo(on, "a/m", probes[0]!.t + 1000)).toBeGreaterThan(0);
    // Without it, every new request is fed into the jam.
    expect(to429(run(false)).length).toBeGreaterThan(40);
  });

  it("P15 lets in-flight calls finish when their route opens", () => {
    // Early calls to a/m are slow and fine; later ones fail fast and open it.
    const mixed = (send: SendRecord) => (send.t < 1000 ? ok() : failure(500));
    const after = (send: SendRecord) => (send.route === "a/m" && send.t < 1000 ? 3000 : 10);
    const run = (P15: boolean) =>
      drive({ P15 }, byRoute({ "a/m": mixed }, after))
        .submit(...every(10, 100), ...every(5, 100, 1000))
        .run();
    const on = run(true);
    expect(on.router.stats.abandoned).toBe(0);
    const early = on.sends.filter((s) => s.t < 1000).map((s) => s.id);
    expect(early.every((id) => on.endOf(id)?.type === "done")).toBe(true);
    expect(on.sends.filter((s) => early.includes(s.id))).toHaveLength(10);
    // A breaker that cuts them wastes their work and sends them again.
    const off = run(false);
    expect(off.router.stats.abandoned).toBe(10);
    expect(off.sends.length).toBeGreaterThan(on.sends.length);
  });

  it("P16 reroutes only to a route with room, not blindly to the next", () => {
    const run = (P16: boolean) =>
      drive(
        { P16 },
        byRoute({
          "a/m": () => throttled(60_000),
          // b/m says it has nothing left; c/m has room.
          "b/m": () => ok(budgetHeaders(100, 0)),
        }),
      )
        .submit(...every(20, 100))
        .run();
    // Once b/m has answered that it is spent (by 500 ms), nothing more goes there.
    const on = run(true);
    expect(on.sendsTo("b/m", 500)).toBe(0);
    expect(on.sendsTo("c/m", 500)).toBeGreaterThan(10);
    // Moving load without looking just moves the jam.
    expect(run(false).sendsTo("b/m", 500)).toBeGreaterThan(10);
  });

  it("P17 brings a recovered route back in steps", () => {
    // a/m fails its first 2 s, opens, is probed 30 s later, and serves from then on.
    const flaky = (send: SendRecord) => (send.t < 2000 ? failure(500) : ok());
    const run = (P17: boolean) => {
      const d = drive({ P17 }, byRoute({ "a/m": flaky })).submit(...every(1000, 100));
      d.run();
      const probe = d.sends.find((s) => s.probe && s.route === "a/m")!;
      const share = (k: number) => {
        const from = probe.t + k * 10_000;
        return (
          d.sendsTo("a/m", from, from + 10_000) /
          d.sends.filter((s) => s.t >= from && s.t < from + 10_000).length
        );
      };
      return [0, 1, 2, 3].map(share);
    };
    const [first, second, third, fourth] = run(true);
    expect(first).toBeLessThan(0.2);
    expect(second).toBeGreaterThan(first!);
    expect(third).toBeGreaterThan(second!);
    expect(fourth).toBeGreaterThan(0.9);
    // Snapping back, the whole load lands on a route that just came back.
    expect(run(false)[0]).toBeGreaterThan(0.9);
  });
});

describe("half-open probes", () => {
  it("sends one probe at a time, and a failed probe opens the route again", () => {
    const d = drive({}, byRoute({ "a/m": () => failure(500) }, 50)).submit(
      ...every(800, 100),
      request({ at: 0 }),
    );
    d.run();
    const probes = d.sends.filter((s) => s.probe);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    // Each probe failed and opened the route for another 30 s.
    for (let i = 1; i < probes.length; i++)
      expect(probes[i]!.t - probes[i - 1]!.t).toBeGreaterThanOrEqual(30_000);
  });
});

describe("recovery, whatever else is configured", () => {
  it("P17 a route stepping back up earns its reserved share (P7) back in steps too", () => {
    const flaky = (send: SendRecord) => (send.t < 2000 ? failure(500) : ok());
    const run = (P17: boolean) => {
      const d = drive({ P17 }, byRoute({ "a/m": flaky }), {
        classes: { chat: ["a/m", "b/m"] },
        routes: { "a/m": { share: 0.5 }, "b/m": { share: 0.5 } },
      }).submit(...every(1000, 100));
      d.run();
      const probe = d.sends.find((s) => s.probe && s.route === "a/m")!;
      const from = probe.t + 100;
      return (
        d.sendsTo("a/m", from, from + 9000) /
        d.sends.filter((s) => s.t >= from && s.t < from + 9000).length
      );
    };
    // The first step (0.1) is offered for the share and for the order: at most twice it.
    expect(run(true)).toBeLessThanOrEqual(0.2);
    expect(run(false)).toBeGreaterThanOrEqual(0.45);
  });

  it("P14 answers to calls sent before a route opened do not keep it shut", () => {
    // a/m stalls until 35 s: its calls time out 30 s after they were sent.
    const stalls = (send: SendRecord) => (send.t < 35_000 ? timedOut() : ok());
    const after = (send: SendRecord) => (send.route === "a/m" && send.t < 35_000 ? 30_000 : 10);
    const d = drive({}, byRoute({ "a/m": stalls }, after)).submit(...every(900, 100));
    d.run();
    const opened = d.router.events.find((e) => e.route === "a/m" && e.kind === "open")!;
    const probe = d.sends.find((s) => s.probe && s.route === "a/m")!;
    // The first probe goes one open period after the route opened, not later.
    expect(probe.t - opened.t).toBeLessThan(30_000 + 1000);
  });
});
