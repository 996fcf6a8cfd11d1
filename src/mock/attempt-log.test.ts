import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import {
  parseRequestIdHeader,
  REQUEST_ID_HEADER,
  type VendorAttempt,
} from "../findings/vendor-attempt.js";
import { createRng } from "../random/rng.js";
import { type MockFleet, startMockFleet } from "../run/mock-fleet.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import type { VendorSpec } from "../vendor/types.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { AttemptRecord, readRequestId } from "./attempt-log.js";
import { type MockServer, startMockServer } from "./mock-server.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below
type Json = any;

let server: MockServer | undefined;
let scheduler: RealScheduler | undefined;
let fleet: MockFleet | undefined;

afterEach(async () => {
  await server?.close();
  await fleet?.close();
  scheduler?.dispose();
  server = undefined;
  fleet = undefined;
});

const roomy = testModel({ limits: { rpm: 100_000, tpm: 100_000_000 } });

/** A mock on a real loopback port; speed 100 keeps latencies to a few ms of wall time. */
async function start(options: { attemptCap?: number; vendor?: VendorSpec } = {}) {
  scheduler = new RealScheduler(100);
  const model = new VendorModel(
    options.vendor ?? testVendor("vendor-a", [roomy]),
    [],
    createRng(1),
  );
  server = await startMockServer({
    model,
    scheduler,
    ...(options.attemptCap !== undefined ? { attemptCap: options.attemptCap } : {}),
  });
  return server;
}

const chat = (
  id: string | undefined,
  body: Record<string, unknown> = {},
  init: { signal?: AbortSignal; headers?: Record<string, string>; raw?: string } = {},
) =>
  fetch(`${server!.baseUrl}/chat/completions`, {
    method: "POST",
    ...(init.signal ? { signal: init.signal } : {}),
    headers: {
      authorization: "Bearer sk-test",
      "content-type": "application/json",
      "x-gw-chaos-completion-tokens": "20",
      ...(id !== undefined ? { [REQUEST_ID_HEADER]: id } : {}),
      ...init.headers,
    },
    body:
      init.raw ??
      JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hello there" }],
        ...body,
      }),
  });

const postFault = async (fault: Record<string, unknown>) => {
  const res = await fetch(`${server!.origin}/_gw/faults`, {
    method: "POST",
    body: JSON.stringify(fault),
  });
  expect(res.status).toBe(201);
  await res.arrayBuffer();
};

const getAttempts = async (query = ""): Promise<Json> => {
  const res = await fetch(`${server!.origin}/_gw/attempts${query}`);
  expect(res.status).toBe(200);
  return res.json();
};

