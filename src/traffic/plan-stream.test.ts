import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../scenario/loader.js";
import { builtInScenarioNames } from "../scenario/registry.js";
import { TrafficStream } from "./plan.js";
import type { ArrivalSpec } from "./types.js";

/**
 * What each plan was, request by request, when it was still built whole before the
 * run (typed columns, before the plan became a stream): the count and a digest of
 * every request's JSON in order. A seed must keep giving the same requests.
 */
const BEFORE_STREAMING: Record<string, { requests: number; sha256: string }> = {
  "429-storm": {
    requests: 5400,
    sha256: "433f2037f20efe746084b4d528273c522e82a728db61fc87c956d42c389cf965",
  },
  "batch-contention": {
    requests: 6600,
    sha256: "4a6eab6e489ada1dcf59f5a8d78fc3ce9df5a1694ef5efca0cad27d16dde8642",
  },
  "bursty-refill": {
    requests: 4800,
    sha256: "1784791a2a51f04e5006b719393203cf7719f6eb78ddd9fad1f7e56dd8cf5687",
  },
  "large-prompts": {
    requests: 2925,
    sha256: "f5c11b5fff887894c6abb5212e961cec660b04a36b3a1a1f6b107e998ce580ef",
  },
  "lunch-rush": {
    requests: 7140,
    sha256: "d6738ce493899e047ec5072f00292f3b4359b232666919bd2757af63931c1d8a",
  },
  "noisy-tenant": {
    requests: 8352,
    sha256: "ae6357a097de771f85d557d478f237ad9e6595b45772218825a0bac7e0bfd601",
  },
  "retry-storm": {
    requests: 3536,
    sha256: "d816594845a097425f54e239b07385fd0098eb4b6afd37c4561a9ddd83cf088c",
  },
  "slow-vendor": {
    requests: 6000,
    sha256: "3b96c8613c03a2b3329801ffdf7e8688067a274a9cc2fbf1bb17679dc62d7a61",
  },
  "vendor-outage": {
    requests: 6000,
    sha256: "3b96c8613c03a2b3329801ffdf7e8688067a274a9cc2fbf1bb17679dc62d7a61",
  },
  "ties, ramp, step and diurnal": {
    requests: 5065,
    sha256: "cd28e6726b7ea964e375bd12e1f40af6c3f8b146f9a4825b0aaa7acdbb0856a7",
  },
  "tenants, client retries, mixtures and a spike": {
    requests: 15790,
    sha256: "359fb76f762fce15fabad74f1a18a1d0d5ac70c285fc0705eb421724b7fc3bf2",
  },
  "a replay beside poisson": {
    requests: 171,
    sha256: "ab5990c93ad5c6e399cebae3987ebc2e291954c610bded12ea3985ae5bc847bd",
  },
  "an hour at 20 a second, cut by the duration": {
    requests: 45072,
    sha256: "89e336c21c268ac1e16bc64c2b8429c0a0bc230d3203f180b27243c8119bd7f0",
  },
};

/**
 * Drills added after the plan became a stream (issue 9's drills for gateways), as
 * their first plans were: they have no whole-plan builder to agree with, but a seed
 * must keep giving them the same requests all the same.
 */
const SINCE_STREAMING: Record<string, { requests: number; sha256: string }> = {
  "cut-stream": {
    requests: 2832,
    sha256: "4eb5a54bff32e8626616474e9f36cfa011caae14d6c0eca92daaa778ad64bb95",
  },
  "retry-after-edge": {
    requests: 2832,
    sha256: "fc7cc7672fa023344364922017b51d098c876f9307e0b54028d377cf513f72e0",
  },
  "retry-amplification": {
    requests: 2352,
    sha256: "ac7ab250dd8b46bbb15c0852fe616be4d9be4c9093c0020c52ff006f559d19d3",
  },
  "silent-upstream": {
    requests: 2832,
    sha256: "fc7cc7672fa023344364922017b51d098c876f9307e0b54028d377cf513f72e0",
  },
  "multi-node": {
    requests: 3299,
    sha256: "6b5ede654988f1c7f09d3bff0435b82a953c91a75f4a1de8d36ee6b55c532f7e",
  },
};

const specs = JSON.parse(
  readFileSync(new URL("./fixtures/stream-specs.json", import.meta.url), "utf8"),
) as { name: string; durationMs: number; seed: number; arrivals: ArrivalSpec[] }[];

function digest(stream: TrafficStream): { requests: number; sha256: string } {
  const hash = createHash("sha256");
  let requests = 0;
  for (let p = stream.next(); p !== undefined; p = stream.next()) {
    // (The id is in the digest too: each request's id is its place in time order.)
    hash.update(`${JSON.stringify(p)}\n`);
    requests++;
  }
  return { requests, sha256: hash.digest("hex") };
}

describe("the streamed traffic plan", () => {
  it.each(builtInScenarioNames())("gives built-in %s the same requests as before", (name) => {
    const s = loadScenario(name, { cwd: process.cwd() });
    expect(digest(new TrafficStream(s.traffic, s.durationMs, s.seed))).toEqual(
      BEFORE_STREAMING[name] ?? SINCE_STREAMING[name],
    );
  });

  it.each(specs.map((s) => [s.name, s] as const))(
    "gives %s the same requests as before",
    (name, s) => {
      expect(digest(new TrafficStream(s.arrivals, s.durationMs, s.seed))).toEqual(
        BEFORE_STREAMING[name],
      );
    },
  );

  it("makes requests as they are asked for, not the whole plan up front", () => {
    // A month at 500 a second is over a billion requests: built whole, it would not fit.
    const month = 30 * 24 * 3_600_000;
    const stream = new TrafficStream(
      [
        {
          type: "poisson",
          rate: 500,
          fromMs: 0,
          untilMs: month,
          lane: "interactive",
          class: "chat",
          tenant: "default",
          prompt: 100,
          completion: 20,
          stream: 0.5,
        },
      ],
      month,
      1,
    );
    const first = stream.next()!;
    expect(first.id).toBe(0);
    expect(stream.next()!.intendedMs).toBeGreaterThanOrEqual(first.intendedMs);
  });
});
