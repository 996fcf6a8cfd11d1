import type { PlanSource } from "./traffic-plan.js";
import type { PlannedRequest } from "./types.js";

/**
 * One share of a run spread over machines (`--shard i/n`, 1-based): shard i of n
 * owns the plan's requests whose id satisfies id % n === i - 1. Every shard draws
 * the same seeded plan, so ids and requests are those of the unsharded run: the
 * shares are disjoint and together make the whole plan.
 */
export interface Shard {
  index: number;
  count: number;
}

export function ownsRequest(shard: Shard, id: number): boolean {
  return id % shard.count === shard.index - 1;
}

/**
 * Reads "i/n" (`--shard`): whole numbers with 1 <= i <= n. Returns the shard, or
 * what is wrong with the text in a few words.
 */
export function parseShard(text: string): Shard | string {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return 'expected i/n, e.g. "1/2" for the first of two shards.';
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) return "expected at least one shard (n >= 1).";
  if (index < 1 || index > count)
    return `expected a shard from 1 to ${count} (i/n with 1 <= i <= n).`;
  return { index, count };
}

/** A plan cut to one shard's requests (live mode: a shard sends only its own). */
export function shardPlan(plan: PlanSource, shard: Shard): PlanSource {
  return {
    next(): PlannedRequest | undefined {
      for (let p = plan.next(); p !== undefined; p = plan.next())
        if (ownsRequest(shard, p.id)) return p;
      return undefined;
    },
  };
}
