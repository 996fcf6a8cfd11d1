import { createRng } from "../random/rng.js";
import { presetConfig } from "../router/presets.js";
import type { AttemptOutcome, Decision, RouterRequest, Verdict } from "../router/router.js";
import { Router } from "../router/router.js";
import type { LaneConfig, RouteId, RouterConfig, RuleId } from "../router/types.js";

export const INTERACTIVE: LaneConfig = {
  name: "interactive",
  priority: 0,
  waitBudgetMs: 2000,
  maxQueue: 1000,
  timeoutMs: 30_000,
  deadlineMs: 60_000,
};
export const BACKGROUND: LaneConfig = {
  name: "background",
  priority: 1,
  waitBudgetMs: 300_000,
  maxQueue: 5000,
  timeoutMs: 60_000,
  deadlineMs: 600_000,
};

/**
 * A playbook router config over three routes of one class, a/m, b/m and c/m, with an
 * interactive and a background lane; `rules` switches single rules off (or on).
 */
export function routerConfig(
  parts: Partial<RouterConfig> = {},
  rules: Partial<Record<RuleId, boolean>> = {},
): RouterConfig {
  const config = presetConfig("playbook", {
    classes: { chat: ["a/m", "b/m", "c/m"] },
    lanes: [INTERACTIVE, BACKGROUND],
    ...parts,
  });
  config.rules = { ...config.rules, ...rules };
  return config;
}

/**
 * A driver over routerConfig(parts, rules): the same traffic can be run with a rule
 * on and switched off. `tune` adjusts the config further before the router is built.
 */
export function drive(
  rules: Partial<Record<RuleId, boolean>>,
  responder: Responder,
  parts: Partial<RouterConfig> = {},
  tune: (config: RouterConfig) => void = () => {},
): RouterDriver {
  const config = routerConfig(parts, rules);
  tune(config);
  return new RouterDriver(config, responder);
}

let nextId = 0;
export function request(parts: Partial<RouterRequest> & { at?: number } = {}): RouterRequest {
  const { at = 0, ...rest } = parts;
  return {
    id: nextId++,
    lane: "interactive",
    class: "chat",
    tenant: "t",
    arrivedMs: at,
    promptTokens: 200,
    maxTokens: 100,
    ...rest,
  };
}

export const budgetHeaders = (limit: number, remaining: number, reset = "1m0s") => ({
  "x-ratelimit-limit-requests": String(limit),
  "x-ratelimit-remaining-requests": String(remaining),
  "x-ratelimit-reset-requests": reset,
});
export const tokenHeaders = (limit: number, remaining: number, reset = "1m0s") => ({
  "x-ratelimit-limit-tokens": String(limit),
  "x-ratelimit-remaining-tokens": String(remaining),
  "x-ratelimit-reset-tokens": reset,
});
export const ok = (headers = {}): AttemptOutcome => ({ status: 200, headers });
export const throttled = (retryAfterMs?: number, headers = {}): AttemptOutcome => ({
  status: 429,
  headers: {
    ...headers,
    ...(retryAfterMs === undefined ? {} : { "retry-after-ms": String(retryAfterMs) }),
  },
});
export const quota = (): AttemptOutcome => ({
  status: 429,
  headers: { "x-should-retry": "false" },
});
export const failure = (status: number): AttemptOutcome => ({ status, headers: {} });
export const timedOut = (): AttemptOutcome => ({ status: 0, headers: {}, transport: "timeout" });

export interface SendRecord {
  t: number;
  id: number;
  route: RouteId;
  attempt: number;
  probe: boolean;
  /** The route's health when the send went, and its learned budget just after. */
  health?: string;
  after?: { requests?: number; requestLimit?: number };
}

export interface EndRecord {
  t: number;
  type: "done" | "failed" | "deadline" | "shed";
  reason?: string;
}

/** How a test's vendors answer: the outcome of one attempt, and how long it takes. */
export type Responder = (
  send: SendRecord,
  request: RouterRequest,
) => { outcome: AttemptOutcome; afterMs: number };

interface Pending {
  at: number;
  id: number;
  outcome: AttemptOutcome;
}

/**
 * Runs a Router in virtual time against scripted vendors: arrivals at their
 * intended times, answers after the responder's delay, dispatch whenever the router
 * asks to be woken. Records every send and every request's end, so a test can
 * assert what the router did, never how long the machine took.
 */
export class RouterDriver {
  readonly router: Router;
  readonly sends: SendRecord[] = [];
  readonly ends = new Map<number, EndRecord[]>();
  readonly verdicts: { t: number; id: number; verdict: Verdict }[] = [];
  private readonly arrivals: RouterRequest[] = [];
  private pending: Pending[] = [];
  now = 0;

  constructor(
    config: RouterConfig,
    private readonly responder: Responder,
    seed = 1,
  ) {
    this.router = new Router(config, createRng(seed).next);
  }

  submit(...requests: RouterRequest[]): this {
    this.arrivals.push(...requests);
    this.arrivals.sort((a, b) => a.arrivedMs - b.arrivedMs || a.id - b.id);
    return this;
  }

