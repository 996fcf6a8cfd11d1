import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { createRng } from "../random/rng.js";
import { categorise } from "../router/error-category.js";
import { parseRateLimitHeaders, retryDelayFromBody } from "../router/rate-limit-headers.js";
import { type MockFleet, startMockFleet } from "../run/mock-fleet.js";
import { loadProfile, toVendorSpec } from "../scenario/loader.js";
import { PROFILES_DIR } from "../scenario/registry.js";
import type { FaultSpec, VendorSpec, WireFormatName } from "../vendor/types.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { HttpUpstream } from "./http-upstream.js";
import { SimUpstream } from "./sim-upstream.js";
import type { Attempt, AttemptResult, Upstream } from "./upstream.js";

/**
 * HttpUpstream against real loopback mocks of every wire format: the request in
 * the vendor's own path, auth and body; the answer read back as the router needs
 * it. Each attempt is bounded by a wall-clock guard; nothing asserts a duration.
 */
const CASES: { format: WireFormatName; profile: string; model: string }[] = [
  { format: "openai", profile: "openai", model: "gpt-4o-mini" },
  { format: "azure", profile: "azure", model: "gpt-4o-mini" },
  { format: "anthropic", profile: "anthropic", model: "claude-haiku-4-5" },
  { format: "gemini", profile: "gemini", model: "gemini-2.5-flash" },
  { format: "bedrock", profile: "bedrock", model: "anthropic.claude-sonnet-4-5-v1:0" },
];

/** Scenario time runs this much faster than the wall: a ~1 s TTFT takes ~20 ms. */
const SPEED = 50;
/** No single attempt may take longer than this on the wall clock. */
const GUARD_MS = 5000;

const vendors: VendorSpec[] = CASES.map((c) =>
  toVendorSpec(c.profile, loadProfile(join(PROFILES_DIR, `${c.profile}.yaml`), process.cwd())),
);

let scheduler: RealScheduler;
let fleet: MockFleet;
let upstream: HttpUpstream;

beforeAll(async () => {
  scheduler = new RealScheduler(SPEED);
  fleet = await startMockFleet({
    vendors,
    faults: [],
    seed: 1,
    scheduler,
    host: "127.0.0.1",
    scenarioDurationMs: 0,
  });
  upstream = HttpUpstream.forMocks(vendors, fleet.servers, scheduler);
});

afterAll(async () => {
  await upstream?.close();
  await fleet?.close();
  scheduler?.dispose();
});

let nextId = 1;
function attempt(c: (typeof CASES)[number], stream: boolean): Attempt {
  return {
    requestId: nextId++,
    clientTry: 0,
    vendor: c.profile,
    model: c.model,
    promptTokens: 40,
    maxTokens: 30,
    completionHint: 12,
    stream,
  };
}

/** One attempt through an upstream, failing the test if it never answers. */
function send(through: Upstream, a: Attempt): Promise<AttemptResult> {
  return new Promise((resolve, reject) => {
    let abort = () => {};
    const guard = setTimeout(() => {
      abort();
      reject(new Error(`no answer for ${a.vendor} within ${GUARD_MS} ms`));
    }, GUARD_MS);
    abort = through.send(a, (result) => {
      clearTimeout(guard);
      resolve(result);
    });
  });
}

