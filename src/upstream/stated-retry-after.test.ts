import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { type MockServer, startMockServer } from "../mock/mock-server.js";
import { createRng } from "../random/rng.js";
import { parseRateLimitHeaders, retryDelayFromBody } from "../router/rate-limit-headers.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import type { FaultSpec, WireFormatName } from "../vendor/types.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { SimUpstream } from "./sim-upstream.js";
import type { AttemptResult } from "./upstream.js";

/**
 * A throttle fault that states its Retry-After (retryAfter: 0s, 120s) is written
 * exactly in every format that carries one, so a drill can test the edges a real
 * vendor does send: 0 ("retry at once") and a wait no user can sit out.
 */
const throttle = (retryAfterMs?: number): FaultSpec => ({
  id: "t",
  kind: "throttle",
  vendor: "v",
  fromMs: 0,
  untilMs: Number.POSITIVE_INFINITY,
  probability: 1,
  count: 1,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

/** One attempt on the virtual clock against a vendor in `format` with one fault. */
function throttled(format: WireFormatName, fault: FaultSpec): AttemptResult {
  const clock = new VirtualScheduler();
  const spec = { name: "v", profile: format, format, models: [testModel()] };
  const sim = new SimUpstream(
    new Map([["v", new VendorModel(spec, [fault], createRng(1))]]),
    clock,
  );
  let result: AttemptResult | undefined;
  sim.send(
    {
      requestId: 0,
      clientTry: 0,
      vendor: "v",
      model: "gpt-4o-mini",
      promptTokens: 20,
      maxTokens: 8,
      completionHint: 8,
      stream: false,
    },
    (r) => {
      result = r;
    },
  );
  clock.run();
  return result!;
}

/** What the router reads as the asked wait: headers first, else Gemini's RetryInfo. */
const askedMs = (r: AttemptResult) =>
  parseRateLimitHeaders(r.headers, 0).retryAfterMs ?? retryDelayFromBody(r.body);

describe("a stated Retry-After in every wire format (sim)", () => {
  it.each([
    [0, "0", "0"],
    [120_000, "120", "120000"],
  ])("%d ms: OpenAI and Azure write retry-after %s and retry-after-ms %s", (ms, s, msText) => {
    for (const format of ["openai", "azure"] as const) {
      const r = throttled(format, throttle(ms));
      expect(r.status).toBe(429);
      expect(r.headers["retry-after"]).toBe(s);
      expect(r.headers["retry-after-ms"]).toBe(msText);
      expect(askedMs(r)).toBe(ms);
    }
  });

  it.each([
    [0, "0"],
    [120_000, "120"],
  ])("%d ms: Anthropic writes retry-after %s", (ms, s) => {
    const r = throttled("anthropic", throttle(ms));
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe(s);
    expect(r.headers["retry-after-ms"]).toBeUndefined();
    expect(askedMs(r)).toBe(ms);
  });

  it.each([
    [0, "0s"],
    [120_000, "120s"],
  ])("%d ms: Gemini's RetryInfo says retryDelay %s", (ms, delay) => {
    const r = throttled("gemini", throttle(ms));
    expect(r.status).toBe(429);
    const details = JSON.parse(r.body!).error.details as { "@type": string; retryDelay?: string }[];
    const info = details.find((d) => d["@type"].endsWith("RetryInfo"));
    expect(info?.retryDelay).toBe(delay);
    expect(askedMs(r)).toBe(ms);
  });

  it("Bedrock sends no Retry-After, stated or not", () => {
    for (const ms of [0, 120_000]) {
      const r = throttled("bedrock", throttle(ms));
      expect(r.status).toBe(429);
      expect(r.headers["retry-after"]).toBeUndefined();
      expect(askedMs(r)).toBeUndefined();
    }
  });

  it("without a stated wait the forced 429 asks a second, never 0, as before", () => {
    for (const format of ["openai", "azure", "anthropic"] as const) {
      expect(throttled(format, throttle()).headers["retry-after"]).toBe("1");
    }
    expect(throttled("openai", throttle()).headers["retry-after-ms"]).toBe("1000");
    expect(askedMs(throttled("gemini", throttle()))).toBe(1000);
  });
});

describe("a stated Retry-After over real HTTP, posted to a running mock", () => {
  let server: MockServer | undefined;
  let scheduler: RealScheduler | undefined;
  afterEach(async () => {
    await server?.close();
    scheduler?.dispose();
    server = undefined;
  });

  it("POST /_gw/faults with retryAfter 0s, then 120s: the 429s carry exactly those", async () => {
    scheduler = new RealScheduler(100);
    const model = new VendorModel(testVendor(), [], createRng(1));
    server = await startMockServer({ model, scheduler });
    const headers = [];
    for (const retryAfter of ["0s", "120s"]) {
      const posted = await fetch(`${server.origin}/_gw/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ kind: "throttle", count: 1, retryAfter }),
      });
      expect(posted.status).toBe(201);
      const res = await fetch(`${server.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(429);
      headers.push([res.headers.get("retry-after"), res.headers.get("retry-after-ms")]);
    }
    expect(headers).toEqual([
      ["0", "0"],
      ["120", "120000"],
    ]);
  });
});
