import { IdMap } from "../collections/id-map.js";
import { categorise } from "./error-category.js";
import type { AttemptOutcome, Decision, RouterRequest, RouterSummary, Verdict } from "./router.js";
import type { RouteId } from "./types.js";

/** Where every request of a class goes when an external gateway routes it: `gateway/<class>`. */
export const GATEWAY_VENDOR = "gateway";

export function gatewayRoute(cls: string): RouteId {
  return `${GATEWAY_VENDOR}/${cls}`;
}

const DONE: Readonly<Verdict> = Object.freeze({ type: "done" });
const NONE: readonly number[] = Object.freeze([]);

/**
 * The router's place when a gateway under test does the routing (`--gateway`): the
 * harness is then only the client. Every request is sent at once, to its class's
 * gateway route, once; what the gateway answers is the request's fate (a client
 * that retries does so itself, as the traffic says). It keeps no budgets, health
 * or queues of its own, so what the report shows is the gateway's doing.
 */
export class PassThroughRouter<R extends RouterRequest> {
  private queue: R[] = [];
  /** Requests sent and not yet answered (not a Set: see IdMap on why). */
  private readonly attempts = new IdMap<true>();
  onEvent: ((event: never) => void) | undefined;

  submit(request: R, _nowMs?: number): Decision<R> | undefined {
    this.queue.push(request);
    return undefined;
  }

  dispatch(_nowMs: number): readonly Decision<R>[] {
    if (this.queue.length === 0) return [];
    const sends = this.queue.map(
      (request): Decision<R> => ({
        type: "send",
        request,
        route: gatewayRoute(request.class),
        attempt: 1,
        probe: false,
      }),
    );
    for (const request of this.queue) this.attempts.set(request.id, true);
    this.queue = [];
    return sends;
  }

  complete(requestId: number, outcome: AttemptOutcome, _nowMs: number): Readonly<Verdict> {
    if (!this.attempts.delete(requestId))
      throw new Error(`no attempt in flight for request ${requestId}`);
    const category = categorise(outcome.status, outcome.transport, outcome.headers, outcome.body);
    if (category === undefined) return DONE;
    // The gateway has had its chances to retry: its answer is final for this try.
    return { type: "failed", category, why: "not-retryable" };
  }

  takeAbandoned(): readonly number[] {
    return NONE;
  }

  /** Nothing waits past a dispatch, so nothing needs a later wake-up. */
  wakeAt(_nowMs: number): number | undefined {
    return undefined;
  }

  drainWaiting(): R[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  queueDepth(lane: string): number {
    return this.queue.filter((r) => r.lane === lane).length;
  }

  get waiting(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.attempts.size;
  }

  summary(): RouterSummary {
    return {
      retries: 0,
      retriesDenied: 0,
      abandoned: 0,
      probes: 0,
      rulesOff: [],
      openings: {},
      events: [],
      eventsDropped: 0,
    };
  }
}
