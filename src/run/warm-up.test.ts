import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { type MockServer, startMockServer } from "../mock/mock-server.js";
import { createRng } from "../random/rng.js";
import { loadScenario } from "../scenario/loader.js";
import { parseOverride } from "../scenario/overrides.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { HttpUpstream } from "../upstream/http-upstream.js";
import type { AttemptResult } from "../upstream/upstream.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { warmUpSpec } from "../vendor/warm-up-spec.js";
import { WARM_UP_HEADER } from "../vendor/wire/wire-format.js";
import { warmUpPlan } from "./warm-up-calls.js";

/**
 * A live run warms its chat path (its side and the mocks') before its clock starts,
 * with calls the mocks book apart: the run's budgets, faults and logs never see them.
 */
let mock: MockServer | undefined;
let scheduler: RealScheduler | undefined;
let bare: Server | undefined;

afterEach(async () => {
  await mock?.close();
  scheduler?.dispose();
  await new Promise((resolve) => (bare ? bare.close(resolve) : resolve(undefined)));
  mock = undefined;
  bare = undefined;
});

/**
 * A mock of one model allowing `rpm` requests a minute, answering at once, at 1x: its
 * budget refills on the wall clock, slowly enough that a busy machine cannot refill
 * it between a test's calls.
 */
async function startMock(rpm: number): Promise<MockServer> {
  scheduler = new RealScheduler(1);
  const instant = { ttftMedianMs: 0, ttftSigma: 0, tokensPerSecond: 1e6 };
  const model = new VendorModel(
    testVendor("vendor-a", [testModel({ limits: { rpm, tpm: 1_000_000 }, latency: instant })]),
    [],
    createRng(1),
  );
  mock = await startMockServer({ model, scheduler });
  return mock;
}

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${mock!.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test", "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello there" }],
      ...body,
    }),
  });
