import { IdMap } from "../collections/id-map.js";
import type {
  AttemptOutcome,
  Decision,
  Router,
  RouterEvent,
  RouterRequest,
  RouterSummary,
  Verdict,
} from "./router.js";

/** What one node of several did, for the report. */
export interface NodeSummary {
  node: string;
  /** Requests the node took in (a client's retry may land on another node). */
  requests: number;
  sends: number;
  /** Routes it opened itself, and routes it took out because another node opened them. */
  openings: number;
  heardOpenings: number;
}

/**
 * Several router nodes behind one load balancer, as a gateway runs in production:
 * each node a Router of its own (its own queues, budgets and view of every route's
 * health), each request taken in by the next node in turn. Whether the nodes learn
 * of each other's news (P20) is up to what is wired to each router's onNews and
 * hear(); this class only spreads the traffic and gathers the answers. Pure, like
 * the routers it holds.
 */
export class RouterNodes<R extends RouterRequest> {
  /** The node each request still in the router belongs to. */
  /** Which node holds each request, by id (not a Map: see IdMap on why). */
  private readonly owner = new IdMap<number>();
  private turn = 0;
  private readonly taken: number[];
  private readonly sends: number[];

  constructor(
    readonly routers: readonly Router<R>[],
    readonly names: readonly string[],
  ) {
    this.taken = routers.map(() => 0);
    this.sends = routers.map(() => 0);
  }

  submit(request: R, nowMs?: number): Decision<R> | undefined {
    const node = this.turn;
    this.turn = (this.turn + 1) % this.routers.length;
    this.taken[node]!++;
    const shed = this.routers[node]!.submit(request, nowMs);
    if (shed === undefined) this.owner.set(request.id, node);
    return shed;
  }

  dispatch(nowMs: number): readonly Decision<R>[] {
    let all: Decision<R>[] | undefined;
    for (let n = 0; n < this.routers.length; n++) {
      const decisions = this.routers[n]!.dispatch(nowMs);
      if (decisions.length === 0) continue;
      for (let i = 0; i < decisions.length; i++) {
        const d = decisions[i]!;
        if (d.type === "send") this.sends[n]!++;
        else this.owner.delete(d.request.id);
      }
      all = all === undefined ? [...decisions] : all.concat(decisions);
    }
    return all ?? [];
  }

  complete(requestId: number, outcome: AttemptOutcome, nowMs: number): Readonly<Verdict> {
    const node = this.owner.get(requestId);
    if (node === undefined) throw new Error(`no node holds request ${requestId}`);
    const verdict = this.routers[node]!.complete(requestId, outcome, nowMs);
    if (verdict.type !== "retry") this.owner.delete(requestId);
    return verdict;
  }

  takeAbandoned(): readonly number[] {
    let all: number[] | undefined;
    for (const router of this.routers) {
      const cut = router.takeAbandoned();
      if (cut.length > 0) all = (all ?? []).concat(cut);
    }
    return all ?? [];
  }

  wakeAt(nowMs: number): number | undefined {
    let wake: number | undefined;
    for (const router of this.routers) {
      const at = router.wakeAt(nowMs);
      if (at !== undefined && (wake === undefined || at < wake)) wake = at;
    }
    return wake;
  }

  drainWaiting(): R[] {
    const out: R[] = [];
    for (const router of this.routers) out.push(...router.drainWaiting());
    for (const request of out) this.owner.delete(request.id);
    return out;
  }

  queueDepth(lane: string): number {
    let n = 0;
    for (const router of this.routers) n += router.queueDepth(lane);
    return n;
  }

  get waiting(): number {
    let n = 0;
    for (const router of this.routers) n += router.waiting;
    return n;
  }

  get inFlight(): number {
    let n = 0;
    for (const router of this.routers) n += router.inFlight;
    return n;
  }

  /** All nodes' work as one router's: counts summed, events in time order, each naming its node. */
  summary(): RouterSummary {
    const parts = this.routers.map((r) => r.summary());
    const openings: Record<string, number> = {};
    const events: RouterEvent[] = [];
    let eventsDropped = 0;
    parts.forEach((part, n) => {
      for (const [route, count] of Object.entries(part.openings))
        openings[route] = (openings[route] ?? 0) + count;
      for (const e of part.events) events.push({ ...e, node: this.names[n]! });
      eventsDropped += part.eventsDropped;
    });
    // Stable: at equal times, the nodes' order.
    events.sort((a, b) => a.t - b.t);
    const sum = (key: "retries" | "retriesDenied" | "abandoned" | "probes") =>
      parts.reduce((n, p) => n + p[key], 0);
    return {
      retries: sum("retries"),
      retriesDenied: sum("retriesDenied"),
      abandoned: sum("abandoned"),
      probes: sum("probes"),
      rulesOff: parts[0]?.rulesOff ?? [],
      openings,
      events,
      eventsDropped,
    };
  }

  /** Each node's share of the work, for the report. */
  nodes(): NodeSummary[] {
    return this.routers.map((router, n) => {
      const { openings } = router.summary();
      return {
        node: this.names[n]!,
        requests: this.taken[n]!,
        sends: this.sends[n]!,
        openings: Object.values(openings).reduce((a, b) => a + b, 0),
        heardOpenings: Object.values(router.heardOpenings).reduce((a, b) => a + b, 0),
      };
    });
  }
}
