import { FRACTIONAL_ZERO } from "../clock/clock.js";
import { IdMap } from "../collections/id-map.js";
import { KeyList } from "../collections/key-list.js";
import {
  categorise,
  type ErrorCategory,
  isRetryable,
  type TransportFailure,
} from "./error-category.js";
import { LaneQueue } from "./lane-queue.js";
import {
  type BudgetObservation,
  type Headers,
  parseRateLimitHeaders,
  retryDelayFromBody,
} from "./rate-limit-headers.js";
import { backoffMs, RetryBudget } from "./retry-policy.js";
import { RollingSum } from "./rolling-sum.js";
import { RouteBudget, type SendMark } from "./route-budget.js";
import { type HealthState, RouteHealth } from "./route-health.js";
import { TenantQuotas } from "./tenant-quota.js";
import type { LaneConfig, RouteId, RouterConfig, RuleSwitches } from "./types.js";

/** A user request as the router sees it. */
export interface RouterRequest {
  id: number;
  lane: string;
  class: string;
  tenant?: string;
  /** The request's intended start, scenario ms: its deadline counts from here. */
  arrivedMs: number;
  promptTokens: number;
  /** max_tokens: what a vendor charges up front beside the prompt. */
  maxTokens: number;
}

export type ShedReason = "queue-full" | "wait-budget" | "tenant-quota";

export type Decision<R extends RouterRequest = RouterRequest> =
  | { type: "send"; request: R; route: RouteId; attempt: number; probe: boolean }
  | { type: "shed"; request: R; reason: ShedReason }
  | { type: "deadline"; request: R };

/** What came back from one attempt. */
export interface AttemptOutcome {
  status: number;
  headers: Headers;
  transport?: TransportFailure;
  /** Wall time of the answer, ms since the epoch: what absolute resets count from. */
  epochMs?: number;
  /** The error body, where it says how long to wait (Gemini's RetryInfo). */
  body?: string;
  /** Tokens billed, for spend (P2). */
  usage?: { prompt: number; completion: number };
  /**
   * What the headers say of the route's budget, already read (sim mode: straight from
   * the vendor model, equal to what reading its headers gives); read from the headers
   * when absent.
   */
  observation?: BudgetObservation;
}

/** Why a failed request was not tried again. */
export type NoRetryReason = "not-retryable" | "attempts" | "retry-budget" | "retry-queue-full";

export type Verdict =
  | { type: "done" }
  | { type: "retry"; category: ErrorCategory; atMs: number }
  | { type: "failed"; category: ErrorCategory; why: NoRetryReason }
  | { type: "deadline"; category: ErrorCategory };

interface Entry<R extends RouterRequest> {
  request: R;
  lane: LaneConfig;
  tokenCost: number;
  /** Requests blocked together: one class, large prompts apart (P10). */
  blockKey: string;
  attempts: number;
  lastRoute: RouteId | undefined;
  mark: SendMark;
  sentAtMs: number;
  probe: boolean;
  /** A retry waits until then (P18). */
  notBeforeMs: number;
  previousDelayMs: number;
  /** The route whose Retry-After the retry honours, and until when (P18). */
  avoidRoute: RouteId | undefined;
  avoidUntilMs: number;
}

/** One queue the dispatcher serves: a lane, the retry queue (P8), or all in one. */
interface Slot<R extends RouterRequest> {
  /** The one lane it holds, if it holds one lane's fresh requests. */
  lane: string | undefined;
  priority: number;
  retries: boolean;
  /** Holds every lane (P8 off): lanes differ inside, so no early stop. */
  mixed: boolean;
  maxQueue: number;
  queue: LaneQueue<Entry<R>>;
  /** Waiting entries per block key, and how many keys have any: when all are blocked, stop. */
  keyCounts: Map<string, number>;
  presentKeys: number;
}

interface RouteState {
  budget: RouteBudget;
  health: RouteHealth;
  /** Sends in the last minute, for reserved shares (P7). */
  sends: RollingSum;
  /** P17's weighted admission: considerations and admissions at the current weight. */
  offered: number;
  taken: number;
  gateWeight: number;
  /** P20: the end of this node's own cooldown (from its own answers), beside what it heard. */
  ownCooldownUntilMs: number;
  /** P20: when the latest 429 or opening known here (its own or heard) was heard. */
  lastHoldAtMs: number;
}

/** A class's routes in order of preference, with their states side by side (no lookups). */
interface ClassRoutes {
  ids: RouteId[];
  states: RouteState[];
  /** Reserved shares (P7), 0 where none. */
  shares: number[];
  anyShare: boolean;
  /** Sends in the last minute, for reserved shares (P7). */
  sends: RollingSum;
}

/** Counters for reports: what the router did, beyond the ledger. */
export interface RouterStats {
  retries: number;
  retriesDenied: number;
  abandoned: number;
  probes: number;
}

/** What the router did in a run, for the report. */
export interface RouterSummary extends RouterStats {
  /** Playbook rules switched off (none under the playbook preset). */
  rulesOff: string[];
  /** How often each route was opened (no fresh sends until probed back, P14). */
  openings: Record<string, number>;
  /** The event log, in order (at most MAX_EVENTS), and how many more there were. */
  events: RouterEvent[];
  eventsDropped: number;
}

