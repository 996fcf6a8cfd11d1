import {
  categorise,
  type ErrorCategory,
  isRetryable,
  type TransportFailure,
} from "./error-category.js";
import { type Headers, parseRateLimitHeaders } from "./rate-limit-headers.js";
import { RouteBudget } from "./route-budget.js";
import type { LaneConfig, RouteId, RouterConfig } from "./types.js";

/** A user request as the router sees it. */
export interface RouterRequest {
  id: number;
  lane: string;
  class: string;
  /** The request's intended start, scenario ms: its deadline counts from here. */
  arrivedMs: number;
  /** Tokens a vendor will charge up front (prompt + max tokens). */
  tokenCost: number;
}

export type ShedReason = "queue-full" | "wait-budget";

export type Decision<R extends RouterRequest = RouterRequest> =
  | { type: "send"; request: R; route: RouteId; attempt: number }
  | { type: "shed"; request: R; reason: ShedReason }
  | { type: "deadline"; request: R };

/** What came back from one attempt. */
export interface AttemptOutcome {
  status: number;
  headers: Headers;
  transport?: TransportFailure;
  /** Wall time of the answer, ms since the epoch: what absolute resets count from. */
  epochMs?: number;
}

export type Verdict =
  | { type: "done" }
  | { type: "retry"; category: ErrorCategory }
  | { type: "failed"; category: ErrorCategory }
  | { type: "deadline"; category: ErrorCategory };

interface Entry<R extends RouterRequest> {
  request: R;
  attempts: number;
  lastRoute: RouteId | undefined;
  /** The route's send sequence number of the attempt in flight. */
  sendSeq: number;
}

/** A FIFO queue with O(1) pops from the front (no Array.shift in the hot path). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  push(item: T): void {
    this.items.push(item);
  }
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** How often the router asks to be woken while requests wait for room. */
const RECONSIDER_MS = 100;

/**
 * The pure router core. Requests wait in lanes (P8) served in priority order;
 * each goes to the first route of its equivalence class that is not cooling down
 * and has budget left within the headroom (P1, P6). A 429 cools its route down
 * for as long as Retry-After asks (P5, P14) and the request moves on to another
 * route. No I/O and no clock: time is an argument, decisions are returned as data.
 */
export class Router<R extends RouterRequest = RouterRequest> {
  private readonly budgets = new Map<RouteId, RouteBudget>();
  private readonly lanes: { config: LaneConfig; queue: Queue<Entry<R>> }[];
  private readonly laneByName = new Map<string, { config: LaneConfig; queue: Queue<Entry<R>> }>();
  private readonly attempts = new Map<number, Entry<R>>();
  private readonly classCount: number;

  constructor(private readonly config: RouterConfig) {
    this.lanes = [...config.lanes]
      .sort((a, b) => a.priority - b.priority)
      .map((lane) => ({ config: lane, queue: new Queue<Entry<R>>() }));
    for (const lane of this.lanes) this.laneByName.set(lane.config.name, lane);
    this.classCount = Object.keys(config.classes).length;
    for (const routes of Object.values(config.classes)) {
      for (const route of routes)
        if (!this.budgets.has(route)) this.budgets.set(route, new RouteBudget());
    }
  }

  /** Takes a new request into its lane; a full lane sheds it at once. */
  submit(request: R): Decision<R> | undefined {
    const lane = this.lane(request.lane);
    if (lane.queue.length >= lane.config.maxQueue)
      return { type: "shed", request, reason: "queue-full" };
    lane.queue.push({ request, attempts: 0, lastRoute: undefined, sendSeq: -1 });
    return undefined;
  }

