import { describe, expect, it } from "vitest";
import { createRng } from "../../random/rng.js";
import type { FaultSpec } from "./fault.js";
import { liveFaultSchema, resolveFault, scenarioFaultSchema } from "./fault-kinds.js";
import { FaultTimeline } from "./fault-timeline.js";

const fault = (overrides: Partial<FaultSpec>): FaultSpec => ({
  id: "f",
  kind: "throttle",
  vendor: "v",
  fromMs: 0,
  untilMs: Number.POSITIVE_INFINITY,
  probability: 1,
  ...overrides,
});

describe("FaultTimeline", () => {
  it("applies a fault only inside its window and to its model", () => {
    const t = new FaultTimeline([fault({ fromMs: 1000, untilMs: 2000, model: "m1" })]);
    const rng = createRng(1);
    expect(t.effectsFor("m1", 999, rng)).toEqual([]);
    expect(t.effectsFor("m1", 1000, rng)).toEqual([{ type: "refuse", refusal: "throttle" }]);
    expect(t.effectsFor("m2", 1500, rng)).toEqual([]);
    expect(t.effectsFor("m1", 2000, rng)).toEqual([]);
  });

  it("with a count, hits exactly that many requests: two 429s, then success", () => {
    const t = new FaultTimeline([fault({ count: 2 })]);
    const rng = createRng(1);
    const hits = [0, 1, 2, 3].map(() => t.effectsFor("m", 0, rng).length);
    expect(hits).toEqual([1, 1, 0, 0]);
  });

  it("with a probability, hits about that share of requests", () => {
    const t = new FaultTimeline([fault({ probability: 0.3 })]);
    const rng = createRng(7);
    let hits = 0;
    for (let i = 0; i < 2000; i++) hits += t.effectsFor("m", 0, rng).length;
    expect(hits / 2000).toBeGreaterThan(0.25);
    expect(hits / 2000).toBeLessThan(0.35);
  });

  it("adds, removes and clears faults while it runs", () => {
    const t = new FaultTimeline([]);
    t.add(fault({ id: "a" }));
    t.add(fault({ id: "b", kind: "stall" }));
    expect(t.effectsFor("m", 0, createRng(1))).toHaveLength(2);
    expect(t.remove("a")).toBe(true);
    expect(t.remove("a")).toBe(false);
    expect(t.effectsFor("m", 0, createRng(1))).toEqual([{ type: "stall" }]);
    t.clear();
    expect(t.list()).toEqual([]);
  });
});

describe("fault files", () => {
  it.each([
    [{ kind: "throttle" }, { type: "refuse", refusal: "throttle" }],
    [{ kind: "quota" }, { type: "refuse", refusal: "quota" }],
    [{ kind: "overload" }, { type: "refuse", refusal: "overload" }],
    [{ kind: "server-error" }, { type: "refuse", refusal: "server-error" }],
    [
      { kind: "latency", ms: "2s" },
      { type: "delay", addMs: 2000 },
    ],
    [{ kind: "stall" }, { type: "stall" }],
    [
      { kind: "reset", afterTokens: 3 },
      { type: "cut", afterTokens: 3, how: "reset" },
    ],
    [{ kind: "stream-error" }, { type: "cut", afterTokens: 5, how: "stream-error" }],
    [
      { kind: "slow-stream", tokensPerSecond: 4 },
      { type: "slow", tokensPerSecond: 4 },
    ],
    [{ kind: "outage" }, { type: "outage" }],
  ])("%o does %o", (raw, effect) => {
    const parsed = liveFaultSchema.parse(raw);
    const spec = resolveFault(parsed, "v", "id", 0, 60_000);
    expect(new FaultTimeline([spec]).effectsFor("m", 0, createRng(1))).toEqual([effect]);
  });

  it("resolves shared fields in one place: from, for, shares of the scenario, count", () => {
    const parsed = scenarioFaultSchema.parse({
      kind: "overload",
      vendor: "v",
      from: "10%",
      for: "30s",
      count: 3,
    });
    expect(resolveFault(parsed, "v", "x", 0, 600_000)).toEqual({
      id: "x",
      kind: "overload",
      vendor: "v",
      fromMs: 60_000,
      untilMs: 90_000,
      probability: 1,
      count: 3,
    });
  });

  it("rejects unknown kinds and fields a kind does not have", () => {
    expect(liveFaultSchema.safeParse({ kind: "meteor" }).success).toBe(false);
    expect(liveFaultSchema.safeParse({ kind: "throttle", ms: 5 }).success).toBe(false);
    expect(liveFaultSchema.safeParse({ kind: "slow-stream" }).success).toBe(false);
  });
});