/**
 * One thing the router noticed: a route cooling down, opening, coming back healthy,
 * turning slow or normal again, or being probed.
 */
export interface RouterEvent {
  t: number;
  route: RouteId;
  kind: HealthState | "slow" | "normal" | "probe";
  /** With several router nodes: the node that noticed it (P20). */
  node?: string;
  /** The node heard it from another node through the shared store, not from the vendor. */
  heard?: true;
}

/**
 * What a node tells the other nodes of a route (P20), the moment it learns it from
 * an answer: a cooldown (a 429 or an overload), an opening (until when, then it
 * probes), or a clear (its probe came back well).
 */
export interface HealthNews {
  route: RouteId;
  kind: "cooldown" | "open" | "clear";
  atMs: number;
  untilMs: number;
}

/** Events kept for the report; a storm's later ones are only counted. */
const MAX_EVENTS = 5000;

const NONE_PAUSED: ReadonlySet<string> = new Set();
/** The mark of a request not sent yet; each send gets its own (marks are never changed). */
const UNSENT: Readonly<SendMark> = Object.freeze({ seq: -1, tokensAfter: 0, sentAtMs: 0 });
// Shared answers for the common case, frozen: a caller cannot change the router's state.
const NO_DECISIONS: readonly never[] = Object.freeze([]);
const NONE_ABANDONED: readonly number[] = Object.freeze([]);
/** Every served answer's verdict: one object, read and never changed. */
const DONE: Readonly<Verdict> = Object.freeze({ type: "done" });

/**
 * `list` with `decision` added; a new list of just it when there was none (most
 * dispatches that say anything say one thing: a list grown by push holds 17).
 */
function withDecision<D>(list: D[] | undefined, decision: D): D[] {
  if (list === undefined) return [decision];
  list.push(decision);
  return list;
}

/**
 * A route another node opened stays out here this share of an open period past its
 * end (per rank): time for that node's probe and its word to arrive, before this
 * node probes too.
 */
const PEER_PROBE_GRACE = 0.25;

/** How often the router asks to be woken while requests wait for room. */
const RECONSIDER_MS = 100;
const SHARE_WINDOW_MS = 60_000;

/**
 * The pure router core: the playbook's rules P1-P19, each switchable (config.rules).
 * Requests wait in lanes (P8) served in priority order; each goes to a route of its
 * equivalence class (P12) that is healthy (P13-P15), has budget within the headroom
 * (P2-P6) and, when it is not the first choice, room for the load moved to it (P16).
 * Failures are sorted (P5) and retried with jittered backoff inside a budget (P18).
 * No I/O and no clock: time is an argument, randomness an injected seeded source,
 * decisions are returned as data.
 */
export class Router<R extends RouterRequest = RouterRequest> {
  private readonly rules: RuleSwitches;
  private readonly routes = new Map<RouteId, RouteState>();
  /** Every route's state once, as an array: wakeAt reads them all after each event. */
  private readonly routeStates: RouteState[] = [];
  private readonly classes = new Map<string, ClassRoutes>();
  private readonly slots: Slot<R>[] = [];
  private readonly slotByLane = new Map<string, Slot<R>>();
  private readonly retrySlot: Slot<R>;
  private readonly laneByName = new Map<string, LaneConfig>();
  /** Attempts in flight by request id (not a Map: see IdMap on why). */
  private readonly attempts = new IdMap<Entry<R>>();
  private readonly retryBudget: RetryBudget;
  private readonly tenants: TenantQuotas;
  private readonly shedRank = new Map<string, number>();
  /** The background lanes (P19) in shed order, as an array: read on every dispatch. */
  private readonly shedLanes: string[] = [];
  private abandoned: number[] = [];
  private nextRetryDueMs = Number.POSITIVE_INFINITY;
  // Reused by every dispatch, queue by queue (dispatch never runs inside itself).
  /** The kinds of request found with no route that has room, in the queue at hand. */
  private readonly blocked = new KeyList();
  /** Entries taken off the queue's front and kept, to go back in front in order. */
  private readonly kept: (Entry<R> | undefined)[] = [];
  readonly stats: RouterStats = { retries: 0, retriesDenied: 0, abandoned: 0, probes: 0 };
  /** What the router noticed, in order: each route's changes of health, and its probes. */
  readonly events: RouterEvent[] = [];
  /** Events past MAX_EVENTS are counted, not kept. */
  eventsDropped = 0;

