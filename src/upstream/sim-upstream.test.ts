import { describe, expect, it } from "vitest";
import { VirtualScheduler } from "../clock/virtual-scheduler.js";
import { createRng } from "../random/rng.js";
import { categorise } from "../router/error-category.js";
import { parseRateLimitHeaders, retryDelayFromBody } from "../router/rate-limit-headers.js";
import { testModel } from "../test-support/test-specs.js";
import type { FaultKind, FaultSpec, WireFormatName } from "../vendor/types.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { FORMAT_NAMES } from "../vendor/wire/formats.js";
import { SimUpstream } from "./sim-upstream.js";
import type { AttemptResult } from "./upstream.js";

const once = (kind: FaultKind, extra: Partial<FaultSpec> = {}): FaultSpec => ({
  id: kind,
  kind,
  vendor: "v",
  fromMs: 0,
  untilMs: Number.POSITIVE_INFINITY,
  probability: 1,
  count: 1,
  ...extra,
});

/** Sends `n` attempts one after another on the virtual clock; returns what came back. */
function run(
  format: WireFormatName,
  faults: FaultSpec[],
  n: number,
  stream = false,
  tokens = 8,
): AttemptResult[] {
  const clock = new VirtualScheduler();
  const spec = { name: "v", profile: format, format, models: [testModel()] };
  const sim = new SimUpstream(new Map([["v", new VendorModel(spec, faults, createRng(1))]]), clock);
  const results: AttemptResult[] = [];
  const next = (i: number) => {
    if (i === n) return;
    sim.send(
      {
        requestId: i,
        clientTry: 0,
        vendor: "v",
        model: "gpt-4o-mini",
        promptTokens: 20,
        maxTokens: tokens,
        completionHint: tokens,
        stream,
      },
      (result) => {
        results.push(result);
        next(i + 1);
      },
    );
  };
  next(0);
  clock.run();
  return results;
}

describe("SimUpstream in every wire format", () => {
  it.each(FORMAT_NAMES)("%s: header names come lower-cased, as over HTTP", (format) => {
    for (const r of run(format, [once("throttle"), once("quota", { id: "q" })], 3)) {
      expect(Object.keys(r.headers).every((h) => h === h.toLowerCase())).toBe(true);
    }
  });

  it.each(FORMAT_NAMES)("%s: failed attempts carry the vendor's error body", (format) => {
    const [throttled, served] = run(format, [once("throttle")], 2);
    expect(throttled!.status).toBe(429);
    expect(JSON.parse(throttled!.body!)).toBeTypeOf("object");
    expect(served!.status).toBe(200);
    expect(served!.body).toBeUndefined();
  });

  it("Bedrock's spent quota (400 ServiceQuotaExceededException) is a quota, not a bad request", () => {
    const [r] = run("bedrock", [once("quota")], 1);
    expect(r!.status).toBe(400);
    expect(categorise(r!.status, r!.transport, r!.headers)).toBe("quota");
  });

  it("Gemini's 429 says how long to wait in its body only", () => {
    const [r] = run("gemini", [once("throttle")], 1);
    expect(parseRateLimitHeaders(r!.headers, r!.epochMs)).toEqual({});
    expect(retryDelayFromBody(r!.body)).toBeGreaterThan(0);
  });

  it("Anthropic's resets are stamped when a whole answer is written, as the mock does", () => {
    // Answers of 3 s and more: resets stamped at admission would read as past by then.
    for (const r of run("anthropic", [], 5, false, 300)) {
      const seen = parseRateLimitHeaders(r.headers, r.epochMs);
      expect(seen.requests!.resetMs).toBeGreaterThan(0);
    }
  });

  it.each(FORMAT_NAMES)("%s: an unstreamed cut is the vendor's 500, with its body", (format) => {
    const [r] = run(format, [once("stream-error", { afterTokens: 2 })], 1);
    expect(r!.status).toBe(500);
    expect(r!.body).toBeDefined();
  });

  it.each(FORMAT_NAMES)("%s: the same seed gives the same results", (format) => {
    const faults = [once("throttle"), once("overload", { id: "o", fromMs: 500 })];
    expect(run(format, faults, 6, true)).toEqual(run(format, faults, 6, true));
  });
});
