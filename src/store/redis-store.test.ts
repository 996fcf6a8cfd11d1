import { randomUUID } from "node:crypto";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../test-support/free-port.js";
import {
  type RedisServer,
  redisSkipReason,
  startRedisServer,
} from "../test-support/redis-server.js";
import { RedisStore, type RedisStoreOptions, type RedisStoreStatus } from "./redis-store.js";
import type { Reply, RouteNews } from "./shared-store.js";
import { describeStoreConformance } from "./store-conformance.js";

const skip = redisSkipReason();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits, polling, until the condition holds; fails after a bound (never a timing claim). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await sleep(10);
  }
  throw new Error(`never happened: ${what}`);
}

/** Makes a call and gives back a probe of its answer, filled in when it comes. */
function call<T>(make: (reply: Reply<T>) => void): { answered: boolean; outcome?: T | Error } {
  const probe: { answered: boolean; outcome?: T | Error } = { answered: false };
  make((outcome) => {
    probe.answered = true;
    probe.outcome = outcome;
  });
  return probe;
}

/** The TCP sockets this process holds open. */
const openSockets = () =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;

const news = (over: Partial<RouteNews>): RouteNews => ({
  node: "node-a",
  route: "vendor-a/gpt-4o",
  kind: "cooldown",
  atMs: 1000,
  untilMs: 6000,
  ...over,
});