  constructor(
    private readonly config: RouterConfig,
    /** Uniform in [0, 1): the run's seeded generator, for retry jitter. */
    private readonly random: () => number,
  ) {
    const rules = config.rules;
    this.rules = rules;
    for (const lane of config.lanes) this.laneByName.set(lane.name, lane);
    if (rules.P8) {
      for (const lane of [...config.lanes].sort((a, b) => a.priority - b.priority)) {
        const slot = this.slot(lane.priority, false, false, lane.maxQueue, lane.name);
        this.slotByLane.set(lane.name, slot);
      }
      this.retrySlot = this.slot(config.retry.priority, true, false, config.retry.maxQueue);
    } else {
      // One queue for everything, first come first served, retries at the back.
      const bound = config.lanes.reduce((n, l) => n + l.maxQueue, 0);
      this.retrySlot = this.slot(0, false, true, bound);
      for (const lane of config.lanes) this.slotByLane.set(lane.name, this.retrySlot);
    }
    this.slots.sort((a, b) => a.priority - b.priority || Number(a.retries) - Number(b.retries));
    for (const [i, lane] of config.shed.lanes.entries()) {
      this.shedRank.set(lane, i);
      this.shedLanes.push(lane);
    }

    let shared: RouteState | undefined;
    for (const [cls, routes] of Object.entries(config.classes)) {
      for (const route of routes) {
        if (this.routes.has(route)) continue;
        // Without P1, every route shares one budget and one health: one global counter,
        // with no per-route options either (concurrency, spend, shares).
        if (!rules.P1 && !shared) {
          shared = this.newRouteState();
          this.routeStates.push(shared);
        }
        const state = shared ?? this.newRouteState(route);
        if (!shared) this.routeStates.push(state);
        this.routes.set(route, state);
      }
      const shares = routes.map((r) => config.routes[r]?.share ?? 0);
      this.classes.set(cls, {
        ids: routes,
        states: routes.map((r) => this.routes.get(r)!),
        shares,
        anyShare: shares.some((x) => x > 0),
        sends: new RollingSum(SHARE_WINDOW_MS, 12),
      });
    }
    this.retryBudget = new RetryBudget(config.retry);
    this.tenants = new TenantQuotas(config.tenants);
  }

  /** Takes a new request into its lane; a full lane or a tenant over quota sheds it at once. */
  submit(request: R, nowMs: number = request.arrivedMs): Decision<R> | undefined {
    const lane = this.lane(request.lane);
    const slot = this.slotByLane.get(lane.name)!;
    const tokenCost = request.promptTokens + request.maxTokens;
    if (slot.queue.length >= slot.maxQueue) return { type: "shed", request, reason: "queue-full" };
    if (this.rules.P11 && !this.tenants.admit(request.tenant ?? "", tokenCost, nowMs))
      return { type: "shed", request, reason: "tenant-quota" };
    this.retryBudget.recordFresh(nowMs);
    const large =
      this.rules.P10 && request.promptTokens >= this.config.largePrompts.thresholdTokens;
    this.enqueue(slot, {
      request,
      lane,
      tokenCost,
      blockKey: large ? `${request.class}\u0000large` : request.class,
      attempts: 0,
      lastRoute: undefined,
      mark: UNSENT,
      sentAtMs: FRACTIONAL_ZERO,
      probe: false,
      notBeforeMs: FRACTIONAL_ZERO,
      previousDelayMs: FRACTIONAL_ZERO,
      avoidRoute: undefined,
      avoidUntilMs: FRACTIONAL_ZERO,
    });
    return undefined;
  }

  /**
   * Sends what can go now and sheds what waited too long, queue by queue in
   * priority order, each first-in first-out. A request with no route that has room
   * keeps its place, and so does everything of its kind behind it; those are still
   * checked against their wait budget and deadline.
   */
  dispatch(nowMs: number): readonly Decision<R>[] {
    // Most calls (an answer came back) find every queue empty: nothing to look at.
    if (this.waiting === 0) {
      this.nextRetryDueMs = Number.POSITIVE_INFINITY;
      return NO_DECISIONS;
    }
    // Made only when there is something to say: most dispatches with requests waiting
    // send nothing (every route is short) and return the shared empty list.
    let decisions: Decision<R>[] | undefined;
    const paused = this.pausedLanes(nowMs);
    this.nextRetryDueMs = Number.POSITIVE_INFINITY;
    const blocked = this.blocked;
    const kept = this.kept;
    // Indexed loops on the hot path: a for-of allocates an iterator per call.
    for (let s = 0; s < this.slots.length; s++) {
      const slot = this.slots[s]!;
      const { queue } = slot;
      if (queue.length === 0) continue;
      if (slot.lane !== undefined && paused.has(slot.lane)) {
        // A paused lane sends nothing: only what ran out of time leaves, from the front.
        decisions = this.expireFront(slot, nowMs, decisions);
        continue;
      }
      blocked.clear();
      let keptCount = 0;
      const n = queue.length;
      for (let i = 0; i < n; i++) {
        const entry = queue.shift()!;
        const { request, lane } = entry;
        const age = nowMs - request.arrivedMs;
        if (age >= lane.deadlineMs) {
          this.leave(slot, entry);
          decisions = withDecision(decisions, { type: "deadline", request });
          continue;
        }
        if (this.rules.P9 && entry.attempts === 0 && age >= lane.waitBudgetMs) {
          this.leave(slot, entry);
          decisions = withDecision(decisions, { type: "shed", request, reason: "wait-budget" });
          continue;
        }
        if (entry.notBeforeMs > nowMs) {
          this.nextRetryDueMs = Math.min(this.nextRetryDueMs, entry.notBeforeMs);
          kept[keptCount++] = entry;
          continue;
        }
        // In the retry queue and a mixed queue, lanes plan to different headroom: a
        // background retry with no room says nothing of an interactive one behind it.
        const key =
          slot.retries || slot.mixed ? `${entry.blockKey}\u0001${lane.name}` : entry.blockKey;
        const route =
          paused.has(lane.name) || blocked.has(key) ? undefined : this.pickRoute(entry, nowMs);
        if (route === undefined) {
          // A retry kept off one route by its Retry-After says nothing of the others.
          const avoiding = entry.avoidRoute !== undefined && nowMs < entry.avoidUntilMs;
          if (!paused.has(lane.name) && !avoiding) blocked.add(key);
          kept[keptCount++] = entry;
          // Everything behind is younger, of the same lane, and blocked too.
          if (!slot.mixed && !slot.retries && blocked.size >= slot.presentKeys) break;
          continue;
        }
        this.leave(slot, entry);
        decisions = withDecision(decisions, this.send(entry, route, nowMs));
      }
      // Back in front, in their order; the scratch list lets go of them.
      for (let i = keptCount - 1; i >= 0; i--) {
        queue.unshift(kept[i]!);
        kept[i] = undefined;
      }
    }
    return decisions ?? NO_DECISIONS;
  }