  /** Runs until nothing is left, or until untilMs of virtual time. */
  run(untilMs = Number.POSITIVE_INFINITY): this {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const nextArrival = this.arrivals[0]?.arrivedMs ?? Number.POSITIVE_INFINITY;
      const nextAnswer = this.pending[0]?.at ?? Number.POSITIVE_INFINITY;
      const wake = this.router.wakeAt(this.now) ?? Number.POSITIVE_INFINITY;
      const next = Math.min(nextArrival, nextAnswer, wake);
      if (next === Number.POSITIVE_INFINITY || next > untilMs) break;
      this.now = Math.max(this.now, next);
      while (this.arrivals[0] && this.arrivals[0].arrivedMs <= this.now) {
        const r = this.arrivals.shift()!;
        const shed = this.router.submit(r, this.now);
        if (shed) this.apply([shed]);
      }
      while (this.pending[0] && this.pending[0].at <= this.now) {
        const p = this.pending.shift()!;
        this.answer(p, p.outcome);
      }
      this.apply(this.router.dispatch(this.now));
    }
    if (untilMs !== Number.POSITIVE_INFINITY) this.now = Math.max(this.now, untilMs);
    return this;
  }

  sendsTo(route: RouteId, from = 0, until = Number.POSITIVE_INFINITY): number {
    return this.sends.filter((s) => s.route === route && s.t >= from && s.t < until).length;
  }

  endOf(id: number): EndRecord | undefined {
    return this.ends.get(id)?.[0];
  }

  private answer(p: Pending, outcome: AttemptOutcome): void {
    const verdict = this.router.complete(p.id, outcome, this.now);
    this.verdicts.push({ t: this.now, id: p.id, verdict });
    if (verdict.type === "done") this.end(p.id, { t: this.now, type: "done" });
    else if (verdict.type === "failed")
      this.end(p.id, { t: this.now, type: "failed", reason: verdict.why });
    else if (verdict.type === "deadline") this.end(p.id, { t: this.now, type: "deadline" });
    for (const id of this.router.takeAbandoned()) {
      const cut = this.pending.find((q) => q.id === id);
      if (!cut) continue;
      this.pending = this.pending.filter((q) => q !== cut);
      this.answer(cut, { status: 0, headers: {}, transport: "abandoned" });
    }
  }

  private apply(decisions: readonly Decision[]): void {
    for (const d of decisions) {
      if (d.type === "send") {
        const state = this.router.routeState(d.route, this.now);
        const send: SendRecord = {
          t: this.now,
          id: d.request.id,
          route: d.route,
          attempt: d.attempt,
          probe: d.probe,
          ...(state
            ? {
                health: state.health,
                after: {
                  ...(state.requests !== undefined ? { requests: state.requests } : {}),
                  ...(state.requestLimit !== undefined ? { requestLimit: state.requestLimit } : {}),
                },
              }
            : {}),
        };
        this.sends.push(send);
        // The vendor decides when the request reaches it, as a real one does.
        const { outcome, afterMs } = this.responder(send, d.request);
        this.insert({ at: this.now + afterMs, id: d.request.id, outcome });
      } else if (d.type === "shed") {
        this.end(d.request.id, { t: this.now, type: "shed", reason: d.reason });
      } else {
        this.end(d.request.id, { t: this.now, type: "deadline" });
      }
    }
  }

  private insert(p: Pending): void {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pending[mid]!.at <= p.at) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, p);
  }

  private end(id: number, record: EndRecord): void {
    const list = this.ends.get(id) ?? [];
    list.push(record);
    this.ends.set(id, list);
  }
}

/** A vendor's answer to one send, as of the send's time. */
export type RouteAnswer = (send: SendRecord, request: RouterRequest) => AttemptOutcome;

/**
 * Answers by route; a route not named answers 200 with no headers. Every answer
 * lands after `afterMs` (10 ms unless said).
 */
export function byRoute(
  answers: Partial<Record<RouteId, RouteAnswer>>,
  afterMs: number | ((send: SendRecord) => number) = 10,
): Responder {
  return (send, request) => ({
    outcome: answers[send.route]?.(send, request) ?? ok(),
    afterMs: typeof afterMs === "number" ? afterMs : afterMs(send),
  });
}

/**
 * A vendor limit that refills in full at each window's edge (a fixed window), and
 * says so in OpenAI's headers: requests, or tokens when `tokens` is set.
 */
export function fixedWindow(options: {
  limit: number;
  windowMs?: number;
  tokens?: boolean;
}): RouteAnswer {
  const windowMs = options.windowMs ?? 60_000;
  let window = -1;
  let used = 0;
  return (send, request) => {
    const w = Math.floor(send.t / windowMs);
    if (w !== window) {
      window = w;
      used = 0;
    }
    const cost = options.tokens ? request.promptTokens + request.maxTokens : 1;
    const resetMs = (w + 1) * windowMs - send.t;
    const headers = (remaining: number) =>
      options.tokens
        ? tokenHeaders(options.limit, remaining, `${resetMs}ms`)
        : budgetHeaders(options.limit, remaining, `${resetMs}ms`);
    if (used + cost > options.limit)
      return throttled(resetMs, headers(Math.max(0, options.limit - used)));
    used += cost;
    return ok(headers(options.limit - used));
  };
}

/** `count` requests, one every `spacingMs` from `fromMs`. */
export function every(
  count: number,
  spacingMs: number,
  fromMs = 0,
  parts: Partial<RouterRequest> = {},
): RouterRequest[] {
  return Array.from({ length: count }, (_, i) => request({ ...parts, at: fromMs + i * spacingMs }));
}
