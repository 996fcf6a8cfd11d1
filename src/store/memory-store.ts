import type { Scheduler } from "../clock/clock.js";
import {
  amountRefusal,
  holds,
  type Reply,
  type RouteNews,
  type SharedStore,
  windowIndex,
} from "./shared-store.js";

/** A round trip to a store on the same network: what sim mode models by default. */
export const DEFAULT_STORE_ROUND_TRIP_MS = 1;

interface Subscriber {
  node: string;
  hear: (news: RouteNews) => void;
  /** The connection that subscribed: once it closes, it hears nothing more. */
  handle: MemoryStore;
}

/** What every connection to one in-memory store shares. */
class StoreState {
  readonly news = new Map<string, RouteNews>();
  readonly counters = new Map<string, number>();
  readonly subscribers: Subscriber[] = [];
}

/**
 * The shared store in the run's own memory: the embedded default, and the store
 * every sim run uses. It models a store over the network on the run's clock: a
 * write lands half a round trip after it is made, and answers and news reach the
 * nodes a whole round trip after. So nodes in sim learn of each other's news as late
 * as they would through a real store, and a run stays exact for its seed.
 */
export class MemoryStore implements SharedStore {
  readonly kind = "memory" as const;
  private closed = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly roundTripMs: number = DEFAULT_STORE_ROUND_TRIP_MS,
    private readonly state: StoreState = new StoreState(),
  ) {}

  /** Another connection to the same store (a node of its own), closed apart. */
  handle(): MemoryStore {
    return new MemoryStore(this.scheduler, this.roundTripMs, this.state);
  }

  publish(news: RouteNews, done?: Reply<void>): void {
    if (this.refuse(done)) return;
    const item = { ...news };
    this.later(this.roundTripMs / 2, () => {
      // A clear takes out what it answers, not news heard after it (a newer 429).
      if (item.kind === "clear") {
        const kept = this.state.news.get(item.route);
        if (kept !== undefined && kept.atMs <= item.atMs) this.state.news.delete(item.route);
      } else {
        const kept = this.state.news.get(item.route);
        if (kept === undefined || item.untilMs >= kept.untilMs)
          this.state.news.set(item.route, item);
      }
    });
    this.later(this.roundTripMs, () => {
      for (const s of this.state.subscribers)
        if (s.node !== item.node && !s.handle.closed) s.hear({ ...item });
      done?.(undefined);
    });
  }

  subscribe(node: string, hear: (news: RouteNews) => void, done?: Reply<void>): void {
    if (this.refuse(done)) return;
    this.state.subscribers.push({ node, hear, handle: this });
    this.later(this.roundTripMs, () => done?.(undefined));
  }

  inForce(nowMs: number, done: Reply<RouteNews[]>): void {
    if (this.refuse(done)) return;
    this.later(this.roundTripMs, () => {
      const found: RouteNews[] = [];
      for (const news of this.state.news.values())
        if (holds(news) && news.untilMs > nowMs) found.push({ ...news });
      done(found);
    });
  }

  add(
    counter: string,
    amount: number,
    windowMs: number,
    nowMs: number,
    done?: Reply<number>,
  ): void {
    if (this.refuse(done)) return;
    const refused = amountRefusal(amount);
    if (refused) {
      done?.(refused);
      return;
    }
    const key = `${counter}\u0000${windowIndex(windowMs, nowMs)}`;
    let total = 0;
    this.later(this.roundTripMs / 2, () => {
      total = (this.state.counters.get(key) ?? 0) + amount;
      this.state.counters.set(key, total);
    });
    this.later(this.roundTripMs, () => done?.(total));
  }

  count(counter: string, windowMs: number, nowMs: number, done: Reply<number>): void {
    if (this.refuse(done)) return;
    const key = `${counter}\u0000${windowIndex(windowMs, nowMs)}`;
    this.later(this.roundTripMs, () => done(this.state.counters.get(key) ?? 0));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A closed store answers every call with an Error, at once. */
  private refuse(done: Reply<never> | undefined): boolean {
    if (!this.closed) return false;
    done?.(new Error("the store is closed"));
    return true;
  }

  private later(delayMs: number, fn: () => void): void {
    this.scheduler.at(this.scheduler.now() + delayMs, () => {
      if (!this.closed) fn();
    });
  }
}
