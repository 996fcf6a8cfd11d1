/**
 * What several gateway nodes share (P20): news of a route's health that one node
 * heard from a vendor, kept while it is in force and told to every other node, and
 * counters that several nodes add to atomically (budgets).
 *
 * Every operation answers through a callback, never a promise: in sim mode the
 * in-memory store answers on the virtual clock, from inside the event loop, where a
 * promise would not settle until the loop yields. Time is scenario ms, given by the
 * caller; a store reads no clock of its own.
 *
 * A store that is slow or down must never stall a request: its callers go on with
 * what they know locally, and the store answers each failed call with an Error.
 */
export interface SharedStore {
  readonly kind: StoreKind;
  /**
   * Keeps the news (a cooldown or an opening, while in force; a clear removes the
   * route's) and tells every other subscribed node. `done` hears whether it was kept.
   */
  publish(news: RouteNews, done?: Reply<void>): void;
  /** Hears what the other nodes publish (never the node's own news), in the order published. */
  subscribe(node: string, hear: (news: RouteNews) => void, done?: Reply<void>): void;
  /**
   * The news still in force at nowMs: per route the cooldown or opening with the
   * latest end, if that end is after nowMs (a node that joins late, or comes back
   * after the store was out of reach, catches up with this).
   */
  inForce(nowMs: number, done: Reply<RouteNews[]>): void;
  /**
   * Adds to a counter of the fixed window of windowMs that holds nowMs, atomically
   * across nodes, and answers the window's total after the add. Amounts are whole
   * numbers (micro-dollars, say): anything else is answered with an Error.
   */
  add(counter: string, amount: number, windowMs: number, nowMs: number, done?: Reply<number>): void;
  /** The total of the counter's window that holds nowMs (0 when nothing was added). */
  count(counter: string, windowMs: number, nowMs: number, done: Reply<number>): void;
  /** Lets go of connections and timers; later calls answer with an Error. */
  close(): Promise<void>;
}

export type StoreKind = "memory" | "redis";

/** A store's answer: the value, or the Error the call failed with. */
export type Reply<T> = (outcome: T | Error) => void;

export type RouteNewsKind = "cooldown" | "open" | "clear";

/** One node's news of one route. */
export interface RouteNews {
  /** The node that heard it from the vendor. */
  node: string;
  route: string;
  /**
   * cooldown: no fresh sends until untilMs (a 429 or an overload);
   * open: the route is out until untilMs, then its node probes it;
   * clear: it answered well again (a probe, or a send after a cooldown).
   */
  kind: RouteNewsKind;
  /** Scenario ms when the node heard it. */
  atMs: number;
  /** Scenario ms when it stops holding; atMs for a clear. */
  untilMs: number;
}

/** The fixed window of windowMs that holds nowMs, by its index from time 0. */
export function windowIndex(windowMs: number, nowMs: number): number {
  return Math.floor(nowMs / windowMs);
}

/** Whether news of this kind holds sends back until its end (a clear holds nothing). */
export function holds(news: RouteNews): boolean {
  return news.kind !== "clear";
}

/**
 * Why a counter amount is refused, or undefined if it is fine: counters add whole
 * numbers on every store (Redis's INCRBY takes nothing else), so a run behaves the
 * same on either.
 */
export function amountRefusal(amount: number): Error | undefined {
  return Number.isSafeInteger(amount)
    ? undefined
    : new Error(`a counter adds whole numbers (micro-dollars, say), not ${amount}`);
}
