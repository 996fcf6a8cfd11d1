import type { Scheduler } from "../clock/clock.js";
import type { Router, RouterRequest } from "../router/router.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import { DEFAULT_STORE_ROUND_TRIP_MS, MemoryStore } from "./memory-store.js";
import { budgetSyncMs, NodeLink, StoreMonitor, type StoreTraffic } from "./node-link.js";
import { openRedisStore } from "./open-redis.js";
import { redactUrl } from "./redis-store.js";
import type { SharedStore } from "./shared-store.js";

/** What the report says of the store several router nodes shared (P20). */
export interface StoreReport extends StoreTraffic {
  kind: "memory" | "redis" | "none";
  nodes: number;
  /** The Redis URL, its password hidden; null for the other kinds. */
  url: string | null;
  /** Sim mode and the in-memory store: the round trip modelled; null for Redis. */
  roundTripMs: number | null;
}

/** The nodes of one run, wired to their store: the engine links each router as it makes it. */
export interface NodeLinks {
  link<R extends RouterRequest>(router: Router<R>, name: string): void;
  /** Every node starts hearing the others (once the engine has made them). */
  start(): void;
  report(): StoreReport;
  close(): Promise<void>;
}

/**
 * Opens what the scenario's nodes share through: in sim mode always the in-memory
 * store on the virtual clock (a model of a store one round trip away); in live
 * mode the in-memory store, or Redis at the scenario's URL; or nothing at all
 * (`store: none`), each node on its own view.
 */
export async function linkNodes(
  scenario: Pick<ResolvedScenario, "nodes" | "store" | "name">,
  scheduler: Scheduler,
  mode: "sim" | "live",
  speed = 1,
): Promise<NodeLinks> {
  const monitor = new StoreMonitor(scheduler);
  const redisUrl = mode === "live" && scenario.store.startsWith("redis") ? scenario.store : null;
  let store: SharedStore | undefined;
  let onReconnect: ((listener: () => void) => void) | undefined;
  if (scenario.store === "none") store = undefined;
  else if (redisUrl) {
    const redis = await openRedisStore(redisUrl, scenario.name, speed);
    store = redis.store;
    onReconnect = redis.onReconnect;
  } else store = new MemoryStore(scheduler, DEFAULT_STORE_ROUND_TRIP_MS);
  const links: { catchUp(): void; start(): void; stop(): void }[] = [];
  const names: string[] = [];
  onReconnect?.(() => {
    for (const link of links) link.catchUp();
  });
  return {
    link(router, name) {
      if (!store) return;
      const index = links.length;
      names.push(name);
      // Nodes come back to a route one after another, in the order after the one that heard.
      const rankAfter = (node: string) => {
        const from = names.indexOf(node);
        return from < 0 ? 1 : (index - from + scenario.nodes) % scenario.nodes || scenario.nodes;
      };
      links.push(
        new NodeLink(name, router, store, scheduler, monitor, rankAfter, budgetSyncMs(speed)),
      );
    },
    start() {
      for (const link of links) link.start();
    },
    report() {
      return {
        kind: store === undefined ? "none" : redisUrl ? "redis" : "memory",
        nodes: scenario.nodes,
        url: redisUrl ? redactUrl(redisUrl) : null,
        roundTripMs: store && !redisUrl ? DEFAULT_STORE_ROUND_TRIP_MS : null,
        ...monitor.traffic,
        outages: monitor.traffic.outages.map((o) => ({ ...o })),
      };
    },
    async close() {
      for (const link of links) link.stop();
      await store?.close();
    },
  };
}
