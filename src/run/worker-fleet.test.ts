import { createServer, type Server } from "node:net";
import { Pool } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import type { FaultSpec } from "../vendor/types.js";
import { type FleetOptions, type MockFleet, startMockFleet } from "./mock-fleet.js";
import { RunError } from "./run-error.js";
import { fleetTestHooks } from "./worker-fleet.js";

/** A vendor that answers in about 10 ms of scenario time, with room for every request. */
const vendor = testVendor("vendor-a", [
  testModel({
    limits: { rpm: 1e6, tpm: 1e9 },
    latency: { ttftMedianMs: 10, ttftSigma: 0, tokensPerSecond: 1e6 },
  }),
]);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fleetFor(options: Partial<FleetOptions> = {}): Promise<MockFleet> {
  const fleet = await startMockFleet({
    vendors: [vendor],
    faults: [],
    seed: 1,
    host: "127.0.0.1",
    scenarioDurationMs: 60_000,
    ...options,
  });
  cleanups.push(() => fleet.close());
  return fleet;
}

function chat(origin: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 5,
    }),
  });
}

/** How many handles of these kinds keep this process alive: a worker shows as a MessagePort. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = { MessagePort: 0, TCPServerWrap: 0, TCPSocketWrap: 0 };
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind in counts) counts[kind]!++;
  }
  return counts;
}

/** The handle counts once sockets closed by either side have been reaped (a few ticks). */
async function settledHandles(expected: Record<string, number>): Promise<Record<string, number>> {
  for (let i = 0; i < 100 && JSON.stringify(handles()) !== JSON.stringify(expected); i++)
    await new Promise((r) => setTimeout(r, 10));
  return handles();
}

describe("the mock fleet on a worker thread", () => {
  it("keeps the run's scenario time: the same zero and speed on both threads", async () => {
    const scheduler = new RealScheduler(10);
    cleanups.push(() => scheduler.dispose());
    const fleet = await fleetFor({ scheduler });
    for (let i = 0; i < 5; i++) {
      const before = scheduler.now();
      const res = await fetch(`${fleet.servers[0]!.origin}/_gw/state`);
      const { nowMs } = (await res.json()) as { nowMs: number };
      // The worker read its clock between the two reads of ours (the epochs of two
      // threads' clocks may differ by a rounding of the time origin).
      expect(nowMs).toBeGreaterThanOrEqual(before - 0.1);
      expect(nowMs).toBeLessThanOrEqual(scheduler.now() + 0.1);
    }
  });

  it("starts its fault timeline when scenario time starts, once the servers listen", async () => {
    const scheduler = new RealScheduler(5);
    cleanups.push(() => scheduler.dispose());
    const throttle: FaultSpec = {
      id: "f1",
      kind: "throttle",
      vendor: "vendor-a",
      fromMs: 1000,
      untilMs: 60_000,
      probability: 1,
    };
    const fleet = await fleetFor({ scheduler, speed: 5, faults: [throttle] });
    const origin = fleet.servers[0]!.origin;
    // Before the fault: served. Had the worker counted its own start-up (hundreds of
    // wall ms, over a thousand scenario ms at 5x), this would already be throttled.
    const early = await chat(origin);
    await early.arrayBuffer();
    expect(early.status).toBe(200);
    while (scheduler.now() < 1000) await new Promise((r) => setTimeout(r, 10));
    const late = await chat(origin);
    await late.arrayBuffer();
    expect(late.status).toBe(429);
  });

  it("answers the control API: a fault posted is applied", async () => {
    const fleet = await fleetFor();
    const origin = fleet.servers[0]!.origin;
    const posted = await fetch(`${origin}/_gw/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "throttle", probability: 1, for: "30s" }),
    });
    expect(posted.status).toBe(201);
    await posted.arrayBuffer();
    const res = await chat(origin);
    await res.arrayBuffer();
    expect(res.status).toBe(429);
    const state = (await (await fetch(`${origin}/_gw/state`)).json()) as {
      models: Record<string, { statuses: Record<string, number> }>;
    };
    expect(state.models["gpt-4o-mini"]!.statuses).toEqual({ "429": 1 });
  });

  it("close() ends the worker and every socket it served", async () => {
    const before = handles();
    const fleet = await startMockFleet({
      vendors: [vendor],
      faults: [],
      seed: 1,
      host: "127.0.0.1",
      scenarioDurationMs: 0,
    });
    const origin = fleet.servers[0]!.origin;
    const pool = new Pool(origin, { connections: 4 });
    cleanups.push(() => pool.destroy());
    const answered = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await pool.request({
          method: "GET",
          path: "/_gw/state",
        });
        await res.body.dump();
        return res.statusCode;
      }),
    );
    expect(answered).toEqual(Array(8).fill(200));
    expect(handles().MessagePort).toBeGreaterThan(before.MessagePort!);
    await fleet.close();
    await expect(pool.request({ method: "GET", path: "/_gw/state" })).rejects.toThrow();
    await pool.destroy();
    expect(await settledHandles(before)).toEqual(before);
  });

  it("a port in use is a RunError naming host:port, and no worker is left", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = (taken.address() as { port: number }).port;
    const before = await settledHandles(handles());
    const started = startMockFleet({
      vendors: [vendor],
      faults: [],
      seed: 1,
      host: "127.0.0.1",
      portBase: port,
      scenarioDurationMs: 0,
    });
    const error = await started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({
      code: "EADDRINUSE",
      message: `cannot start mock vendor vendor-a on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`,
      hint: "choose another --port-base, or leave it out for free ports",
    });
    expect(await settledHandles(before)).toEqual(before);
  });

  it("a worker that crashes while serving settles `failed` with a RunError, and closes", async () => {
    fleetTestHooks.crashAfterMs = 20;
    let fleet: MockFleet;
    try {
      fleet = await fleetFor();
    } finally {
      delete fleetTestHooks.crashAfterMs;
    }
    const error = await fleet.failed;
    expect(error).toBeInstanceOf(RunError);
    expect(error.message).toBe(`the mock vendors' worker crashed: crash injected by a test`);
    await fleet.close();
    await expect(chat(fleet.servers[0]!.origin)).rejects.toThrow();
  });
});