  /** Learns from an attempt's result and says what becomes of the request. */
  complete(requestId: number, outcome: AttemptOutcome, nowMs: number): Readonly<Verdict> {
    const entry = this.attempts.get(requestId);
    if (!entry?.lastRoute) throw new Error(`no attempt in flight for request ${requestId}`);
    this.attempts.delete(requestId);
    const route = entry.lastRoute;
    const state = this.routes.get(route)!;
    const before = state.health.state(nowMs);
    const wasSlow = state.health.isSlow();
    const cooledUntil = state.health.cooldownUntilMs;
    const openUntil = state.health.openUntilMs;
    const verdict = this.learn(entry, route, state, outcome, nowMs);
    if (state.health.cooldownUntilMs > cooledUntil) {
      state.ownCooldownUntilMs = state.health.cooldownUntilMs;
      state.lastHoldAtMs = nowMs;
    }
    if (state.health.openUntilMs !== openUntil) state.lastHoldAtMs = nowMs;
    if (this.onNews) this.tellNews(route, state, before, cooledUntil, openUntil, nowMs);
    // The event log records each change of a route's health, as the router saw it.
    const after = state.health.state(nowMs);
    if (after !== before) this.logEvent(nowMs, route, after);
    const slow = state.health.isSlow();
    if (slow !== wasSlow) this.logEvent(nowMs, route, slow ? "slow" : "normal");
    return verdict;
  }

  /** Hears every event, kept or not (the failover timing of a long run needs them all). */
  onEvent: ((event: RouterEvent) => void) | undefined;

  /** Hears the news this router has for other nodes (P20), as it learns it. */
  private onNews: ((news: HealthNews) => void) | undefined;

  /**
   * Makes this router one node of several (P20): what it learns of a route's health
   * goes to `tell`, and since the other nodes wait on its word, a cooldown of its
   * own ends in one trial send rather than all its traffic at once.
   */
  tellPeers(tell: (news: HealthNews) => void): void {
    this.onNews = tell;
    for (const state of this.routeStates) state.health.trialAfterCooldown = this.rules.P14;
  }

  /** What this node has sent to a route so far (P20: the other nodes count it too). */
  sentTo(route: RouteId): { requests: number; tokens: number } {
    const budget = this.routes.get(route)?.budget;
    return budget
      ? { requests: budget.sends, tokens: budget.tokensSentSoFar }
      : { requests: 0, tokens: 0 };
  }

  /** Sends other nodes made to a route (P20): they come off its budget here too. */
  hearPeerSends(route: RouteId, requests: number, tokens: number, nowMs: number): void {
    this.routes.get(route)?.budget.recordPeerSends(requests, tokens, nowMs);
  }

  /** Every route this router knows, once each. */
  get routeIds(): RouteId[] {
    return [...this.routes.keys()];
  }

  /** Routes whose opening came from another node: this node waits for that node's probe. */
  readonly heardOpenings: Record<string, number> = {};

  /**
   * News another node heard from a vendor (P20): one node's 429 holds every node's
   * sends back, and a route another node opened is out here too. The node that
   * heard it tries the route again first; this one waits for its word (a clear, or
   * a longer hold), and tries on its own only if none comes within its grace. The
   * graces are staggered by `rank` (1 for the next node after the one that heard
   * it, 2 for the one after...), so that without word one node tries at a time.
   */
  hear(news: HealthNews, nowMs: number, rank = 1): void {
    const state = this.routes.get(news.route);
    if (!state || !this.rules.P14) return;
    const { health } = state;
    const before = health.state(nowMs);
    if (news.kind === "cooldown") {
      health.coolDown(news.untilMs + rank * this.config.cooldownMs, nowMs);
      state.lastHoldAtMs = Math.max(state.lastHoldAtMs, news.atMs);
    } else if (news.kind === "open") {
      state.lastHoldAtMs = Math.max(state.lastHoldAtMs, news.atMs);
      const graceMs = rank * this.config.health.openMs * PEER_PROBE_GRACE;
      if (health.openUntil(news.untilMs + graceMs, nowMs))
        this.heardOpenings[news.route] = (this.heardOpenings[news.route] ?? 0) + 1;
    } else if (news.atMs < state.lastHoldAtMs) {
      // A good answer older than the latest 429 or opening known here says nothing now.
    } else if (before === "open" || before === "half-open") health.recovered(nowMs);
    else if (before === "cooling" && state.ownCooldownUntilMs <= nowMs) health.liftCooldown(nowMs);
    const after = health.state(nowMs);
    if (after !== before) this.logEvent(nowMs, news.route, after, true);
  }