/** The server's log once it holds n records (an exchange is logged when its socket closes). */
async function logged(n: number): Promise<VendorAttempt[]> {
  for (let i = 0; i < 400 && server!.attempts.size < n; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const body = await getAttempts();
  expect(body.attempts).toHaveLength(n);
  return body.attempts;
}

function expectOrdered(attempts: readonly VendorAttempt[]) {
  for (const a of attempts) {
    expect(a.receivedMs).toBeGreaterThanOrEqual(0);
    expect(a.endedMs).toBeGreaterThanOrEqual(a.receivedMs);
  }
}

describe("the mock's attempt log over real HTTP", () => {
  it("logs answers served in full, with the request id and try the header carries", async () => {
    await start();
    await (await chat("41.0")).arrayBuffer();
    await (await chat("41.1", { stream: true })).text();
    await (await chat(undefined)).arrayBuffer();
    const attempts = await logged(3);
    expect(attempts).toEqual([
      expect.objectContaining({ requestId: 41, clientTry: 0, stream: false }),
      expect.objectContaining({ requestId: 41, clientTry: 1, stream: true }),
      expect.objectContaining({ requestId: null, clientTry: null, stream: false }),
    ]);
    for (const a of attempts) {
      expect(a).toMatchObject({ vendor: "vendor-a", model: "gpt-4o-mini", status: 200 });
      expect(a.outcome).toBe("ok");
      expect(a).not.toHaveProperty("retryAfterMs");
    }
    expectOrdered(attempts);
    // An answer takes scenario time (a 500 ms first token at least) between its two ends.
    expect(attempts[0]!.endedMs - attempts[0]!.receivedMs).toBeGreaterThanOrEqual(500);
    expect(attempts[1]!.receivedMs).toBeGreaterThanOrEqual(attempts[0]!.endedMs);
  });

  it("logs a throttle with the wait its Retry-After asked for, and quota, overload and 500", async () => {
    await start();
    await postFault({ kind: "throttle", count: 1 });
    const throttled = await chat("1.0");
    expect(throttled.status).toBe(429);
    const askedMs = Number(throttled.headers.get("retry-after-ms"));
    expect(askedMs).toBeGreaterThan(0);
    await throttled.arrayBuffer();
    for (const kind of ["quota", "overload", "server-error"]) {
      await postFault({ kind, count: 1 });
      await (await chat("2.0")).arrayBuffer();
    }
    const attempts = await logged(4);
    expect(attempts.map((a) => [a.outcome, a.status, a.retryAfterMs])).toEqual([
      ["throttled", 429, askedMs],
      ["quota", 429, undefined],
      ["overloaded", 503, undefined],
      ["server-error", 500, undefined],
    ]);
    expect(attempts[0]).toMatchObject({ requestId: 1, clientTry: 0 });
    expectOrdered(attempts);
  });

  it("takes Gemini's wait from the RetryInfo retryDelay of its 429 body", async () => {
    const gemini: VendorSpec = {
      ...testVendor("vendor-g", [testModel({ name: "gemini-2.5-flash" })]),
      format: "gemini",
    };
    await start({ vendor: gemini });
    await postFault({ kind: "throttle", count: 1 });
    const res = await fetch(`${server!.origin}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": "k", [REQUEST_ID_HEADER]: "5.2" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(res.status).toBe(429);
    const delay = (await res.text()).match(/"retryDelay":\s*"(\d+)s"/)?.[1];
    expect(delay).toBeDefined();
    const [attempt] = await logged(1);
    expect(attempt).toMatchObject({
      requestId: 5,
      clientTry: 2,
      vendor: "vendor-g",
      model: "gemini-2.5-flash",
      outcome: "throttled",
      status: 429,
      retryAfterMs: Number(delay) * 1000,
    });
  });

  it("logs a stall when the caller hangs up, and an answer the caller left before it was whole", async () => {
    await start();
    await postFault({ kind: "stall", count: 1 });
    await expect(chat("3.0", {}, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await logged(1);
    // A stream far slower than the caller's patience: it hangs up after the first bytes.
    await postFault({ kind: "slow-stream", tokensPerSecond: 1, count: 1 });
    const abort = new AbortController();
    const res = await chat("4.0", { stream: true }, { signal: abort.signal });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    abort.abort();
    // Unstreamed, hung up on before its answer came (a 20 s added latency).
    await postFault({ kind: "latency", ms: 20_000, count: 1 });
    await expect(chat("5.0", {}, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const attempts = await logged(3);
    expect(attempts.map((a) => [a.requestId, a.outcome, a.status, a.stream])).toEqual([
      [3, "stalled", 0, false],
      [4, "abandoned", 200, true],
      [5, "abandoned", 0, false],
    ]);
    expectOrdered(attempts);
  });

  it("logs a stream reset mid-answer and a stream cut by the vendor's error event", async () => {
    await start();
    await postFault({ kind: "reset", afterTokens: 3, count: 1 });
    const reset = await chat("6.0", { stream: true });
    await expect(reset.text()).rejects.toThrow();
    await postFault({ kind: "stream-error", afterTokens: 2, count: 1 });
    const cut = await chat("6.1", { stream: true });
    expect(await cut.text()).toMatch(/error/);
    await postFault({ kind: "reset", afterTokens: 3, count: 1 });
    await expect(chat("6.2")).rejects.toThrow(); // unstreamed: no status before the drop
    const attempts = await logged(3);
    expect(attempts.map((a) => [a.clientTry, a.outcome, a.status, a.stream])).toEqual([
      [0, "reset", 200, true],
      [1, "stream-cut", 200, true],
      [2, "reset", 0, false],
    ]);
    expectOrdered(attempts);
  });

  it("logs an outage as refused, with the request id read from the headers alone", async () => {
    await start();
    await postFault({ kind: "outage" });
    await expect(chat("8.0")).rejects.toThrow();
    await (await fetch(`${server!.origin}/_gw/faults`, { method: "DELETE" })).arrayBuffer();
    await postFault({ kind: "outage", model: "gpt-4o-mini", count: 1 });
    await expect(chat("8.1", { stream: true })).rejects.toThrow();
    const attempts = await logged(2);
    expect(attempts).toEqual([
      // Vendor-wide: the body is never read, so neither the model nor streaming is known.
      expect.objectContaining({ requestId: 8, clientTry: 0, model: "", stream: false }),
      // One model down: the body was read first.
      expect.objectContaining({ requestId: 8, clientTry: 1, model: "gpt-4o-mini", stream: true }),
    ]);
    for (const a of attempts) expect(a).toMatchObject({ outcome: "refused", status: 0 });
    expectOrdered(attempts);
  });

  it("logs requests refused for themselves as bad requests, and nothing for unknown paths", async () => {
    await start();
    await (await chat("9.0", {}, { raw: "{not json" })).arrayBuffer();
    await (await chat("9.1", {}, { headers: { authorization: "" } })).arrayBuffer();
    await (await chat("9.2", { model: "gpt-9" })).arrayBuffer();
    await (await fetch(`${server!.origin}/v2/anything`)).arrayBuffer();
    await (await fetch(`${server!.origin}/_gw/state`)).arrayBuffer();
    const attempts = await logged(3);
    expect(attempts.map((a) => [a.clientTry, a.outcome, a.status, a.model])).toEqual([
      [0, "bad-request", 400, ""],
      [1, "bad-request", 401, ""],
      [2, "bad-request", 404, "gpt-9"],
    ]);
  });

  it("keeps at most its cap, counts the rest as dropped, pages with since, and clears", async () => {
    await start({ attemptCap: 3 });
    for (let i = 0; i < 5; i++) await (await chat(`${i}.0`)).arrayBuffer();
    for (let i = 0; i < 100 && server!.attempts.dropped < 2; i++)
      await new Promise((r) => setTimeout(r, 5));
    const all = await getAttempts();
    expect(all.attempts.map((a: VendorAttempt) => a.requestId)).toEqual([0, 1, 2]);
    expect(all).toMatchObject({ dropped: 2, next: 3, total: 3 });
    const page = await getAttempts("?since=1&limit=1");
    expect(page.attempts.map((a: VendorAttempt) => a.requestId)).toEqual([1]);
    expect(page.next).toBe(2);
    expect((await getAttempts("?since=3")).attempts).toEqual([]);
    const bad = await fetch(`${server!.origin}/_gw/attempts?since=-1`);
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
    const cleared = await fetch(`${server!.origin}/_gw/attempts`, { method: "DELETE" });
    expect(cleared.status).toBe(200);
    await cleared.arrayBuffer();
    expect(await getAttempts()).toEqual({ attempts: [], dropped: 0, next: 0, total: 0 });
    await (await chat("7.0")).arrayBuffer();
    expect((await logged(1))[0]!.requestId).toBe(7);
  });
});

describe("the request id header", () => {
  it("reads as parseRequestIdHeader does, for any text", () => {
    const piece = fc.constantFrom(
      "0",
      "7",
      "12",
      "999999",
      "1234567890123456",
      ".",
      " ",
      "\t",
      "x",
      "\u00a0",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = pieces.join("");
        const record = new AttemptRecord(undefined, "", false, 0);
        readRequestId(text, record);
        const expected = parseRequestIdHeader(text);
        expect(Number.isNaN(record.requestId) ? undefined : record.requestId).toBe(
          expected.requestId,
        );
        expect(record.clientTry < 0 ? undefined : record.clientTry).toBe(expected.clientTry);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the fleet's attempts() on a worker thread", () => {
  it("brings every server's log back over the worker's port, while serving and before close", async () => {
    fleet = await startMockFleet({
      vendors: [testVendor("vendor-a", [roomy]), testVendor("vendor-b", [roomy])],
      faults: [],
      seed: 1,
      speed: 100,
      host: "127.0.0.1",
      scenarioDurationMs: 60_000,
    });
    expect(await fleet.attempts()).toEqual({ attempts: [], dropped: 0 });
    for (const [i, s] of fleet.servers.entries()) {
      const res = await fetch(`${s.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer k", [REQUEST_ID_HEADER]: `${i}.0` },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      await res.arrayBuffer();
    }
    let got = await fleet.attempts();
    for (let i = 0; i < 100 && got.attempts.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 5));
      got = await fleet.attempts();
    }
    expect(got.dropped).toBe(0);
    expect(got.attempts.map((a) => [a.vendor, a.requestId, a.outcome])).toEqual([
      ["vendor-a", 0, "ok"],
      ["vendor-b", 1, "ok"],
    ]);
    expect(got.attempts[0]).not.toHaveProperty("retryAfterMs");
    expectOrdered(got.attempts);
    // Asked right before close, it is answered first; asked after, it says why not.
    const last = fleet.attempts();
    const closing = fleet.close();
    expect((await last).attempts).toHaveLength(2);
    await closing;
    await expect(fleet.attempts()).rejects.toThrow(/after the fleet closed/);
  });
});