const warmUp = { [WARM_UP_HEADER]: "1" };

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return Promise.all(
    responses.map(async (pending) => {
      const res = await pending;
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

describe("a mock books warm-up calls apart", () => {
  it("answers them in full, and leaves the run's budget, counts and log as they were", async () => {
    await startMock(2);
    // Ten warm-up calls against a budget of two a minute: all served, half of them streamed.
    const warm = await statuses(
      Array.from({ length: 10 }, (_, i) => chat({ stream: i % 2 === 1 }, warmUp)),
    );
    expect(warm).toEqual(Array(10).fill(200));
    const streamed = await chat({ stream: true }, warmUp);
    expect(await streamed.text()).toMatch(/data: \[DONE\]\n\n$/);

    expect(mock!.attempts.size).toBe(0);
    const state = await (await fetch(`${mock!.origin}/_gw/state`)).json();
    expect(JSON.stringify(state)).not.toMatch(/"200"/); // no status counted

    // The run's own calls meet the whole budget: two served, then a 429.
    const first = await chat({});
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    await first.arrayBuffer();
    expect(await statuses([chat({}), chat({})])).toEqual([200, 429]);
    expect(mock!.attempts.size).toBe(3);
  });

  it("serves them through the run's faults: an outage refuses the run's calls, not the warm-up", async () => {
    await startMock(60);
    const posted = await fetch(`${mock!.origin}/_gw/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "outage" }),
    });
    expect(posted.status).toBe(201);
    await posted.arrayBuffer();
    expect(await statuses([chat({}, warmUp)])).toEqual([200]);
    await expect(chat({})).rejects.toThrow(TypeError); // no HTTP answer at all
  });
});

describe("the vendor a warm-up call meets", () => {
  it("has the same models and fields, with room for any load and answers at once", () => {
    const spec = testVendor("vendor-a", [
      testModel({ limits: { rpm: 3, tpm: 500, concurrent: 1 } }),
      testModel({
        name: "slow",
        latency: { ttftMedianMs: 900, ttftSigma: 0.4, tokensPerSecond: 20, halfSpeedAt: 4 },
      }),
    ]);
    const before = JSON.stringify(spec);
    const warm = warmUpSpec(spec);
    expect(JSON.stringify(spec)).toBe(before); // the run's spec is not touched
    expect(warm.models.map((m) => m.name)).toEqual(["gpt-4o-mini", "slow"]);
    for (const [i, model] of warm.models.entries()) {
      // The same fields in the same order: the same object layouts in the run.
      expect(Object.keys(model.limits)).toEqual(Object.keys(spec.models[i]!.limits));
      expect(Object.keys(model.latency)).toEqual(Object.keys(spec.models[i]!.latency));
      expect(model.limits.rpm).toBeGreaterThanOrEqual(1e9);
      expect(model.limits.tpm).toBeGreaterThanOrEqual(1e9);
      expect(model.latency.ttftMedianMs).toBe(0);
    }
    expect(warm.models[0]!.limits.concurrent).toBeGreaterThanOrEqual(1e9);
    expect(warm.models[1]!.latency.halfSpeedAt).toBeGreaterThanOrEqual(1e9);
    expect(warm.models[1]!.price).toEqual(spec.models[1]!.price);
  });
});

interface Seen {
  warmUp: boolean;
  model: string;
  stream: boolean;
}

/** A bare loopback server that notes every chat call and answers a minimal completion. */
async function startRecorder(): Promise<{ origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  bare = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      if (req.url?.startsWith("/_gw/")) {
        res.end("{}");
        return;
      }
      const body = JSON.parse(raw) as { model: string; stream?: boolean };
      seen.push({
        warmUp: req.headers[WARM_UP_HEADER] === "1",
        model: body.model,
        stream: body.stream === true,
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ message: { content: "hi" } }], usage: {} }));
    });
  });
  await new Promise<void>((resolve) => bare!.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, seen };
}

describe("the harness's warm-up (HttpUpstream.warmUp)", () => {
  it("sends the number of calls asked, of every kind in turn, marked as warm-up", async () => {
    const { origin, seen } = await startRecorder();
    const clock = new RealScheduler(1);
    const upstream = new HttpUpstream(new Map([["vendor-a", { origin, format: "openai" }]]), clock);
    try {
      await upstream.warmUp(
        [
          { vendor: "vendor-a", model: "m1", stream: false },
          { vendor: "vendor-a", model: "m2", stream: true },
        ],
        9,
      );
      expect(seen).toHaveLength(9);
      expect(seen.every((s) => s.warmUp)).toBe(true);
      expect(seen.filter((s) => s.model === "m1" && !s.stream)).toHaveLength(5);
      expect(seen.filter((s) => s.model === "m2" && s.stream)).toHaveLength(4);
      // The run's own calls are not marked.
      const result = await new Promise<AttemptResult>((resolve) =>
        upstream.send(
          {
            requestId: 1,
            clientTry: 0,
            vendor: "vendor-a",
            model: "m1",
            promptTokens: 10,
            maxTokens: 5,
            completionHint: 5,
            stream: false,
          },
          resolve,
        ),
      );
      expect(result.status).toBe(200);
      expect(seen.at(-1)).toEqual({ warmUp: false, model: "m1", stream: false });
    } finally {
      await upstream.close();
      clock.dispose();
    }
  });
});

describe("the harness's warm-up, interrupted", () => {
  it("sends no more calls once its signal aborts (Ctrl-C during start-up)", async () => {
    const { origin, seen } = await startRecorder();
    const clock = new RealScheduler(1);
    const upstream = new HttpUpstream(new Map([["vendor-a", { origin, format: "openai" }]]), clock);
    const calls = [{ vendor: "vendor-a", model: "m1", stream: false }];
    try {
      const before = new AbortController();
      before.abort();
      await upstream.warmUp(calls, 500, before.signal);
      expect(seen).toHaveLength(0);

      const during = new AbortController();
      bare!.on("request", () => {
        if (seen.length >= 10) during.abort();
      });
      await upstream.warmUp(calls, 2000, during.signal);
      // What was in flight when it aborted still ends; nothing is sent after.
      expect(seen.length).toBeGreaterThanOrEqual(10);
      expect(seen.length).toBeLessThan(200);
    } finally {
      await upstream.close();
      clock.dispose();
    }
  });
});

describe("what a live run warms up with (warmUpPlan)", () => {
  const plan = (sets: string[], speed: number) =>
    warmUpPlan(
      loadScenario("src/run/fixtures/live-bench.yaml", {
        cwd: process.cwd(),
        overrides: sets.map(parseOverride),
      }),
      1,
      speed,
    );

  it("as many calls as the first wall second plans, at most 2,000", () => {
    expect(plan(["traffic.0.rate=300"], 1).count).toBe(300);
    // At --speed 5, the first wall second is five scenario seconds (the run is 3 s long).
    expect(plan(["traffic.0.rate=100"], 5).count).toBe(300);
    expect(plan(["traffic.0.rate=100", "duration=60s"], 5).count).toBe(500);
    expect(plan(["traffic.0.rate=9000"], 1).count).toBe(2000);
  });

  it("every route of the run's classes, streamed and not as its traffic is", () => {
    const kinds = (stream: string) =>
      plan([`traffic.0.stream=${stream}`], 1).calls.map(
        (c) => `${c.vendor}/${c.model}:${c.stream}`,
      );
    expect(kinds("0")).toEqual(["vendor-a/chat-model:false"]);
    expect(kinds("1")).toEqual(["vendor-a/chat-model:true"]);
    expect(kinds("0.3")).toEqual(["vendor-a/chat-model:false", "vendor-a/chat-model:true"]);
  });
});