describe.skipIf(skip !== undefined)(`redis store${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let server: RedisServer;
  let raw: Redis;
  const opened: RedisStore[] = [];

  const open = async (over: Partial<RedisStoreOptions> = {}): Promise<RedisStore> => {
    const store = await RedisStore.open({
      url: server.url,
      namespace: randomUUID(),
      speed: 1,
      ...over,
    });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    raw.on("error", () => undefined);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });

  describeStoreConformance("redis store", async () => {
    // Each test its own namespace; three nodes at most, each with its connections up.
    const namespace = randomUUID();
    const stores = await Promise.all(
      [0, 1, 2].map(() => RedisStore.open({ url: server.url, namespace, speed: 1 })),
    );
    let next = 0;
    return {
      connect: () => {
        const store = stores[next++];
        if (store === undefined) throw new Error("the Redis harness opens three nodes only");
        return store;
      },
      settle: () => sleep(2),
      close: async () => {
        await Promise.all(stores.map((s) => s.close()));
      },
    };
  });

  describe("in Redis", () => {
    it("keeps its keys under gwc:<namespace>:, with TTLs of the scenario span over the speed", async () => {
      const namespace = randomUUID();
      const store = await open({ namespace, speed: 10 });
      const answers = [
        call<void>((r) => store.publish(news({ atMs: 1000, untilMs: 51_000 }), r)),
        call<void>((r) =>
          store.publish(news({ route: "vendor-b/m", kind: "open", atMs: 0, untilMs: 1e7 }), r),
        ),
        call<number>((r) => store.add("spend:vendor-a", 25, 60_000, 1000, r)),
      ];
      await until(() => answers.every((a) => a.answered), "the store answered");
      expect(answers.map((a) => a.outcome)).toEqual([undefined, undefined, 25]);

      const keys = (await raw.keys(`*${namespace}*`)).sort();
      expect(keys).toEqual([
        `gwc:${namespace}:count:spend:vendor-a:0`,
        `gwc:${namespace}:news:vendor-a/gpt-4o`,
        `gwc:${namespace}:news:vendor-b/m`,
        `gwc:${namespace}:routes`,
      ]);
      // 50 000 scenario ms at speed 10: 5000 wall ms at most (and counting down).
      const cooldownTtl = await raw.pttl(`gwc:${namespace}:news:vendor-a/gpt-4o`);
      expect(cooldownTtl).toBeGreaterThan(0);
      expect(cooldownTtl).toBeLessThanOrEqual(5000);
      // 1e7 scenario ms at speed 10: 1e6 wall ms, far more than the cooldown's.
      const openTtl = await raw.pttl(`gwc:${namespace}:news:vendor-b/m`);
      expect(openTtl).toBeGreaterThan(900_000);
      expect(openTtl).toBeLessThanOrEqual(1_000_000);
      // The set of routes lasts as long as the longest news in it.
      expect(await raw.pttl(`gwc:${namespace}:routes`)).toBeGreaterThan(900_000);
      // A window of 60 000 scenario ms is kept for two of them: 12 000 wall ms at speed 10.
      const counterTtl = await raw.pttl(`gwc:${namespace}:count:spend:vendor-a:0`);
      expect(counterTtl).toBeGreaterThan(0);
      expect(counterTtl).toBeLessThanOrEqual(12_000);
    });

    it("lets Redis drop news and counters once their TTL has passed", async () => {
      const namespace = randomUUID();
      // At speed 1000, 50 scenario s of news and a 50 s window last 50 and 100 wall ms.
      const store = await open({ namespace, speed: 1000 });
      const answers = [
        call<void>((r) => store.publish(news({ atMs: 0, untilMs: 50_000 }), r)),
        call<number>((r) => store.add("spend", 1, 50_000, 0, r)),
      ];
      await until(() => answers.every((a) => a.answered), "the store answered");
      expect(await raw.exists(`gwc:${namespace}:news:vendor-a/gpt-4o`)).toBe(1);
      const newsKey = `gwc:${namespace}:news:vendor-a/gpt-4o`;
      const counterKey = `gwc:${namespace}:count:spend:0`;
      for (let i = 0; i < 500 && (await raw.exists(newsKey, counterKey)) > 0; i++) await sleep(10);
      expect(await raw.exists(newsKey, counterKey)).toBe(0);
    });

    it("keeps each namespace apart: another run hears nothing and counts from zero", async () => {
      const [a, b] = [await open(), await open()];
      const heard: RouteNews[] = [];
      const subscribed = call<void>((r) => b.subscribe("node-b", (n) => heard.push(n), r));
      await until(() => subscribed.answered, "b subscribed");
      const sent = [
        call<void>((r) => a.publish(news({}), r)),
        call<number>((r) => a.add("spend", 7, 60_000, 0, r)),
      ];
      await until(() => sent.every((s) => s.answered), "a's calls answered");
      const seen = [
        call<RouteNews[]>((r) => b.inForce(2000, r)),
        call<number>((r) => b.count("spend", 60_000, 0, r)),
      ];
      await until(() => seen.every((s) => s.answered), "b's calls answered");
      expect(seen.map((s) => s.outcome)).toEqual([[], 0]);
      expect(heard).toEqual([]);
    });

    it("lets go of its sockets on close", async () => {
      const before = openSockets();
      const store = await RedisStore.open({ url: server.url, namespace: randomUUID(), speed: 1 });
      expect(openSockets()).toBe(before + 2);
      await store.close();
      await until(() => openSockets() === before, "the sockets closed");
      expect(store.status).toBe("closed");
    });

    it("refuses to open, in one line naming the URL, when nothing listens there", async () => {
      const port = await freePort();
      const before = openSockets();
      await expect(
        RedisStore.open({ url: `redis://127.0.0.1:${port}`, namespace: "x", speed: 1 }),
      ).rejects.toThrow(
        new RegExp(`^cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: ECONNREFUSED$`),
      );
      // No reconnecting left behind (its first retry would be due after 50 ms).
      await sleep(120);
      expect(openSockets()).toBe(before);
    });

    it("gives up opening, in one line, on a server that takes connections and never answers", async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => {
        sockets.add(socket);
        socket.on("error", () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        await expect(
          RedisStore.open({
            url: `redis://127.0.0.1:${port}`,
            namespace: "x",
            speed: 1,
            connectTimeoutMs: 300,
          }),
        ).rejects.toThrow(
          new RegExp(
            `^cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*no answer within \\d+ ms$`,
          ),
        );
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it("hides the password of the URL it could not reach", async () => {
      const port = await freePort();
      await expect(
        RedisStore.open({ url: `redis://:s3cret@127.0.0.1:${port}`, namespace: "x", speed: 1 }),
      ).rejects.toThrow(/^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: ECONNREFUSED$/);
    });
  });
});

