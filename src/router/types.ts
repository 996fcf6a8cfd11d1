/** A route is one vendor x model pair: its own road with its own limits (P1). */
export type RouteId = `${string}/${string}`;

export interface LaneConfig {
  name: string;
  /** 0 is served first. */
  priority: number;
  /** Longest wait before the first send (P9); past it the request is shed. */
  waitBudgetMs: number;
  /** Queue bound; a request arriving to a full queue is shed. */
  maxQueue: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Longest time from the intended start to an answer. */
  deadlineMs: number;
}

export interface RouterConfig {
  /** Share of a stated limit the router plans to use (P6). */
  headroom: number;
  maxAttempts: number;
  /** Cooldown after a 429 that carries no Retry-After. */
  cooldownMs: number;
  /** Equivalence classes: routes in order of preference. */
  classes: Record<string, RouteId[]>;
  lanes: LaneConfig[];
}

export function routeId(vendor: string, model: string): RouteId {
  return `${vendor}/${model}`;
}

export function splitRouteId(id: RouteId): { vendor: string; model: string } {
  const slash = id.indexOf("/");
  return { vendor: id.slice(0, slash), model: id.slice(slash + 1) };
}
