import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";
import { buildPlan, TrafficStream } from "./plan.js";
import { ownsRequest, parseShard, shardPlan } from "./shard.js";
import type { PlannedRequest } from "./types.js";

function drain(plan: { next(): PlannedRequest | undefined }): PlannedRequest[] {
  const out: PlannedRequest[] = [];
  for (let p = plan.next(); p !== undefined; p = plan.next()) out.push(p);
  return out;
}

describe("--shard i/n: the plan's partition", () => {
  // lunch-rush, cut to 2 minutes: three arrival processes (constant, spike), two lanes.
  const scenario = loadScenario("lunch-rush", {
    cwd: process.cwd(),
    overrides: [parseOverride("duration=2m")],
  });

  it("shards are disjoint, cover the whole plan, and each request is the unsharded one", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 3 }),
        (seed, n) => {
          const whole = buildPlan(scenario.traffic, scenario.durationMs, seed);
          const byId = new Map(whole.map((p) => [p.id, p]));
          const seen = new Set<number>();
          for (let index = 1; index <= n; index++) {
            const shard = { index, count: n };
            const share = drain(
              shardPlan(new TrafficStream(scenario.traffic, scenario.durationMs, seed), shard),
            );
            for (const p of share) {
              expect(seen.has(p.id), `request ${p.id} in two shards`).toBe(false);
              seen.add(p.id);
              expect(ownsRequest(shard, p.id)).toBe(true);
              expect(p).toEqual(byId.get(p.id));
            }
            // In order of intended start, as the engine releases them.
            for (let i = 1; i < share.length; i++)
              expect(share[i]!.intendedMs).toBeGreaterThanOrEqual(share[i - 1]!.intendedMs);
          }
          expect(seen.size).toBe(whole.length);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("shards of n share the plan evenly (ids are dealt round the shards)", () => {
    const whole = buildPlan(scenario.traffic, scenario.durationMs, 1);
    const sizes = [1, 2, 3].map(
      (index) =>
        drain(
          shardPlan(new TrafficStream(scenario.traffic, scenario.durationMs, 1), {
            index,
            count: 3,
          }),
        ).length,
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(whole.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
});

describe("parseShard", () => {
  it.each([
    ["1/1", { index: 1, count: 1 }],
    ["2/3", { index: 2, count: 3 }],
    [" 3 / 3 ", { index: 3, count: 3 }],
  ])("%j is a shard", (text, shard) => {
    expect(parseShard(text)).toEqual(shard);
  });

  it.each([
    ["0/2", /from 1 to 2/],
    ["3/2", /from 1 to 2/],
    ["1/0", /at least one shard/],
    ["x", /expected i\/n/],
    ["1/2/3", /expected i\/n/],
    ["-1/2", /expected i\/n/],
    ["1.5/2", /expected i\/n/],
  ])("%j is not", (text, message) => {
    expect(parseShard(text)).toMatch(message);
  });
});