  private logEvent(t: number, route: RouteId, kind: RouterEvent["kind"], heard = false): void {
    const event: RouterEvent = heard ? { t, route, kind, heard } : { t, route, kind };
    if (this.events.length < MAX_EVENTS) this.events.push(event);
    else this.eventsDropped++;
    this.onEvent?.(event);
  }

  /** What changed in a route's health with one answer, told to the other nodes (P20). */
  private tellNews(
    route: RouteId,
    state: RouteState,
    before: HealthState,
    cooledUntil: number,
    openUntil: number,
    nowMs: number,
  ): void {
    const { health } = state;
    const after = health.state(nowMs);
    if (health.openUntilMs !== openUntil && (after === "open" || after === "half-open"))
      this.onNews!({ route, kind: "open", atMs: nowMs, untilMs: health.openUntilMs });
    else if (health.cooldownUntilMs > cooledUntil)
      this.onNews!({ route, kind: "cooldown", atMs: nowMs, untilMs: health.cooldownUntilMs });
    else if (after === "healthy" && (before === "half-open" || before === "open"))
      // A probe (or a trial after a cooldown) came back well: the others may go.
      this.onNews!({ route, kind: "clear", atMs: nowMs, untilMs: nowMs });
  }

  private learn(
    entry: Entry<R>,
    route: RouteId,
    state: RouteState,
    outcome: AttemptOutcome,
    nowMs: number,
  ): Verdict {
    const { budget, health } = state;
    budget.recordDone(nowMs, outcome.usage);
    if (entry.probe) health.probesInFlight--;

    // A served answer is no failure: its headers need not be looked at for one (in sim
    // they are not even written: the observation is read instead).
    const served = outcome.transport === undefined && outcome.status >= 200 && outcome.status < 300;
    const category = served
      ? undefined
      : categorise(outcome.status, outcome.transport, outcome.headers, outcome.body);
    if (category === "abandoned") return this.afterFailure(entry, category, undefined, nowMs);
    const observation =
      outcome.observation ?? parseRateLimitHeaders(outcome.headers, outcome.epochMs);
    observation.retryAfterMs ??= retryDelayFromBody(outcome.body);
    if (this.rules.P4) budget.observe(observation, entry.mark, nowMs);

    if (category === undefined) {
      health.recordLatency(nowMs - entry.sentAtMs, nowMs);
      if (entry.probe) health.recovered(nowMs, entry.sentAtMs);
      return DONE;
    }
    let opened = false;
    if (entry.probe) health.probeFailed(nowMs);
    const retryAfterMs = observation.retryAfterMs;
    const coolFor = Math.max(retryAfterMs ?? 0, this.config.cooldownMs);
    // P14 off: nothing holds sends back from a hot route, so nothing cools down.
    const coolDown = (untilMs: number) => {
      if (this.rules.P14) health.coolDown(untilMs, nowMs);
    };
    if (!this.rules.P5) {
      // Every failure alike: the vendor is treated as down, whatever it said
      // (a request the vendor rejected as bad says nothing of the vendor).
      if (category !== "bad-request") opened = health.open(nowMs) || opened;
    } else if (category === "throttled") {
      // A 429 means slow down: wait as long as Retry-After asks, at least the cooldown.
      coolDown(nowMs + coolFor);
      budget.exhausted(nowMs);
      opened = health.recordThrottle(nowMs, entry.mark.seq, budget.sends) || opened;
    } else if (category === "quota") {
      // A spent quota does not come back by waiting a second: probe it later.
      opened = health.open(nowMs) || opened;
    } else if (category === "overloaded") {
      coolDown(nowMs + coolFor);
      opened = health.recordError(nowMs, entry.sentAtMs) || opened;
    } else if (category !== "bad-request") {
      opened = health.recordError(nowMs, entry.sentAtMs) || opened;
    }
    // P15 off: a breaker that trips cuts the calls still in flight on the route.
    if (opened && this.rules.P14 && !this.rules.P15) this.abandonInFlight(route);
    return this.afterFailure(entry, category, retryAfterMs, nowMs);
  }

  /**
   * Requests whose attempts the router gave up on while in flight (P15 off: a route
   * that opens has its calls cut). The caller cancels each and reports it back
   * through complete() with transport "abandoned".
   */
  takeAbandoned(): readonly number[] {
    const out = this.abandoned;
    if (out.length === 0) return NONE_ABANDONED; // the usual case: nothing cut
    this.abandoned = [];
    return out;
  }