describe("attempts({ endOpen }) at the end of a run", () => {
  it("ends what is still open as it stands: a call a gateway never let go of shows as stalled", async () => {
    fleet = await startMockFleet({
      vendors: [testVendor("vendor-a", [roomy])],
      // The stall covers the whole test however slow the host: at 100x a minute of
      // scenario is 0.6 s of wall time, and a call that came later was served, not stalled.
      faults: [
        {
          id: "f",
          kind: "stall",
          vendor: "vendor-a",
          fromMs: 0,
          untilMs: 100 * 3_600_000,
          probability: 1,
        },
      ],
      seed: 1,
      speed: 100,
      host: "127.0.0.1",
      scenarioDurationMs: 100 * 3_600_000,
    });
    const [s] = fleet.servers;
    const abort = new AbortController();
    // Held open by its caller, never answered.
    const held = fetch(`${s!.baseUrl}/chat/completions`, {
      method: "POST",
      signal: abort.signal,
      headers: { authorization: "Bearer k", [REQUEST_ID_HEADER]: "7.0" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    }).catch(() => undefined);
    try {
      // Once the vendor holds it (one call in flight)...
      const inFlight = async () => {
        const res = await fetch(`${s!.origin}/_gw/state`);
        return ((await res.json()) as Json).models["gpt-4o-mini"].inFlight as number;
      };
      for (let i = 0; i < 400 && (await inFlight()) === 0; i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(await inFlight()).toBe(1);
      // ...it is not logged while it is open...
      expect((await fleet.attempts()).attempts).toEqual([]);
      // ...until the run reads its log for good: then it is a stall, as it stood.
      const ended = await fleet.attempts({ endOpen: true });
      expect(ended.attempts.map((a) => [a.requestId, a.clientTry, a.outcome, a.status])).toEqual([
        [7, 0, "stalled", 0],
      ]);
      expectOrdered(ended.attempts);
    } finally {
      abort.abort();
      await held;
    }
  });
});