/** Adds a fault to one mock through its control API. */
async function fault(vendor: string, body: Record<string, unknown>): Promise<void> {
  const origin = fleet.servers.find((s) => s.vendor === vendor)!.origin;
  const res = await fetch(`${origin}/_gw/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
}

/** What each vendor's 429 says, and where (headers or body). */
const THROTTLE_SIGNS: Record<WireFormatName, (r: AttemptResult) => void> = {
  openai: (r) => {
    expect(r.headers["x-ratelimit-limit-requests"]).toBeDefined();
    expect(r.headers["x-ratelimit-reset-requests"]).toMatch(/\d+(ms|s)$/); // a Go duration
    expect(r.headers["retry-after-ms"]).toBeDefined();
    expect(r.body).toContain('"code":"rate_limit_exceeded"');
  },
  azure: (r) => {
    expect(r.headers["x-ratelimit-reset-requests"]).toMatch(/^\d+$/); // plain seconds
    expect(r.headers["retry-after"]).toMatch(/^\d+$/);
    expect(JSON.parse(r.body!)).toMatchObject({ error: { code: "429" } });
  },
  anthropic: (r) => {
    expect(r.headers["anthropic-ratelimit-requests-limit"]).toBeDefined();
    expect(r.headers["anthropic-ratelimit-input-tokens-reset"]).toMatch(/Z$/);
    expect(r.headers["retry-after"]).toMatch(/^\d+$/);
    expect(r.headers["request-id"]).toMatch(/^req_/);
    expect(JSON.parse(r.body!)).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error" },
    });
  },
  gemini: (r) => {
    // No rate-limit headers at all: the wait is in the body's RetryInfo.
    expect(Object.keys(r.headers).filter((h) => /ratelimit|retry-after/.test(h))).toEqual([]);
    expect(JSON.parse(r.body!)).toMatchObject({ error: { status: "RESOURCE_EXHAUSTED" } });
    expect(retryDelayFromBody(r.body)).toBeGreaterThan(0);
  },
  bedrock: (r) => {
    expect(r.headers["x-amzn-errortype"]).toBe("ThrottlingException");
    expect(r.headers["retry-after"]).toBeUndefined();
    expect(JSON.parse(r.body!)).toHaveProperty("message");
  },
};

describe.each(CASES)("HttpUpstream to a $format mock", (c) => {
  it("a plain attempt comes back 200 with the vendor's usage", async () => {
    const result = await send(upstream, attempt(c, false));
    expect(result).toMatchObject({ status: 200, usage: { prompt: 40, completion: 12 } });
    expect(result.transport).toBeUndefined();
    expect(result.body).toBeUndefined();
    expect(result.firstTokenMs).toBeUndefined();
    expect(result.epochMs).toBeTypeOf("number");
  });

  it("a streamed attempt comes back 200 with usage and a first-token time", async () => {
    const sentAt = scheduler.now();
    const result = await send(upstream, attempt(c, true));
    expect(result).toMatchObject({ status: 200, usage: { prompt: 40, completion: 12 } });
    expect(result.transport).toBeUndefined();
    expect(result.firstTokenMs).toBeGreaterThanOrEqual(sentAt);
    expect(result.firstTokenMs).toBeLessThanOrEqual(scheduler.now());
  });

  it("a throttled attempt comes back 429 with the vendor's headers and body", async () => {
    await fault(c.profile, { kind: "throttle", count: 1 });
    const result = await send(upstream, attempt(c, false));
    expect(result.status).toBe(429);
    expect(categorise(result.status, result.transport, result.headers)).toBe("throttled");
    THROTTLE_SIGNS[c.format](result);
    // The next one is served again: the fault was for one request only.
    expect((await send(upstream, attempt(c, false))).status).toBe(200);
  });

  it("a stream that ends in the vendor's error event is a stream-error after its 200", async () => {
    await fault(c.profile, { kind: "stream-error", count: 1, afterTokens: 3 });
    const result = await send(upstream, attempt(c, true));
    expect(result).toMatchObject({ status: 200, transport: "stream-error" });
    expect(result.usage.completion).toBe(3);
    expect(result.firstTokenMs).toBeTypeOf("number");
  });

  it("a stream whose connection drops is a stream-error after its 200", async () => {
    await fault(c.profile, { kind: "reset", count: 1, afterTokens: 2 });
    const result = await send(upstream, attempt(c, true));
    expect(result).toMatchObject({ status: 200, transport: "stream-error" });
    expect(result.usage.completion).toBe(2);
  });

  it("a server error's body and headers come back too", async () => {
    await fault(c.profile, { kind: "overload", count: 1 });
    const result = await send(upstream, attempt(c, false));
    expect(categorise(result.status, result.transport, result.headers)).toBe("overloaded");
    expect(result.body!.length).toBeGreaterThan(0);
  });
});

describe("sim mode sends what the wire format would", () => {
  const throttle = (vendor: string): FaultSpec => ({
    id: "t",
    kind: "throttle",
    vendor,
    fromMs: 0,
    untilMs: Number.POSITIVE_INFINITY,
    probability: 1,
    count: 1,
  });

  it.each(CASES)(
    "$format: a sim 429 has live's header names, category and learned wait",
    async (c) => {
      await fault(c.profile, { kind: "throttle", count: 1 });
      const live = await send(upstream, attempt(c, false));
      const spec = vendors.find((v) => v.name === c.profile)!;
      const clock = new VirtualScheduler();
      const sim = new SimUpstream(
        new Map([[spec.name, new VendorModel(spec, [throttle(spec.name)], createRng(1))]]),
        clock,
      );
      const answer = send(sim, attempt(c, false));
      clock.run();
      const result = await answer;
      expect(result.status).toBe(live.status);
      // Every name sim sends, live sends too (live adds HTTP's own: date, connection, ...).
      expect(Object.keys(live.headers)).toEqual(
        expect.arrayContaining(Object.keys(result.headers)),
      );
      expect(Object.keys(result.headers).every((h) => h === h.toLowerCase())).toBe(true);
      expect(categorise(result.status, result.transport, result.headers)).toBe(
        categorise(live.status, live.transport, live.headers),
      );
      const learned = (r: AttemptResult) => {
        const o = parseRateLimitHeaders(r.headers, r.epochMs);
        o.retryAfterMs ??= retryDelayFromBody(r.body);
        return Object.keys(o).sort();
      };
      expect(learned(result)).toEqual(learned(live));
    },
  );
});
