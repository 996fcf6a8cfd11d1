/** A route is one vendor x model pair: its own road with its own limits (P1). */
export type RouteId = `${string}/${string}`;

/** The playbook's rule numbers (PLAYBOOK.md); P20 belongs to several nodes, not one core. */
export const RULE_IDS = [
  "P1",
  "P2",
  "P3",
  "P4",
  "P5",
  "P6",
  "P7",
  "P8",
  "P9",
  "P10",
  "P11",
  "P12",
  "P13",
  "P14",
  "P15",
  "P16",
  "P17",
  "P18",
  "P19",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** Which rules are on. A rule switched off falls back to what a naive gateway does. */
export type RuleSwitches = Record<RuleId, boolean>;

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

/** What the router knows of a route beyond its headers (P2, P7). */
export interface RouteOptions {
  /** Steady share of its class's traffic the route carries while it can (P7). */
  share?: number;
  /** Concurrent calls the route takes (P2). */
  concurrency?: number;
  /** Spend per scenario day the route may run up (P2). */
  dailySpendUsd?: number;
  /** Prices to reckon spend with, USD per million tokens (filled from the vendor profile). */
  priceUsdPerMTok?: { input: number; output: number };
}

export type Jitter = "full" | "decorrelated";

export interface RetryPolicy {
  /** Attempts per request, the first included (P18: capped count). */
  maxAttempts: number;
  /** First backoff step; each further attempt doubles it, up to maxMs. */
  baseMs: number;
  maxMs: number;
  jitter: Jitter;
  /** Retries allowed as a share of fresh requests over the last windowMs (P18). */
  budget: number;
  /** Retries always allowed per second, so a quiet router can still retry. */
  minPerSecond: number;
  windowMs: number;
  /** The one shared delay a naive client waits before every retry (P18 off). */
  fixedDelayMs: number;
  /** Bound of the retry queue (P8). */
  maxQueue: number;
  /** Where the retry queue is served among the lanes; fresh lanes of equal priority go first. */
  priority: number;
}

export interface HealthPolicy {
  /** This many 429s within windowMs open the route (P13). */
  throttleBurst: number;
  /** This many timeouts, connection failures, 5xx or overloads within windowMs open it. */
  errorSpike: number;
  windowMs: number;
  /** Recent latency above this multiple of the route's usual latency marks it slow. */
  slowFactor: number;
  /** The window the usual latency is the best stretch of. */
  baselineMs: number;
  /** How long an open route gets no fresh sends before it is probed (P14). */
  openMs: number;
  /** Probes in flight at once while half-open. */
  probes: number;
}

export interface RouterConfig {
  rules: RuleSwitches;
  /** Share of a stated limit the router plans to use (P6). */
  headroom: number;
  /** Cooldown after a 429 that carries no Retry-After (P5, P14). */
  cooldownMs: number;
  /** Equivalence classes: routes in order of preference (P12). */
  classes: Record<string, RouteId[]>;
  routes: Partial<Record<RouteId, RouteOptions>>;
  lanes: LaneConfig[];
  /** P10: a prompt of at least thresholdTokens is large; large prompts may use `share` of a route's token budget. */
  largePrompts: { thresholdTokens: number; share: number };
  /** P11: per-tenant requests and tokens per minute (undefined: no limit). */
  tenants: {
    requestsPerMinute?: number;
    tokensPerMinute?: number;
    overrides: Record<string, { requestsPerMinute?: number; tokensPerMinute?: number }>;
  };
  health: HealthPolicy;
  /** P17: the weights a route steps through, and how long each step holds. */
  shift: { steps: number[]; stepMs: number };
  retry: RetryPolicy;
  /**
   * P19: lanes paused first under pressure, in order. They plan against the lower
   * `headroom`, and the i-th pauses once the oldest waiting request of another lane is
   * (i + 1) x pauseAtQueueAgeMs old.
   */
  shed: { lanes: string[]; headroom: number; pauseAtQueueAgeMs: number };
}

export function routeId(vendor: string, model: string): RouteId {
  return `${vendor}/${model}`;
}

export function splitRouteId(id: RouteId): { vendor: string; model: string } {
  const slash = id.indexOf("/");
  return { vendor: id.slice(0, slash), model: id.slice(slash + 1) };
}