  /** When the router next needs dispatch() called, if requests are waiting. */
  wakeAt(nowMs: number): number | undefined {
    if (this.waiting === 0) return undefined;
    let wake = Math.min(nowMs + RECONSIDER_MS, this.nextRetryDueMs);
    // The oldest request of each queue is the next to run out of wait budget (P9).
    if (this.rules.P9) {
      for (let s = 0; s < this.slots.length; s++) {
        const head = this.slots[s]!.queue.peek();
        if (head && head.attempts === 0)
          wake = Math.min(wake, head.request.arrivedMs + head.lane.waitBudgetMs);
      }
    }
    for (let r = 0; r < this.routeStates.length; r++) {
      const { health } = this.routeStates[r]!;
      if (health.cooldownUntilMs > nowMs) wake = Math.min(wake, health.cooldownUntilMs);
      if (health.openUntilMs > nowMs) wake = Math.min(wake, health.openUntilMs);
    }
    return Math.max(wake, nowMs + 1);
  }

  queueDepth(lane: string): number {
    const slot = this.slotByLane.get(lane);
    if (!slot) return 0;
    if (!slot.mixed) return slot.queue.length;
    let n = 0;
    slot.queue.find((e) => {
      if (e.lane.name === lane) n++;
      return false;
    });
    return n;
  }

  get waiting(): number {
    let n = 0;
    for (let i = 0; i < this.slots.length; i++) n += this.slots[i]!.queue.length;
    return n;
  }

  get inFlight(): number {
    return this.attempts.size;
  }

  /** The live picture of a route (P4), for reports and tests. */
  routeState(route: RouteId, nowMs: number) {
    const state = this.routes.get(route);
    if (!state) return undefined;
    const { budget, health } = state;
    const healthState: HealthState = health.state(nowMs);
    return {
      health: healthState,
      cooling: healthState === "cooling",
      cooldownUntilMs: health.cooldownUntilMs,
      openings: health.openings,
      weight: health.weight(nowMs),
      slow: health.isSlow(),
      latencyMs: health.latencyMs,
      inFlight: budget.inFlight,
      spentUsd: budget.spentToday,
      ...budget.estimate(nowMs),
    };
  }

  summary(): RouterSummary {
    const openings: Record<string, number> = {};
    for (const [route, { health }] of this.routes) openings[route] = health.openings;
    return {
      ...this.stats,
      rulesOff: Object.entries(this.rules).flatMap(([id, on]) => (on ? [] : [id])),
      openings,
      events: this.events,
      eventsDropped: this.eventsDropped,
    };
  }

  /** Takes every waiting request out (a run that stops early accounts for them). */
  drainWaiting(): R[] {
    const out: R[] = [];
    for (const slot of this.slots) {
      for (let e = slot.queue.shift(); e !== undefined; e = slot.queue.shift()) {
        this.leave(slot, e);
        out.push(e.request);
      }
    }
    return out;
  }

  /**
   * Sheds from the front of a one-lane queue what passed its deadline or wait budget,
   * added to `decisions` (made if need be).
   */
  private expireFront(
    slot: Slot<R>,
    nowMs: number,
    decisions: Decision<R>[] | undefined,
  ): Decision<R>[] | undefined {
    for (let entry = slot.queue.peek(); entry !== undefined; entry = slot.queue.peek()) {
      const age = nowMs - entry.request.arrivedMs;
      if (age >= entry.lane.deadlineMs) {
        decisions = withDecision(decisions, { type: "deadline", request: entry.request });
      } else if (this.rules.P9 && entry.attempts === 0 && age >= entry.lane.waitBudgetMs) {
        decisions = withDecision(decisions, {
          type: "shed",
          request: entry.request,
          reason: "wait-budget",
        });
      } else {
        return decisions;
      }
      slot.queue.shift();
      this.leave(slot, entry);
    }
    return decisions;
  }

  private slot(
    priority: number,
    retries: boolean,
    mixed: boolean,
    maxQueue: number,
    lane?: string,
  ): Slot<R> {
    const slot: Slot<R> = {
      lane,
      priority,
      retries,
      mixed,
      maxQueue,
      queue: new LaneQueue(),
      keyCounts: new Map(),
      presentKeys: 0,
    };
    this.slots.push(slot);
    return slot;
  }

  private enqueue(slot: Slot<R>, entry: Entry<R>): void {
    slot.queue.push(entry);
    const count = slot.keyCounts.get(entry.blockKey) ?? 0;
    if (count === 0) slot.presentKeys++;
    slot.keyCounts.set(entry.blockKey, count + 1);
  }

  /** Books an entry out of its slot's key counts (it was sent, shed or ran out of time). */
  private leave(slot: Slot<R>, entry: Entry<R>): void {
    const count = slot.keyCounts.get(entry.blockKey)! - 1;
    slot.keyCounts.set(entry.blockKey, count);
    if (count === 0) slot.presentKeys--;
  }

