import { type Cancel, postTask, type Scheduler, type Task } from "../clock/clock.js";
import { type FifoTimer, FifoTimers } from "../clock/fifo-timers.js";
import { IdMap } from "../collections/id-map.js";
import type { ClientTryEnd, FindingsSink } from "../findings/findings-sink.js";
import type { VendorOutcome } from "../findings/vendor-attempt.js";
import type { Recorder } from "../metrics/recorder.js";
import type { ErrorCategory } from "../router/error-category.js";
import { PassThroughRouter } from "../router/pass-through-router.js";
import { parseRetryAfter } from "../router/rate-limit-headers.js";
import { type Decision, Router, type RouterRequest, type RouterSummary } from "../router/router.js";
import { type NodeSummary, RouterNodes } from "../router/router-nodes.js";
import { type LaneConfig, type RouteId, type RouterConfig, splitRouteId } from "../router/types.js";
import type { PlanSource } from "../traffic/traffic-plan.js";
import type { PlannedRequest } from "../traffic/types.js";
import { type Attempt, type AttemptResult, NO_USAGE, type Upstream } from "../upstream/upstream.js";

interface EngineRequest extends RouterRequest {
  planned: PlannedRequest;
  /** The routes its attempts went to, in order. */
  tried: RouteId[];
  /** How often the user's own client has sent it again (naive client retries). */
  clientRetry: number;
  /** Whether any attempt of it has gone out yet. */
  everSent: boolean;
}

/**
 * One attempt in flight, which is also its own timeout in its lane's list: one
 * object per attempt instead of a record, a timer and closures for each part.
 */
class InFlightAttempt implements FifoTimer {
  /** Settled (answered, timed out, cut or interrupted): the timeout no longer fires. */
  done = false;
  fifoSlot = -1;
  /** Aborts the call upstream; dropped once settled. */
  cancelSend: () => void = noop;
  /** The upstream's callback: the attempt's result, once. */
  readonly finish = (result: AttemptResult) => this.engine.finishAttempt(this, result);

  constructor(
    private readonly engine: Engine,
    /** Cleared once settled. */
    public request: EngineRequest | undefined,
    readonly route: RouteId,
    readonly sentMs: number,
    readonly atMs: number,
    /** Its lane's timeout list. */
    readonly timeouts: FifoTimers,
  ) {}

  /** The timeout: the caller gives up on the call. */
  fire(): void {
    this.cancelSend();
    this.engine.finishAttempt(this, {
      status: 0,
      headers: {},
      transport: "timeout",
      usage: NO_USAGE,
    });
  }
}

function noop(): void {}

type GiveUp =
  | { type: "failed"; reason: string }
  | { type: "shed"; reason: string }
  | { type: "deadline" };

/** What the engine tells listeners once per scenario second. */
export interface SecondSnapshot {
  t: number;
  durationMs: number;
  generated: number;
  settled: number;
  inFlight: number;
  waiting: number;
  throttled: number;
  /** Requests that arrived in this second. */
  arrivals: number;
  /** The top-priority lane, and its latency p95 so far (null before any answer). */
  lane: string;
  p95: number | null;
  /** The faults whose window covers this second, e.g. "outage vendor-a". */
  activeFaults: string[];
}

export interface EngineOptions {
  /** The traffic plan, made as the run goes (an array, through planOf, in tests). */
  plan: PlanSource;
  durationMs: number;
  router: RouterConfig;
  /** The router's seeded random source (retry jitter), uniform in [0, 1). */
  random: () => number;
  scheduler: Scheduler;
  upstream: Upstream;
  recorder: Recorder;
  /** Called with the send lag (now minus intended start) of each new request. */
  onArrival?: (lagMs: number) => void;
  onSecond?: (snapshot: SecondSnapshot) => void;
  /**
   * An external gateway routes (`--gateway`): the harness is only its client and
   * sends each request once, to `gateway/<class>`; no router of ours is in the way.
   */
  gateway?: boolean;
  /** Hears every attempt and client try, for the findings. */
  findings?: FindingsSink;
  /**
   * Several router nodes (P20): each its own Router with its own seeded source,
   * taking requests in turn; `link` wires each to the others (a shared store).
   */
  nodes?: {
    count: number;
    random: (node: number) => () => number;
    link?: (router: Router<EngineRequest>, name: string) => void;
  };
}

/** The name of router node i (0-based) of several. */
export function nodeName(i: number): string {
  return `node-${i + 1}`;
}

