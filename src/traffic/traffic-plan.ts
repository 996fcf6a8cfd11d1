import type { PlannedRequest } from "./types.js";

/**
 * What the engine needs of a plan: its requests in order of intended start, one
 * at a time (ids count from 0), made as the run reaches them (a TrafficStream), or
 * read off an array in tests.
 */
export interface PlanSource {
  /** The next request, or undefined once the plan is done. */
  next(): PlannedRequest | undefined;
}

/** A plan already in an array (tests): its requests in order. */
export function planOf(requests: readonly PlannedRequest[]): PlanSource {
  let i = 0;
  return { next: () => requests[i++] };
}
