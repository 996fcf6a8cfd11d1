/**
 * Retries that calm the system (P18) and background work shed first (P19). Each
 * test runs the same traffic with the rule on and switched off.
 */
import { describe, expect, it } from "vitest";
import {
  byRoute,
  drive as driveRouter,
  every,
  failure,
  fixedWindow,
  ok,
  type Responder,
  request,
  throttled,
} from "../test-support/router-driver.js";
import type { RouterConfig, RuleId } from "./types.js";

/** These tests are about retries: routes are kept from opening on the error spikes. */
const drive = (
  rules: Partial<Record<RuleId, boolean>>,
  responder: Responder,
  parts: Partial<RouterConfig> = {},
  tune: (config: RouterConfig) => void = () => {},
) =>
  driveRouter(rules, responder, parts, (config) => {
    tune(config);
    config.health.errorSpike = 1_000_000;
  });

const alwaysFails = byRoute({
  "a/m": () => failure(500),
  "b/m": () => failure(500),
  "c/m": () => failure(500),
});

describe("P18-P19: retries and shedding", () => {
  it("P18 spreads a synchronised wave of retries: no two share a delay", () => {
    const run = (P18: boolean) => {
      const d = drive({ P18 }, alwaysFails).submit(...every(50, 0));
      d.run(20);
      return d.verdicts.flatMap((v) => (v.verdict.type === "retry" ? [v.verdict.atMs] : []));
    };
    const on = run(true);
    expect(on).toHaveLength(50);
    expect(new Set(on).size).toBe(50);
    // A naive client's one shared delay brings the whole wave back at once.
    expect(new Set(run(false)).size).toBe(1);
  });

  it("P18 backs off exponentially: later retries wait longer", () => {
    const d = drive({}, alwaysFails).submit(...every(20, 0));
    d.run();
    const delays = (attempt: number) =>
      d.sends
        .filter((s) => s.attempt === attempt)
        .map(
          (s) => s.t - (d.sends.find((x) => x.id === s.id && x.attempt === attempt - 1)?.t ?? 0),
        );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(delays(3))).toBeGreaterThan(mean(delays(2)) * 1.3);
  });

  it("P18 keeps retries within the retry budget when a vendor fails everything", () => {
    const run = (P18: boolean) => {
      const d = drive({ P18 }, alwaysFails, {}, (c) => {
        c.retry.minPerSecond = 0;
      });
      d.submit(...every(200, 100)).run();
      return d;
    };
    const on = run(true);
    // Over any 9 s, retries stay within 20% of the fresh requests of the 10 s before.
    const retries = on.verdicts.filter((v) => v.verdict.type === "retry").map((v) => v.t);
    for (const t of retries) {
      const recent = retries.filter((r) => r > t - 9000 && r <= t).length;
      const fresh = on.sends.filter((s) => s.attempt === 1 && s.t > t - 10_000 && s.t <= t);
      expect(recent).toBeLessThanOrEqual(0.2 * fresh.length);
    }
    expect(on.router.stats.retriesDenied).toBeGreaterThan(100);
    // Without a budget every failure is tried the full three times.
    expect(run(false).router.stats.retries).toBe(400);
  });

  it("P18 honours Retry-After: the retry does not go back before it", () => {
    let first = true;
    const once = () => {
      if (!first) return ok();
      first = false;
      return throttled(5000);
    };
    const run = (P18: boolean) => {
      first = true;
      // P14 off, so no cooldown hides whether the retry itself waited.
      const d = drive({ P18, P14: false }, byRoute({ "a/m": once }), {
        classes: { chat: ["a/m"] },
      }).submit(request());
      d.run();
      return d.sends.find((s) => s.attempt === 2)!.t;
    };
    expect(run(true)).toBeGreaterThanOrEqual(5010);
    expect(run(false)).toBe(1010);
  });

  it("P19 sheds background work first: interactive finds the room background left", () => {
    const run = (P19: boolean) => {
      const d = drive({ P19 }, byRoute({ "a/m": fixedWindow({ limit: 100 }) }), {
        classes: { chat: ["a/m"] },
      });
      const background = every(100, 500, 0, { lane: "background" });
      const interactive = every(10, 1000, 40_000);
      d.submit(...background, ...interactive).run();
      return interactive.filter((r) => d.endOf(r.id)?.type === "done").length;
    };
    expect(run(true)).toBe(10);
    // Background used the route up to the same headroom; interactive found none.
    expect(run(false)).toBeLessThan(10);
  });

  it("P19 leaves interactive a free slot: background takes fewer concurrent calls", () => {
    // One route that takes two calls at once, each 1.5 s; background keeps it busy.
    const run = (P19: boolean) => {
      const d = drive({ P19 }, byRoute({}, 1500), {
        classes: { chat: ["a/m"] },
        routes: { "a/m": { concurrency: 2 } },
      });
      const interactive = every(10, 2000, 1000);
      d.submit(...every(300, 100, 0, { lane: "background" }), ...interactive).run();
      return interactive.map((r) => d.sends.find((s) => s.id === r.id)!.t - r.arrivedMs);
    };
    expect(run(true).every((wait) => wait === 0)).toBe(true);
    expect(run(false).some((wait) => wait > 0)).toBe(true);
  });

  it("P19 pauses background lanes while an interactive request waits", () => {
    // Interactive chat waits on a/m, cooling; background batch work has b/m to itself.
    const run = (P19: boolean) => {
      const d = drive(
        { P19 },
        byRoute({ "a/m": (send) => (send.t < 100 ? throttled(30_000) : ok()) }),
        { classes: { chat: ["a/m"], batch: ["b/m"] } },
      );
      // The first chat request meets the 429; the second waits for its first send.
      d.submit(
        request({ at: 0 }),
        request({ at: 200 }),
        ...every(50, 100, 0, { lane: "background", class: "batch" }),
      );
      d.run();
      return d.sendsTo("b/m", 1500, 2000);
    };
    expect(run(true)).toBe(0);
    expect(run(false)).toBeGreaterThan(0);
  });
});
