import { describe, expect, it } from "vitest";
import { testScenario } from "../test-support/test-scenario.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { shardCapacity } from "./shard-capacity.js";

describe("shardCapacity: a live shard's vendors and router, cut to 1/n", () => {
  const s = testScenario();
  s.vendors[1] = testVendor("vendor-b", [
    testModel({
      limits: { rpm: 601, tpm: 90_000, inputTpm: 60_000, concurrent: 5, rpd: 2 },
    }),
  ]);
  s.router.routes = { "vendor-b/gpt-4o-mini": { concurrency: 7, dailySpendUsd: 9 } };
  s.router.tenants = { requestsPerMinute: 100, overrides: { acme: { tokensPerMinute: 1000 } } };

  it("divides every rate, token, concurrency and daily limit, rounding up, never to 0", () => {
    const cut = shardCapacity(s, 3);
    expect(cut.vendors[1]!.models[0]!.limits).toEqual({
      ...s.vendors[1]!.models[0]!.limits,
      rpm: 201,
      tpm: 30_000,
      inputTpm: 20_000,
      concurrent: 2,
      rpd: 1,
    });
    // What a profile leaves unset stays unset.
    expect(cut.vendors[1]!.models[0]!.limits).not.toHaveProperty("outputTpm");
    expect(cut.vendors[0]!.models[0]!.limits.rpm).toBe(20);
    // The n shards together hold at least the whole capacity.
    expect(cut.vendors[1]!.models[0]!.limits.rpm * 3).toBeGreaterThanOrEqual(601);
  });

  it("divides the router's own budgets and tenant quotas likewise", () => {
    const cut = shardCapacity(s, 3);
    expect(cut.router.routes["vendor-b/gpt-4o-mini"]).toEqual({ concurrency: 3, dailySpendUsd: 3 });
    expect(cut.router.tenants).toEqual({
      requestsPerMinute: 34,
      overrides: { acme: { tokensPerMinute: 334 } },
    });
  });

  it("leaves the scenario as it is for one shard, and never changes the one it was given", () => {
    const before = JSON.stringify(s);
    expect(shardCapacity(s, 1)).toBe(s);
    shardCapacity(s, 4);
    expect(JSON.stringify(s)).toBe(before);
  });
});
