import { randomUUID } from "node:crypto";
import { RunError } from "../run/run-error.js";
import { RedisStore } from "./redis-store.js";
import type { SharedStore } from "./shared-store.js";

/** A run's connection to Redis, and how to hear that it came back after an outage. */
export interface OpenedRedis {
  store: SharedStore;
  onReconnect: (listener: () => void) => void;
}

/**
 * Connects to Redis for one run, under a namespace of its own (so runs and tests
 * sharing a server never read each other's news); a server out of reach at the
 * start ends the run at once, in one line (exit 3).
 */
export async function openRedisStore(
  url: string,
  scenario: string,
  speed: number,
): Promise<OpenedRedis> {
  let store: RedisStore;
  try {
    store = await RedisStore.open({ url, namespace: `${scenario}-${randomUUID()}`, speed });
  } catch (error) {
    throw new RunError(
      error instanceof Error ? error.message : String(error),
      "redis-unreachable",
      "start redis-server, or run with --set store=memory",
    );
  }
  return {
    store,
    onReconnect: (listener) => {
      store.onReconnect = listener;
    },
  };
}