  /**
   * Sends what can go now and sheds what waited too long, lane by lane in
   * priority order, each lane first-in first-out. A request with no route that has
   * room keeps its place, and so does everything of its class behind it; those
   * are still checked against their wait budget and deadline.
   */
  dispatch(nowMs: number): Decision<R>[] {
    const decisions: Decision<R>[] = [];
    for (const { config, queue } of this.lanes) {
      if (queue.length === 0) continue;
      const blocked = new Set<string>();
      const kept: Entry<R>[] = [];
      for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
        const age = nowMs - entry.request.arrivedMs;
        if (age >= config.deadlineMs) {
          decisions.push({ type: "deadline", request: entry.request });
          continue;
        }
        if (entry.attempts === 0 && age >= config.waitBudgetMs) {
          decisions.push({ type: "shed", request: entry.request, reason: "wait-budget" });
          continue;
        }
        const route = blocked.has(entry.request.class) ? undefined : this.pickRoute(entry, nowMs);
        if (route === undefined) {
          blocked.add(entry.request.class);
          kept.push(entry);
          // Everything behind is younger and blocked too: nothing more to do here.
          if (blocked.size === this.classCount && entry.attempts === 0) break;
          continue;
        }
        entry.attempts += 1;
        entry.lastRoute = route;
        entry.sendSeq = this.budgets.get(route)!.recordSend(entry.request.tokenCost);
        this.attempts.set(entry.request.id, entry);
        decisions.push({ type: "send", request: entry.request, route, attempt: entry.attempts });
      }
      for (let i = kept.length - 1; i >= 0; i--) queue.unshift(kept[i]!);
    }
    return decisions;
  }

  /** Learns from an attempt's result and says what becomes of the request. */
  complete(requestId: number, outcome: AttemptOutcome, nowMs: number): Verdict {
    const entry = this.attempts.get(requestId);
    if (!entry?.lastRoute) throw new Error(`no attempt in flight for request ${requestId}`);
    this.attempts.delete(requestId);
    const budget = this.budgets.get(entry.lastRoute)!;
    budget.recordDone();
    const observation = parseRateLimitHeaders(outcome.headers, outcome.epochMs);
    budget.observe(observation, entry.sendSeq, nowMs);

    const category = categorise(outcome.status, outcome.transport, outcome.headers);
    if (category === undefined) return { type: "done" };
    if (category === "throttled") {
      // Wait as long as Retry-After asks, and at least the configured cooldown.
      budget.coolDown(nowMs + Math.max(observation.retryAfterMs ?? 0, this.config.cooldownMs));
      budget.exhausted(nowMs);
    }
    const lane = this.lane(entry.request.lane);
    if (!isRetryable(category) || entry.attempts >= this.config.maxAttempts) {
      return { type: "failed", category };
    }
    if (nowMs - entry.request.arrivedMs >= lane.config.deadlineMs)
      return { type: "deadline", category };
    // A retry goes to the front of its lane: it has waited longest.
    lane.queue.unshift(entry);
    return { type: "retry", category };
  }

  /** When the router next needs dispatch() called, if requests are waiting. */
  wakeAt(nowMs: number): number | undefined {
    if (!this.lanes.some((l) => l.queue.length > 0)) return undefined;
    let wake = nowMs + RECONSIDER_MS;
    for (const budget of this.budgets.values()) {
      if (budget.cooldownUntilMs > nowMs) wake = Math.min(wake, budget.cooldownUntilMs);
    }
    return wake;
  }

  queueDepth(lane: string): number {
    return this.laneByName.get(lane)?.queue.length ?? 0;
  }

  get waiting(): number {
    return this.lanes.reduce((n, l) => n + l.queue.length, 0);
  }

  get inFlight(): number {
    return this.attempts.size;
  }

  /** The live picture of a route, for reports and tests. */
  routeState(route: RouteId, nowMs: number) {
    const budget = this.budgets.get(route);
    if (!budget) return undefined;
    return {
      cooling: budget.isCooling(nowMs),
      cooldownUntilMs: budget.cooldownUntilMs,
      inFlight: budget.inFlight,
      ...budget.estimate(nowMs),
    };
  }

  /** Takes every waiting request out (a run that stops early accounts for them). */
  drainWaiting(): R[] {
    const out: R[] = [];
    for (const { queue } of this.lanes) {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) out.push(e.request);
    }
    return out;
  }

  private lane(name: string) {
    const lane = this.laneByName.get(name);
    if (!lane) throw new Error(`unknown lane "${name}"`);
    return lane;
  }

  private pickRoute(entry: Entry<R>, nowMs: number): RouteId | undefined {
    const routes = this.config.classes[entry.request.class] ?? [];
    let fallback: RouteId | undefined;
    for (const route of routes) {
      const budget = this.budgets.get(route)!;
      if (budget.isCooling(nowMs)) continue;
      if (!budget.hasRoom(entry.request.tokenCost, this.config.headroom, nowMs)) continue;
      // A retry prefers a route other than the one that just failed it.
      if (route === entry.lastRoute) {
        fallback ??= route;
        continue;
      }
      return route;
    }
    return fallback;
  }
}
