import { describe, expect, it } from "vitest";
import { DEFAULT_TUNABLES } from "./presets.js";
import { RouteHealth } from "./route-health.js";

const policy = { ...DEFAULT_TUNABLES.health, throttleBurst: 5 };
const health = () =>
  new RouteHealth(policy, DEFAULT_TUNABLES.shift, { signals: true, steps: true, breaker: true });

describe("RouteHealth: a burst of 429s counts refusals of sends made after the router heard", () => {
  // Sim mode answers a 429 in zero time, so a batch of sends and their 429s share one
  // instant; by the clock alone, each 429 after the first looked like news about a
  // send made after the router heard (it opened after two batches; live, after five).
  it("a batch sent together and refused at the same instant is one piece of news", () => {
    const route = health();
    let sends = 0;
    for (let batch = 0; batch < 4; batch++) {
      const t = batch * 1000;
      const first = sends;
      sends += 4; // four waiting requests go at once when the cooldown ends
      for (let seq = first; seq < sends; seq++) {
        expect(route.recordThrottle(t, seq, sends)).toBe(false);
      }
    }
    expect(route.state(4000)).not.toBe("open");
    // The fifth refusal of what the route was told opens it.
    expect(route.recordThrottle(4000, sends, sends + 1)).toBe(true);
    expect(route.state(4000)).toBe("open");
  });

  it("429s to sends made one after another, each after the last 429, open the route", () => {
    const route = health();
    const opened = [0, 1, 2, 3, 4].map((seq) => route.recordThrottle(seq * 100, seq, seq + 1));
    expect(opened).toEqual([false, false, false, false, true]);
  });

  it("a late 429 to a call sent before the last one came back is old news", () => {
    const route = health();
    // Five calls in flight; the first answer is heard, then the other four, late.
    for (let seq = 0; seq < 5; seq++) expect(route.recordThrottle(10 * seq, seq, 5)).toBe(false);
    expect(route.state(100)).toBe("healthy");
  });
});

describe("RouteHealth: a long spell of cooling brings the route back in steps (P17)", () => {
  const { openMs } = DEFAULT_TUNABLES.health;
  const { steps, stepMs } = DEFAULT_TUNABLES.shift;

  it("after a Retry-After as long as an open period, the route climbs its steps from the first", () => {
    const route = health();
    route.coolDown(openMs + 5_000, 0);
    expect(route.state(openMs)).toBe("cooling");
    const back = openMs + 5_000;
    expect(route.weight(back)).toBe(steps[0]);
    expect(route.weight(back + stepMs)).toBe(steps[1]);
    expect(route.weight(back + (steps.length - 1) * stepMs)).toBe(1);
  });

  it("so do back-to-back cooldowns adding up to an open period (a storm of short 429s)", () => {
    const route = health();
    let t = 0;
    while (t <= openMs) {
      route.coolDown(t + 1_000, t);
      t += 1_500; // each 429 a moment after the last cooldown ended
    }
    expect(route.weight(t + 1_000)).toBe(steps[0]);
  });

  it("while short cooldowns a step apart, or one short cooldown, leave its weight whole", () => {
    const route = health();
    for (let t = 0; t < 4 * openMs; t += stepMs + 2_000) route.coolDown(t + 1_000, t);
    expect(route.weight(4 * openMs)).toBe(1);
    const once = health();
    once.coolDown(2_000, 0);
    expect(once.weight(2_000)).toBe(1);
  });
});