/** What the engine needs of a router: the playbook's, or none in front of a gateway. */
type EngineRouter = Pick<
  Router<EngineRequest>,
  | "submit"
  | "dispatch"
  | "complete"
  | "takeAbandoned"
  | "wakeAt"
  | "drainWaiting"
  | "queueDepth"
  | "waiting"
  | "inFlight"
  | "summary"
>;

export interface EngineResult {
  endedMs: number;
  router: RouterSummary;
  /** Each router node's share, when there were several. */
  nodes?: NodeSummary[];
  /** True when the run was stopped before its plan was done. */
  partial: boolean;
}

/**
 * Drives one run: releases the plan's requests at their intended times, lets the
 * router decide, sends through the upstream, feeds results back, and books every
 * request in the ledger. The same code runs on the real and the virtual clock.
 */
export class Engine {
  private readonly router: EngineRouter;
  private readonly routerNodes: RouterNodes<EngineRequest> | undefined;
  private readonly lanes = new Map<string, { config: LaneConfig; timeouts: FifoTimers }>();
  // By request id; a run sets and deletes one of each per request (not Maps: see IdMap on why).
  /** Requests a client will send again after its fixed delay, and how to call that off. */
  private readonly clientRetries = new IdMap<{ request: EngineRequest; cancel: Cancel }>();
  private readonly inFlight = new IdMap<InFlightAttempt>();
  /** Requests released so far. */
  private cursor = 0;
  /** The plan's next request, taken from it but not yet released. */
  private next: PlannedRequest | undefined;
  /** The plan has no more requests (or the run was stopped). */
  private planDone = false;
  private wake: { atMs: number; cancel: Cancel } | undefined;
  private tickCancel: Cancel | undefined;
  /** The end of the last second closed in the series. */
  private lastClosedMs = 0;
  private generatedAtLastTick = 0;
  /** The lane served first: the one the progress line follows. */
  private readonly topLane: string;
  private throttled = 0;
  private stopped = false;
  private finished = false;
  private resolveDone!: (result: EngineResult) => void;
  readonly done: Promise<EngineResult>;