describe.skipIf(skip !== undefined)("redis store when redis-server goes away", () => {
  // A server of its own: these tests kill and freeze it.
  let server: RedisServer;
  const opened: RedisStore[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    server.resume();
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers calls with an Error at once when it is killed, and is back when it restarts", async () => {
    const namespace = randomUUID();
    const statuses: RedisStoreStatus[] = [];
    const reconnects = { a: 0, b: 0 };
    // A command timeout of a minute: only the lost connection can explain a quick Error.
    const common = { url: server.url, namespace, speed: 1, commandTimeoutMs: 60_000 };
    const a = await RedisStore.open({
      ...common,
      onReconnect: () => reconnects.a++,
      onStatus: (s) => statuses.push(s),
    });
    const b = await RedisStore.open({ ...common, onReconnect: () => reconnects.b++ });
    opened.push(a, b);
    const heard: RouteNews[] = [];
    const subscribed = call<void>((r) => b.subscribe("node-b", (n) => heard.push(n), r));
    await until(() => subscribed.answered, "b subscribed");

    // In flight as the connection drops: the server is frozen, so the call is sent and
    // waits; then it dies. Answered with an Error, long before the minute's timeout.
    server.pause();
    const inFlight = call<number>((r) => a.add("spend", 1, 60_000, 0, r));
    await sleep(50);
    expect(inFlight.answered).toBe(false);
    await server.kill();
    await until(() => inFlight.answered, "the call in flight answered");
    expect(inFlight.outcome).toBeInstanceOf(Error);
    await until(() => a.status === "down" && b.status === "down", "both stores saw the outage");

    // Once down, every call answers within the same turn of the event loop.
    const whileDown = [
      call<number>((r) => a.count("spend", 60_000, 0, r)),
      call<void>((r) => a.publish(news({}), r)),
      call<RouteNews[]>((r) => b.inForce(0, r)),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(whileDown.map((c) => c.answered)).toEqual([true, true, true]);
    expect(whileDown.every((c) => c.outcome instanceof Error)).toBe(true);

    await server.restart();
    await until(() => reconnects.a === 1 && reconnects.b === 1, "both stores reconnected");
    expect([a.status, b.status]).toEqual(["ready", "ready"]);
    expect(statuses).toEqual(["ready", "down", "ready"]);

    // Subscribed again: b hears a's news, and the restarted (empty) Redis keeps it.
    const sent = news({ atMs: 10_000, untilMs: 20_000 });
    const published = call<void>((r) => a.publish(sent, r));
    await until(() => published.answered && heard.length === 1, "b heard a's news");
    expect(published.outcome).toBeUndefined();
    expect(heard).toEqual([sent]);
    const kept = call<RouteNews[]>((r) => b.inForce(10_000, r));
    await until(() => kept.answered, "inForce answered");
    expect(kept.outcome).toEqual([sent]);
  });

  it("answers with an Error after the command timeout when redis-server stops answering", async () => {
    const store = await RedisStore.open({
      url: server.url,
      namespace: randomUUID(),
      speed: 1,
      commandTimeoutMs: 100,
    });
    opened.push(store);
    server.pause();
    const slow = call<number>((r) => store.add("spend", 1, 60_000, 0, r));
    await until(() => slow.answered, "the call answered");
    expect(slow.outcome).toBeInstanceOf(Error);
    expect((slow.outcome as Error).message).toMatch(/timed out/i);
    server.resume();
    // And it answers again once Redis does.
    const after = call<number>((r) => store.count("spend", 60_000, 0, r));
    await until(() => after.answered, "the next call answered");
    expect(typeof after.outcome).toBe("number");
  });
});
