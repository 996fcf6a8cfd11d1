import type { Cancel, Clock, Scheduler } from "../clock/clock.js";
import type { HealthNews, Router, RouterRequest } from "../router/router.js";
import type { RouteId } from "../router/types.js";
import { type RouteNews, type SharedStore, windowIndex } from "./shared-store.js";

/**
 * How often a node adds its sends to the shared budget counters and reads the
 * others': every 200 scenario ms, and no more often than every 50 wall ms (at
 * --speed 20 that is each second of scenario time), so a fast live run does not
 * flood the store.
 */
export function budgetSyncMs(speed: number): number {
  return Math.max(200, 50 * speed);
}
/** The counters' window: vendors state their limits per minute. */
const BUDGET_WINDOW_MS = 60_000;

/** One route's shared counters as one node sees them, in the current window. */
interface RouteCounters {
  window: number;
  /** What the node has added in this window, and what it had sent when it last added. */
  ownRequests: number;
  ownTokens: number;
  flushedRequests: number;
  flushedTokens: number;
  /** The other nodes' sends in this window the node has already taken off its budget. */
  peerRequests: number;
  peerTokens: number;
}

/** A span in which the store failed every call, scenario ms; untilMs null while it lasts. */
export interface StoreOutage {
  fromMs: number;
  untilMs: number | null;
}

/** What the nodes of a run did through their store, for the report. */
export interface StoreTraffic {
  /** News told, news heard, calls that failed (the node went on with what it knew). */
  published: number;
  heard: number;
  failed: number;
  outages: StoreOutage[];
}

/**
 * Watches every call the nodes make to the store: a failure opens an outage, the
 * next success closes it. The routers never wait on the store; this is how the
 * report shows that they ran on local state for a while.
 */
export class StoreMonitor {
  readonly traffic: StoreTraffic = { published: 0, heard: 0, failed: 0, outages: [] };

  constructor(private readonly clock: Clock) {}

  answered(outcome: unknown): void {
    const outages = this.traffic.outages;
    const open = outages.length > 0 && outages[outages.length - 1]!.untilMs === null;
    if (outcome instanceof Error) {
      this.traffic.failed++;
      if (!open) outages.push({ fromMs: this.clock.now(), untilMs: null });
    } else if (open) {
      outages[outages.length - 1]!.untilMs = this.clock.now();
    }
  }
}

/**
 * One router node's line to the shared store (P20): what its router learns from a
 * vendor goes out to the other nodes, and what they learned comes in to its router.
 * Nothing here waits: a store that is slow or down costs a node the others' news,
 * never a request.
 */
export class NodeLink<R extends RouterRequest> {
  private readonly counters = new Map<RouteId, RouteCounters>();
  private cancelSync: Cancel | undefined;
  private stopped = false;

  constructor(
    readonly node: string,
    private readonly router: Router<R>,
    private readonly store: SharedStore,
    private readonly clock: Scheduler,
    private readonly monitor: StoreMonitor,
    /** This node's place after the node that sent news: 1 for the next, and so on. */
    private readonly rankAfter: (node: string) => number = () => 1,
    /** Scenario ms between budget syncs (budgetSyncMs). */
    private readonly syncMs = budgetSyncMs(1),
  ) {
    router.tellPeers((news) => this.tell(news));
    for (const route of router.routeIds)
      this.counters.set(route, {
        window: 0,
        ownRequests: 0,
        ownTokens: 0,
        flushedRequests: 0,
        flushedTokens: 0,
        peerRequests: 0,
        peerTokens: 0,
      });
  }

  /** Starts hearing the other nodes, and catches up with what is in force already. */
  start(): void {
    this.store.subscribe(
      this.node,
      (news) => this.hear(news),
      (o) => this.monitor.answered(o),
    );
    this.catchUp();
    this.scheduleSync();
  }

  /** No more budget syncs (the run is over). */
  stop(): void {
    this.stopped = true;
    this.cancelSync?.();
  }

  private scheduleSync(): void {
    if (this.stopped) return;
    this.cancelSync = this.clock.at(this.clock.now() + this.syncMs, () => {
      this.syncBudgets();
      this.scheduleSync();
    });
  }

  /**
   * Adds what the node sent to each route since the last sync to the shared
   * counters of the minute, and takes what the other nodes sent off its own
   * picture of the route's budget: the vendor counts every node's sends against
   * one limit, so a node that knew only its own would overshoot it.
   */
  private syncBudgets(): void {
    const now = this.clock.now();
    const window = windowIndex(BUDGET_WINDOW_MS, now);
    for (const [route, c] of this.counters) {
      if (c.window !== window) {
        c.window = window;
        c.ownRequests = c.ownTokens = c.peerRequests = c.peerTokens = 0;
      }
      const sent = this.router.sentTo(route);
      const requests = sent.requests - c.flushedRequests;
      const tokens = sent.tokens - c.flushedTokens;
      c.flushedRequests = sent.requests;
      c.flushedTokens = sent.tokens;
      c.ownRequests += requests;
      c.ownTokens += tokens;
      const ownRequests = c.ownRequests;
      const ownTokens = c.ownTokens;
      this.addOrCount(
        `requests:${route}`,
        requests,
        now,
        (total) => {
          if (c.window !== window) return;
          const peers = total - ownRequests;
          if (peers > c.peerRequests) {
            this.router.hearPeerSends(route, peers - c.peerRequests, 0, this.clock.now());
            c.peerRequests = peers;
          }
        },
        // The store never counted them: they go again with the next sync.
        () => {
          c.flushedRequests -= requests;
          if (c.window === window) c.ownRequests -= requests;
        },
      );
      this.addOrCount(
        `tokens:${route}`,
        tokens,
        now,
        (total) => {
          if (c.window !== window) return;
          const peers = total - ownTokens;
          if (peers > c.peerTokens) {
            this.router.hearPeerSends(route, 0, peers - c.peerTokens, this.clock.now());
            c.peerTokens = peers;
          }
        },
        () => {
          c.flushedTokens -= tokens;
          if (c.window === window) c.ownTokens -= tokens;
        },
      );
    }
  }

  /** Adds to a counter, or only reads it when there is nothing to add. */
  private addOrCount(
    counter: string,
    amount: number,
    now: number,
    total: (n: number) => void,
    failed: () => void,
  ) {
    const reply = (outcome: number | Error) => {
      this.monitor.answered(outcome);
      if (this.stopped) return;
      if (outcome instanceof Error) {
        if (amount > 0) failed();
      } else total(outcome);
    };
    if (amount > 0) this.store.add(counter, amount, BUDGET_WINDOW_MS, now, reply);
    else this.store.count(counter, BUDGET_WINDOW_MS, now, reply);
  }

  /** Asks the store what is in force now (after the store was out of reach, say). */
  catchUp(): void {
    this.store.inForce(this.clock.now(), (found) => {
      this.monitor.answered(found);
      if (found instanceof Error) return;
      for (const news of found) if (news.node !== this.node) this.hear(news);
    });
  }

  private tell(news: HealthNews): void {
    this.monitor.traffic.published++;
    this.store.publish({ ...news, node: this.node }, (o) => this.monitor.answered(o));
  }

  private hear(news: RouteNews): void {
    if (this.stopped) return;
    this.monitor.traffic.heard++;
    const { route, kind, atMs, untilMs } = news;
    this.router.hear(
      {
        route: route as RouteId,
        kind,
        atMs,
        untilMs,
      },
      this.clock.now(),
      this.rankAfter(news.node),
    );
  }
}