  constructor(private readonly o: EngineOptions) {
    if (o.gateway) this.router = new PassThroughRouter<EngineRequest>();
    else if (o.nodes && o.nodes.count > 1) {
      const { count, random, link } = o.nodes;
      const names = Array.from({ length: count }, (_, i) => nodeName(i));
      const routers = names.map((name, i) => {
        const router = new Router<EngineRequest>(o.router, i === 0 ? o.random : random(i));
        router.onEvent = (event) => o.recorder.routerEvent({ ...event, node: name });
        link?.(router, name);
        return router;
      });
      this.routerNodes = new RouterNodes(routers, names);
      this.router = this.routerNodes;
    } else {
      const router = new Router<EngineRequest>(o.router, o.random);
      router.onEvent = (event) => o.recorder.routerEvent(event);
      this.router = router;
    }
    this.topLane = [...o.router.lanes].sort((a, b) => a.priority - b.priority)[0]?.name ?? "";
    // A lane's calls time out after the same span, so their timeouts fall due in the
    // order they were set: one list per lane instead of a heap entry per call.
    for (const lane of o.router.lanes)
      this.lanes.set(lane.name, { config: lane, timeouts: new FifoTimers(o.scheduler) });
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  start(): void {
    this.scheduleNextArrival();
    this.scheduleTick(1000);
    this.checkFinished();
  }

  /**
   * Stops arrivals now; what waits is shed and what is in flight fails as
   * "interrupted" once graceMs of scenario time has passed (Ctrl-C).
   */
  stop(graceMs: number): void {
    if (this.stopped || this.finished) return;
    this.stopped = true;
    this.planDone = true;
    this.next = undefined;
    this.shedWaiting("interrupted");
    for (const [id, pending] of this.clientRetries) {
      pending.cancel();
      this.o.recorder.settle(id, { type: "shed", reason: "interrupted" });
    }
    this.clientRetries.clear();
    this.o.scheduler.at(this.o.scheduler.now() + graceMs, () => {
      for (const [id, attempt] of this.inFlight) {
        attempt.done = true;
        attempt.cancelSend();
        this.o.recorder.settle(id, { type: "failed", reason: "interrupted" });
      }
      this.inFlight.clear();
      this.shedWaiting("interrupted");
      this.finish();
    });
    this.checkFinished();
  }

  private shedWaiting(reason: string): void {
    for (const request of this.router.drainWaiting()) {
      this.o.recorder.settle(request.id, { type: "shed", reason });
    }
  }

  /** The plan's next request, taken from it once and kept until released. */
  private upNext(): PlannedRequest | undefined {
    if (this.next === undefined && !this.planDone) {
      this.next = this.o.plan.next();
      if (this.next === undefined) this.planDone = true;
    }
    return this.next;
  }

  private scheduleNextArrival(): void {
    const next = this.upNext();
    if (next) postTask(this.o.scheduler, next.intendedMs, this.arrival);
  }

  /** Vendor and model of each route, split once rather than per send. */
  private readonly splitRoutes = new Map<RouteId, { vendor: string; model: string }>();

  private routeParts(route: RouteId): { vendor: string; model: string } {
    let parts = this.splitRoutes.get(route);
    if (parts === undefined) {
      parts = splitRouteId(route);
      this.splitRoutes.set(route, parts);
    }
    return parts;
  }

  /** One task for every arrival, not a closure and a cancel function each. */
  private readonly arrival: Task = { done: false, run: () => this.arrive() };

  /** Releases every request whose intended start has come (timers may fire late). */
  private arrive(): void {
    if (this.stopped) return;
    const now = this.o.scheduler.now();
    const { recorder } = this.o;
    for (;;) {
      const p = this.upNext();
      if (p === undefined || p.intendedMs > now) break;
      this.next = undefined;
      this.cursor++;
      recorder.generated(p.id, p);
      this.o.onArrival?.(now - p.intendedMs);
      const request: EngineRequest = {
        id: p.id,
        lane: p.lane,
        class: p.class,
        tenant: p.tenant,
        arrivedMs: p.intendedMs,
        promptTokens: p.promptTokens,
        maxTokens: p.completionTokens,
        planned: p,
        tried: [],
        clientRetry: 0,
        everSent: false,
      };
      const shed = this.router.submit(request, now);
      if (shed) this.apply(shed, now);
    }
    this.pump();
    this.scheduleNextArrival();
  }

  private pump(): void {
    const now = this.o.scheduler.now();
    if (this.stopped) {
      // After a stop nothing new is sent: a retry that comes back ends here.
      this.shedWaiting("interrupted");
      this.checkFinished();
      return;
    }
    // Indexed loops on the hot path: a for-of here allocates an iterator per call.
    const decisions = this.router.dispatch(now);
    for (let i = 0; i < decisions.length; i++) this.apply(decisions[i]!, now);
    this.scheduleWake(now);
    this.checkFinished();
  }

  private apply(decision: Decision<EngineRequest>, now: number): void {
    switch (decision.type) {
      case "shed":
        this.giveUp(decision.request, { type: "shed", reason: decision.reason }, now);
        return;
      case "deadline":
        this.giveUp(decision.request, { type: "deadline" }, now);
        return;
      case "send":
        this.send(decision.request, decision.route, decision.attempt, decision.probe, now);
        return;
    }
  }

  private send(
    request: EngineRequest,
    route: RouteId,
    attempt: number,
    probe: boolean,
    now: number,
  ): void {
    const { recorder, upstream } = this.o;
    const p = request.planned;
    // Queue age: to the first send of the user's request, whichever client try it was.
    if (!request.everSent) {
      recorder.firstSend(p, p.intendedMs, now);
      request.everSent = true;
    }
    recorder.sent(route, p, attempt === 1 && !probe, now);
    // Most requests are sent once: a list of one, not an empty one grown on push.
    if (request.tried.length === 0) request.tried = [route];
    else request.tried.push(route);
    const { config: lane, timeouts } = this.lanes.get(p.lane)!;
    // The deadline counts from when the router took the request (a client's retry
    // is a new request to it), as the router's own deadline does.
    // A gateway's client waits as long as its user would: the gateway times its own attempts.
    const untilDeadlineMs = request.arrivedMs + lane.deadlineMs - now;
    const timeoutMs = this.o.gateway ? untilDeadlineMs : Math.min(lane.timeoutMs, untilDeadlineMs);
    const { vendor, model } = this.routeParts(route);
    const inFlight = new InFlightAttempt(
      this,
      request,
      route,
      now,
      now + Math.max(1, timeoutMs),
      timeouts,
    );
    const call: Attempt = {
      requestId: p.id,
      clientTry: request.clientRetry,
      vendor,
      model,
      promptTokens: p.promptTokens,
      maxTokens: p.completionTokens,
      completionHint: p.completionTokens,
      stream: p.stream,
    };
    // With a gateway in front, only the vendors see its attempts (the mocks log them).
    if (!this.o.gateway) this.o.findings?.attemptStarted(call, now);
    inFlight.cancelSend = upstream.send(call, inFlight.finish);
    // (An upstream may answer at once, inside send: then there is nothing to time out.)
    if (inFlight.done) return;
    timeouts.add(inFlight);
    this.inFlight.set(p.id, inFlight);
  }

  /** An attempt's result, taken once: later ones (a timeout after the answer) are dropped. */
  finishAttempt(attempt: InFlightAttempt, result: AttemptResult): void {
    if (attempt.done) return;
    // Out of its lane's timeout list (the list lets go of it), and done.
    attempt.timeouts.cancel(attempt);
    const request = attempt.request!;
    this.inFlight.delete(request.id);
    // Whatever still holds the attempt (an upstream's pending callback) holds
    // nothing of the request or the call through it.
    attempt.cancelSend = noop;
    attempt.request = undefined;
    this.attemptDone(request, attempt.route, attempt.sentMs, result);
  }

  private attemptDone(
    request: EngineRequest,
    route: RouteId,
    sentMs: number,
    result: AttemptResult,
  ): void {
    const now = this.o.scheduler.now();
    // An attempt's result is already the outcome the router reads.
    const verdict = this.router.complete(request.id, result, now);
    this.abandonCut();
    const category: ErrorCategory | undefined =
      verdict.type === "done" ? undefined : verdict.category;
    const { findings } = this.o;
    // Most requests are one attempt, answered: the (lazy) findings need only its start.
    // (A gateway run's findings are replayed whole: there, every client try counts.)
    const firstAnswered = !this.o.gateway && category === undefined && request.tried.length === 1;
    if (findings && !firstAnswered) {
      const p = request.planned;
      if (!this.o.gateway) {
        const { vendor, model } = this.routeParts(route);
        findings.attemptEnded({
          requestId: p.id,
          clientTry: request.clientRetry,
          vendor,
          model,
          receivedMs: sentMs,
          endedMs: now,
          status: result.status,
          outcome: vendorOutcome(category, result),
          ...retryAfterOf(result),
          stream: p.stream,
        });
      }
      // The client's try ends with the router's last word on it (a retry is not one).
      if (verdict.type !== "retry")
        findings.clientTryEnded({
          requestId: p.id,
          clientTry: request.clientRetry,
          lane: p.lane,
          tenant: p.tenant,
          sentMs: request.arrivedMs,
          endedMs: now,
          status: result.status,
          end: clientTryEnd(category, result),
          stream: p.stream,
        });
    }
    if (category === "throttled") this.throttled++;
    const { recorder } = this.o;
    recorder.attemptDone(route, request.planned, result.status, category, result.usage, now);
    const p = request.planned;
    switch (verdict.type) {
      case "done":
        recorder.served(
          p.id,
          p,
          route,
          request.tried,
          p.intendedMs,
          now,
          p.stream ? result.firstTokenMs : undefined,
        );
        this.o.findings?.requestSettled(p.id);
        break;
      case "failed":
        // Denied a retry by the router's own budget: say so, not only what failed.
        this.giveUp(
          request,
          {
            type: "failed",
            reason: verdict.why === "retry-budget" ? "retry-budget" : verdict.category,
          },
          now,
        );
        break;
      case "deadline":
        this.giveUp(request, { type: "deadline" }, now);
        break;
      case "retry":
        break;
    }
    this.pump();
  }

  /**
   * The router is done with a request it could not serve. A naive client of that
   * traffic sends it again after its fixed, shared delay, as a new request to the
   * router (latency still counts from the user's intended start); otherwise, or once
   * its retries are spent, the request ends in the ledger.
   */
  private giveUp(request: EngineRequest, outcome: GiveUp, now: number): void {
    const retries = request.planned.clientRetries;
    if (!retries || request.clientRetry >= retries.max || this.stopped) {
      this.o.recorder.settle(request.id, outcome);
      this.o.findings?.requestSettled(request.id);
      return;
    }
    const at = now + retries.delayMs;
    const again: EngineRequest = {
      ...request,
      arrivedMs: at,
      tried: request.tried,
      clientRetry: request.clientRetry + 1,
    };
    const cancel = this.o.scheduler.at(at, () => {
      this.clientRetries.delete(request.id);
      this.o.recorder.clientRetry(request.planned);
      const shed = this.router.submit(again, at);
      if (shed) this.apply(shed, at);
      this.pump();
    });
    this.clientRetries.set(request.id, { request: again, cancel });
  }

  /**
   * Attempts the router gave up on while in flight (a route opened with P15 off):
   * cancelled here, and reported back as abandoned so the router decides what next.
   */
  private abandonCut(): void {
    const abandoned = this.router.takeAbandoned();
    for (let i = 0; i < abandoned.length; i++) {
      const attempt = this.inFlight.get(abandoned[i]!);
      if (!attempt) continue;
      attempt.cancelSend();
      attempt.finish({ status: 0, headers: {}, transport: "abandoned", usage: NO_USAGE });
    }
  }

  private scheduleWake(now: number): void {
    const at = this.router.wakeAt(now);
    if (at === undefined || (this.wake && this.wake.atMs <= at && this.wake.atMs > now)) return;
    this.wake?.cancel();
    const cancel = this.o.scheduler.at(at, () => {
      this.wake = undefined;
      this.pump();
    });
    this.wake = { atMs: at, cancel };
  }

  private scheduleTick(atMs: number): void {
    this.tickCancel = this.o.scheduler.at(atMs, () => {
      const t = atMs / 1000;
      this.o.recorder.closeSecond(t, (lane) => this.router.queueDepth(lane));
      this.lastClosedMs = atMs;
      if (this.o.onSecond) {
        const lane = this.topLane;
        this.o.onSecond({
          t: atMs,
          durationMs: this.o.durationMs,
          generated: this.cursor,
          settled: this.o.recorder.ledger.settled,
          inFlight: this.router.inFlight,
          waiting: this.router.waiting,
          throttled: this.throttled,
          arrivals: this.cursor - this.generatedAtLastTick,
          lane,
          p95: this.o.recorder.lanes.get(lane)?.latency.percentile(95) ?? null,
          activeFaults: this.o.recorder.failover
            .filter((w) => w.fault.fromMs < atMs && atMs <= w.fault.untilMs)
            .map(
              (w) => `${w.fault.kind} ${w.fault.vendor}${w.fault.model ? `/${w.fault.model}` : ""}`,
            ),
        });
      }
      this.generatedAtLastTick = this.cursor;
      this.checkFinished();
      if (!this.finished) this.scheduleTick(atMs + 1000);
    });
  }

  private checkFinished(): void {
    if (this.finished) return;
    const drained =
      this.planDone &&
      this.router.waiting === 0 &&
      this.inFlight.size === 0 &&
      this.clientRetries.size === 0;
    // A run lasts at least its scenario's duration, so the series covers all of it;
    // past that, it ends once every request is settled (checked at least each tick).
    if (drained && (this.stopped || this.o.scheduler.now() >= this.o.durationMs)) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.wake?.cancel();
    this.tickCancel?.();
    for (const lane of this.lanes.values()) lane.timeouts.dispose();
    const now = this.o.scheduler.now();
    // A run ends between ticks: close the last, partial second of the series, so
    // what happened in it is in a row as well as in the totals.
    if (now > this.lastClosedMs) {
      this.o.recorder.closeSecond(Math.ceil(now / 1000), (lane) => this.router.queueDepth(lane));
    }
    this.resolveDone({
      endedMs: now,
      partial: this.stopped,
      router: this.router.summary(),
      ...(this.routerNodes ? { nodes: this.routerNodes.nodes() } : {}),
    });
  }
}

/** What the vendor's side of an attempt was, read from what came back to the harness. */
function vendorOutcome(category: ErrorCategory | undefined, result: AttemptResult): VendorOutcome {
  switch (category) {
    case undefined:
      return "ok";
    case "timeout":
      // Nothing came back in time: to the caller, the vendor was silent.
      return result.status === 0 ? "stalled" : "abandoned";
    case "connection":
      return "refused";
    case "stream-error":
      return "stream-cut";
    default:
      return category;
  }
}

function clientTryEnd(category: ErrorCategory | undefined, result: AttemptResult): ClientTryEnd {
  if (category === undefined) return "complete";
  if (category === "timeout") return "timeout";
  if (result.truncated) return "truncated";
  if (result.status >= 300) return "error-status";
  return "transport";
}

const NO_RETRY_AFTER = {};

/** The wait a refusal asked for, for the findings (only refusals are read). */
function retryAfterOf(result: AttemptResult): { retryAfterMs?: number } {
  if (result.status < 400) return NO_RETRY_AFTER;
  const retryAfterMs = parseRetryAfter(result.headers, result.epochMs);
  return retryAfterMs === undefined ? NO_RETRY_AFTER : { retryAfterMs };
}
