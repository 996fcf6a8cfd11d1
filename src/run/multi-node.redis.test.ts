import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildJsonReport, type JsonReport } from "../report/json-report.js";
import { loadScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";
import { killLeftovers, spawnCli } from "../test-support/cli-process.js";
import { freePort } from "../test-support/free-port.js";
import { wastedAfterFirst } from "../test-support/multi-node.js";
import {
  type RedisServer,
  redisSkipReason,
  startRedisServer,
} from "../test-support/redis-server.js";
import { runScenario } from "./run-scenario.js";

/**
 * The multi-node drill live, its three router nodes sharing through a real
 * redis-server (P20), and what happens when Redis dies mid-run. Bounded: three
 * scenario minutes at 20x, about 9 s of wall time a run, on loopback only.
 */
const skip = redisSkipReason();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const SPEED = 20;

/** The drill shortened to three minutes (its spells scale with it), live. */
async function liveMultiNode(store: string, onMocksReady?: () => void): Promise<JsonReport> {
  const scenario = loadScenario("multi-node", {
    cwd: process.cwd(),
    overrides: ["duration=3m", `store=${store}`].map(parseOverride),
  });
  const result = await runScenario(scenario, {
    mode: "live",
    seed: 1,
    speed: SPEED,
    ...(onMocksReady ? { onMocksReady } : {}),
  });
  return buildJsonReport(result, "test");
}

describe.skipIf(skip !== undefined)(
  `multi-node drill live, through Redis${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it("with Redis shared, the other nodes stop before they hit the 429s one node heard", async () => {
      // One after the other: run together on a slow host, the two runs and redis-server
      // competed for the two cores until news took seconds of scenario time to arrive.
      const shared = await liveMultiNode(redis.url);
      const alone = await liveMultiNode("none");
      for (const report of [shared, alone]) {
        expect(report.ledger.balanced).toBe(true);
        expect(report.harness.trusted).toBe(true);
      }
      expect(shared.store).toMatchObject({ kind: "redis", nodes: 3, failed: 0, outages: [] });
      expect(shared.store!.heard).toBeGreaterThan(0);
      // Alone, every node pays for every spell itself; shared, a third of that at most.
      expect(wastedAfterFirst(alone)).toBeGreaterThanOrEqual(4);
      expect(wastedAfterFirst(shared)).toBeLessThanOrEqual(wastedAfterFirst(alone) / 3);
    }, 90_000);

    it("Redis killed mid-run: the nodes go on with what they know, every request is accounted for, and the outage is in the report", async () => {
      // About a quarter of the way in, Redis dies; it comes back a little after half-way.
      let outage: Promise<void> = Promise.resolve();
      const report = await liveMultiNode(redis.url, () => {
        outage = (async () => {
          await sleep(2500);
          await redis.kill();
          await sleep(2500);
          await redis.restart();
        })();
      });
      // (The server is up again before anything else: afterAll stops it for good.)
      await outage;
      expect(report.partial).toBe(false);
      expect(report.ledger.balanced).toBe(true);
      expect(report.ledger.generated).toBeGreaterThan(1000);
      const store = report.store!;
      expect(store.failed).toBeGreaterThan(0);
      expect(store.outages.length).toBeGreaterThanOrEqual(1);
      const first = store.outages[0]!;
      // Scenario ms: the kill came some seconds of wall time after the mocks listened.
      expect(first.fromMs).toBeGreaterThan(0);
      expect(first.untilMs).not.toBeNull();
      expect(first.untilMs!).toBeGreaterThan(first.fromMs);
      // Requests were still sent and answered while Redis was away.
      const during = report.series.filter(
        (row) => row.t * 1000 > first.fromMs && row.t * 1000 <= first.untilMs!,
      );
      const answered = during.reduce(
        (n, row) => n + Object.values(row.routes).reduce((m, r) => m + r.sends, 0),
        0,
      );
      expect(answered).toBeGreaterThan(0);
      expect(report.lanes.interactive!.ok / report.lanes.interactive!.requests).toBeGreaterThan(
        0.95,
      );
    }, 90_000);
  },
);

describe("a Redis store out of reach when the run starts", () => {
  afterEach(() => killLeftovers());

  it("exits 3 with one line naming the URL, before any traffic", async () => {
    const port = await freePort();
    const cli = spawnCli([
      "run",
      "multi-node",
      "--set",
      `store=redis://127.0.0.1:${port}`,
      "--quiet",
      "--out",
      "/tmp/gw-chaos-never-written",
    ]);
    expect(await cli.exited()).toBe(3);
    const lines = cli.stderr().trimEnd().split("\n");
    expect(lines[0]).toBe(`error: cannot reach Redis at redis://127.0.0.1:${port}: ECONNREFUSED`);
    expect(cli.stderr()).not.toMatch(/^\s+at /m);
    expect(cli.stdout()).toBe("");
  });
});
