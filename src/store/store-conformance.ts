import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Reply, RouteNews, SharedStore } from "./shared-store.js";

/**
 * One store as the conformance suite drives it: a connection per node (nodes of a
 * gateway each hold their own), and a way to let the answers due arrive.
 */
export interface StoreUnderTest {
  /** A connection for one more node. */
  connect(): SharedStore;
  /** Lets time pass until the answers and news due so far have arrived. */
  settle(): Promise<void>;
  /** Closes every connection it made. */
  close(): Promise<void>;
}

/** Calls a store operation and waits, settling, until it answers. */
async function ask<T>(store: StoreUnderTest, call: (reply: Reply<T>) => void): Promise<T | Error> {
  let answered = false;
  let outcome: T | Error | undefined;
  call((o) => {
    answered = true;
    outcome = o;
  });
  for (let i = 0; i < 200 && !answered; i++) await store.settle();
  if (!answered) throw new Error("the store never answered");
  return outcome as T | Error;
}

async function value<T>(store: StoreUnderTest, call: (reply: Reply<T>) => void): Promise<T> {
  const outcome = await ask(store, call);
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

const news = (over: Partial<RouteNews>): RouteNews => ({
  node: "node-1",
  route: "vendor-a/gpt-4o",
  kind: "cooldown",
  atMs: 1000,
  untilMs: 6000,
  ...over,
});

/**
 * The one suite every SharedStore passes (the in-memory store and Redis): what the
 * router nodes rely on, whatever holds the state.
 */
export function describeStoreConformance(name: string, open: () => Promise<StoreUnderTest>) {
  describe(`${name}: shared store conformance`, () => {
    let sut: StoreUnderTest;
    beforeEach(async () => {
      sut = await open();
    });
    afterEach(async () => {
      await sut.close();
    });

    it("tells every other node a node's news, once each, and not the node itself", async () => {
      const [a, b, c] = [sut.connect(), sut.connect(), sut.connect()];
      const heard: Record<string, RouteNews[]> = { a: [], b: [], c: [] };
      await value<void>(sut, (r) => a.subscribe("node-a", (n) => heard.a!.push(n), r));
      await value<void>(sut, (r) => b.subscribe("node-b", (n) => heard.b!.push(n), r));
      await value<void>(sut, (r) => c.subscribe("node-c", (n) => heard.c!.push(n), r));
      const sent = news({ node: "node-a", untilMs: 9000 });
      await value<void>(sut, (r) => a.publish(sent, r));
      for (let i = 0; i < 20 && (heard.b!.length === 0 || heard.c!.length === 0); i++)
        await sut.settle();
      await sut.settle();
      expect(heard.a).toEqual([]);
      expect(heard.b).toEqual([sent]);
      expect(heard.c).toEqual([sent]);
    });

    it("delivers one node's news to another in the order it was published", async () => {
      const [a, b] = [sut.connect(), sut.connect()];
      const heard: RouteNews[] = [];
      await value<void>(sut, (r) => b.subscribe("node-b", (n) => heard.push(n), r));
      const sent = [1, 2, 3, 4, 5].map((i) =>
        news({ node: "node-a", route: `vendor-${i}/m`, atMs: i, untilMs: 1000 + i }),
      );
      for (const n of sent) a.publish(n);
      for (let i = 0; i < 50 && heard.length < sent.length; i++) await sut.settle();
      expect(heard).toEqual(sent);
    });

    it("keeps per route the news with the latest end, and only while it is in force", async () => {
      const a = sut.connect();
      await value<void>(sut, (r) => a.publish(news({ untilMs: 6000 }), r));
      // A shorter cooldown heard later does not cut a longer one short.
      await value<void>(sut, (r) => a.publish(news({ atMs: 2000, untilMs: 3000 }), r));
      await value<void>(sut, (r) =>
        a.publish(news({ route: "vendor-b/m", kind: "open", atMs: 1500, untilMs: 31_500 }), r),
      );
      const at2s = await value<RouteNews[]>(sut, (r) => a.inForce(2000, r));
      expect(at2s.sort((x, y) => x.route.localeCompare(y.route))).toEqual([
        news({ untilMs: 6000 }),
        news({ route: "vendor-b/m", kind: "open", atMs: 1500, untilMs: 31_500 }),
      ]);
      const at7s = await value<RouteNews[]>(sut, (r) => a.inForce(7000, r));
      expect(at7s.map((n) => n.route)).toEqual(["vendor-b/m"]);
    });

    it("a clear takes the route's news out of force", async () => {
      const a = sut.connect();
      await value<void>(sut, (r) => a.publish(news({ kind: "open", untilMs: 60_000 }), r));
      await value<void>(sut, (r) =>
        a.publish(news({ kind: "clear", atMs: 5000, untilMs: 5000 }), r),
      );
      expect(await value<RouteNews[]>(sut, (r) => a.inForce(5001, r))).toEqual([]);
    });

    it("a clear leaves in force news heard after it (a newer 429 than the good answer)", async () => {
      const a = sut.connect();
      await value<void>(sut, (r) => a.publish(news({ atMs: 9000, untilMs: 14_000 }), r));
      await value<void>(sut, (r) =>
        a.publish(news({ node: "node-2", kind: "clear", atMs: 8500, untilMs: 8500 }), r),
      );
      expect(await value<RouteNews[]>(sut, (r) => a.inForce(9500, r))).toEqual([
        news({ atMs: 9000, untilMs: 14_000 }),
      ]);
    });

    it("adds to a counter atomically across nodes: no add is lost or counted twice", async () => {
      const nodes = [sut.connect(), sut.connect(), sut.connect()];
      const totals: number[] = [];
      const adds = 60;
      for (let i = 0; i < adds; i++)
        nodes[i % nodes.length]!.add("spend:vendor-a/m", 1, 60_000, 5000, (t) => {
          if (!(t instanceof Error)) totals.push(t);
        });
      for (let i = 0; i < 100 && totals.length < adds; i++) await sut.settle();
      // Each add saw a distinct total: together exactly 1..adds.
      expect(totals.sort((x, y) => x - y)).toEqual(Array.from({ length: adds }, (_, i) => i + 1));
      expect(
        await value<number>(sut, (r) => nodes[0]!.count("spend:vendor-a/m", 60_000, 59_999, r)),
      ).toBe(adds);
    });

    it("counts each fixed window apart, and each counter apart", async () => {
      const a = sut.connect();
      expect(await value<number>(sut, (r) => a.add("c", 5, 1000, 999, r))).toBe(5);
      expect(await value<number>(sut, (r) => a.add("c", 7, 1000, 1000, r))).toBe(7);
      expect(await value<number>(sut, (r) => a.add("d", 2, 1000, 1500, r))).toBe(2);
      expect(await value<number>(sut, (r) => a.count("c", 1000, 1999, r))).toBe(7);
      expect(await value<number>(sut, (r) => a.count("c", 1000, 0, r))).toBe(5);
      expect(await value<number>(sut, (r) => a.count("never", 1000, 0, r))).toBe(0);
    });

    it("answers an amount that is not a whole number with an Error, and counts nothing", async () => {
      const a = sut.connect();
      const added = await ask<number>(sut, (r) => a.add("spend", 0.5, 60_000, 0, r));
      expect(added).toBeInstanceOf(Error);
      expect((added as Error).message).toMatch(/whole numbers/);
      expect(await value<number>(sut, (r) => a.count("spend", 60_000, 0, r))).toBe(0);
    });

    it("answers every call with an Error once closed, without throwing", async () => {
      const a = sut.connect();
      await a.close();
      const outcome = await ask<number>(sut, (r) => a.add("c", 1, 1000, 0, r));
      expect(outcome).toBeInstanceOf(Error);
      const published = await ask<void>(sut, (r) => a.publish(news({}), r));
      expect(published).toBeInstanceOf(Error);
    });
  });
}