  private newRouteState(route?: RouteId): RouteState {
    const { rules, config } = this;
    return {
      budget: new RouteBudget((route && config.routes[route]) || {}, {
        allLimits: rules.P2,
        learnShape: rules.P3,
      }),
      health: new RouteHealth(config.health, config.shift, {
        signals: rules.P13,
        steps: rules.P17,
        breaker: rules.P14,
      }),
      sends: new RollingSum(SHARE_WINDOW_MS, 12),
      offered: 0,
      taken: 0,
      gateWeight: 1,
      ownCooldownUntilMs: Number.NEGATIVE_INFINITY,
      lastHoldAtMs: Number.NEGATIVE_INFINITY,
    };
  }

  private lane(name: string): LaneConfig {
    const lane = this.laneByName.get(name);
    if (!lane) throw new Error(`unknown lane "${name}"`);
    return lane;
  }

  private isLarge(entry: Entry<R>): boolean {
    return entry.blockKey !== entry.request.class;
  }

  /**
   * P19: the background lanes paused now, in their shed order: the i-th pauses
   * once a request of another lane has waited (i + 1) x pauseAtQueueAge.
   */
  private pausedLanes(nowMs: number): ReadonlySet<string> {
    if (!this.rules.P19 || this.shedRank.size === 0) return NONE_PAUSED;
    // Only a waiting request of a background lane asks whether its lane is paused:
    // with none waiting (most dispatches), the answer cannot matter.
    if (!this.shedLaneMayWait()) return NONE_PAUSED;
    // Pressure: the oldest request of another lane still waiting for its first send.
    // Retries backing off are not waiting for room, and the retry queue is skipped.
    let oldest = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.slots.length; s++) {
      const slot = this.slots[s]!;
      if (slot.retries) continue;
      const head = slot.mixed
        ? slot.queue.find((e) => e.attempts === 0 && !this.shedRank.has(e.lane.name))
        : slot.queue.peek();
      if (!head || head.attempts > 0 || this.shedRank.has(head.lane.name)) continue;
      oldest = Math.min(oldest, head.request.arrivedMs);
    }
    const age = nowMs - oldest;
    let paused: Set<string> | undefined;
    for (let rank = 0; rank < this.shedLanes.length; rank++) {
      const lane = this.shedLanes[rank]!;
      if (age < (rank + 1) * this.config.shed.pauseAtQueueAgeMs) continue;
      paused ??= new Set();
      paused.add(lane);
    }
    return paused ?? NONE_PAUSED;
  }

  /** Whether a request of a background lane (P19) may be waiting in some queue. */
  private shedLaneMayWait(): boolean {
    if (this.retrySlot.queue.length > 0) return true; // retries and a mixed queue hold any lane
    for (let i = 0; i < this.shedLanes.length; i++) {
      if ((this.slotByLane.get(this.shedLanes[i]!)?.queue.length ?? 0) > 0) return true;
    }
    return false;
  }

  private headroomFor(lane: LaneConfig): number {
    const base = this.rules.P6 ? this.config.headroom : 1;
    return this.rules.P19 && this.shedRank.has(lane.name)
      ? Math.min(base, this.config.shed.headroom)
      : base;
  }

  private pickRoute(entry: Entry<R>, nowMs: number): RouteId | undefined {
    const cls = this.classes.get(entry.request.class);
    if (!cls) return undefined;
    // Without P12, a request stays with the first vendor of its class.
    const count = this.rules.P12 ? cls.ids.length : Math.min(1, cls.ids.length);
    const headroom = this.headroomFor(entry.lane);
    const large = this.isLarge(entry);

    if (this.rules.P7 && cls.anyShare && entry.attempts === 0) {
      const reserved = this.belowReservedShare(entry, cls, count, headroom, nowMs);
      if (reserved) return reserved;
    }
    let fallback: RouteId | undefined;
    let best: RouteId | undefined;
    let bestRoom = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const route = cls.ids[i]!;
      const state = cls.states[i]!;
      if (!this.usable(entry, route, state, i > 0, headroom, nowMs)) continue;
      // A retry prefers a route other than the one that just failed it; a route
      // stepping back up takes only its weight's share (P17), a probe always goes.
      // (A large prompt goes where the tokens are, whatever the weights.)
      if (route === entry.lastRoute || (!large && !this.admitByWeight(state, nowMs))) {
        fallback ??= route;
        continue;
      }
      if (!large) return route;
      // P10: a large prompt goes where the most tokens are left.
      const room = state.budget.tokenRoom(headroom, nowMs);
      if (room > bestRoom) {
        best = route;
        bestRoom = room;
      }
    }
    return best ?? fallback;
  }

  /** P7: the first route that has carried less than its reserved share of its class. */
  private belowReservedShare(
    entry: Entry<R>,
    cls: ClassRoutes,
    count: number,
    headroom: number,
    nowMs: number,
  ): RouteId | undefined {
    const classSent = cls.sends.sum(nowMs);
    for (let i = 0; i < count; i++) {
      const share = cls.shares[i]!;
      if (share <= 0) continue;
      const state = cls.states[i]!;
      if (state.sends.sum(nowMs) >= share * (classSent + 1)) continue;
      // A route stepping back up (P17) earns its share back step by step, too.
      if (
        this.usable(entry, cls.ids[i]!, state, i > 0, headroom, nowMs) &&
        this.admitByWeight(state, nowMs)
      )
        return cls.ids[i];
    }
    return undefined;
  }

  /** Whether a send to this route may go now. */
  private usable(
    entry: Entry<R>,
    route: RouteId,
    { budget, health }: RouteState,
    reroute: boolean,
    headroom: number,
    nowMs: number,
  ): boolean {
    // P14: no sends to a route cooling down or open, only probes when half-open.
    if (this.rules.P14 && !health.acceptsSend(nowMs)) return false;
    // P18: a retry honours the Retry-After of the route that asked for it.
    if (route === entry.avoidRoute && nowMs < entry.avoidUntilMs) return false;
    // P16 off: load moved off the first choice goes to the next route blindly.
    if (reroute && !this.rules.P16) return true;
    if (!budget.hasRoom(entry.tokenCost, headroom, nowMs)) return false;
    if (this.isLarge(entry)) {
      const limit = budget.tokenLimit;
      const cap =
        limit === undefined ? undefined : this.config.largePrompts.share * limit * headroom;
      if (cap !== undefined && budget.largeTokens.sum(nowMs) + entry.tokenCost > cap) return false;
    }
    // P16: a route that moved load lands on must not be slow or at its concurrency.
    if (reroute) {
      if (health.isSlow()) return false;
      const concurrency = budget.options.concurrency;
      if (concurrency !== undefined && budget.inFlight >= concurrency) return false;
    }
    return true;
  }

  /** P17: admits a share of the considerations equal to the route's weight. */
  private admitByWeight(state: RouteState, nowMs: number): boolean {
    if (this.rules.P14 && state.health.state(nowMs) === "half-open") return true;
    const weight = state.health.weight(nowMs);
    if (weight >= 1) return true;
    if (weight !== state.gateWeight) {
      state.gateWeight = weight;
      state.offered = 0;
      state.taken = 0;
    }
    state.offered++;
    if (state.taken + 1 > weight * state.offered + 1e-9) return false;
    state.taken++;
    return true;
  }

  private send(entry: Entry<R>, route: RouteId, nowMs: number): Decision<R> {
    const state = this.routes.get(route)!;
    const { budget, health } = state;
    const probe = this.rules.P14 && health.state(nowMs) === "half-open";
    if (probe) {
      health.probesInFlight++;
      this.stats.probes++;
      this.logEvent(nowMs, route, "probe");
    }
    entry.attempts += 1;
    entry.lastRoute = route;
    entry.probe = probe;
    entry.sentAtMs = nowMs;
    entry.mark = budget.recordSend(entry.tokenCost, nowMs);
    if (this.isLarge(entry)) budget.largeTokens.add(nowMs, entry.tokenCost);
    state.sends.add(nowMs, 1);
    this.classes.get(entry.request.class)?.sends.add(nowMs, 1);
    this.attempts.set(entry.request.id, entry);
    return { type: "send", request: entry.request, route, attempt: entry.attempts, probe };
  }

  private afterFailure(
    entry: Entry<R>,
    category: ErrorCategory,
    retryAfterMs: number | undefined,
    nowMs: number,
  ): Verdict {
    const retryable = this.rules.P5 ? isRetryable(category) : category !== "bad-request";
    if (!retryable) return { type: "failed", category, why: "not-retryable" };
    if (entry.attempts >= this.config.retry.maxAttempts)
      return { type: "failed", category, why: "attempts" };
    if (nowMs - entry.request.arrivedMs >= entry.lane.deadlineMs)
      return { type: "deadline", category };
    // No room to wait in: fail before spending the retry budget on it.
    if (this.retrySlot.queue.length >= this.retrySlot.maxQueue)
      return { type: "failed", category, why: "retry-queue-full" };
    let delay: number;
    if (this.rules.P18) {
      if (!this.retryBudget.tryWithdraw(nowMs)) {
        this.stats.retriesDenied++;
        return { type: "failed", category, why: "retry-budget" };
      }
      delay = backoffMs(this.config.retry, entry.attempts, entry.previousDelayMs, this.random);
      if (retryAfterMs !== undefined) {
        entry.avoidRoute = entry.lastRoute;
        entry.avoidUntilMs = nowMs + retryAfterMs;
      }
    } else {
      delay = this.config.retry.fixedDelayMs;
    }
    entry.previousDelayMs = delay;
    entry.notBeforeMs = nowMs + delay;
    this.nextRetryDueMs = Math.min(this.nextRetryDueMs, entry.notBeforeMs);
    this.enqueue(this.retrySlot, entry);
    this.stats.retries++;
    return { type: "retry", category, atMs: entry.notBeforeMs };
  }

  /** Cuts the calls in flight on a route, and on every route sharing its state (P1 off). */
  private abandonInFlight(route: RouteId): void {
    const state = this.routes.get(route);
    for (const [id, entry] of this.attempts) {
      if (!entry.lastRoute || this.routes.get(entry.lastRoute) !== state) continue;
      this.abandoned.push(id);
      this.stats.abandoned++;
    }
  }
}
