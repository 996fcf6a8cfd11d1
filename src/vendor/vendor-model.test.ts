import { describe, expect, it } from "vitest";
import { createRng } from "../random/rng.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import type { FaultSpec } from "./faults/fault.js";
import { VendorModel } from "./vendor-model.js";

const ask = (overrides: Partial<Parameters<VendorModel["admit"]>[0]> = {}) => ({
  model: "gpt-4o-mini",
  promptTokens: 100,
  maxTokens: 50,
  completionHint: 40,
  ...overrides,
});

describe("VendorModel", () => {
  it("serves within its limits and reports the remaining budget", () => {
    const vendor = new VendorModel(testVendor(), [], createRng(1));
    const a = vendor.admit(ask(), 0);
    expect(a.kind).toBe("serve");
    if (a.kind !== "serve") return;
    expect(a.completionTokens).toBe(40);
    expect(a.ttftMs).toBeCloseTo(500); // sigma 0: the median exactly
    expect(a.budget.requests).toMatchObject({ limit: 60, remaining: 59 });
    // Tokens are charged up front: prompt + max tokens.
    expect(a.budget.tokens).toMatchObject({ limit: 100_000, remaining: 100_000 - 150 });
  });

  it("throttles once the requests per minute are spent, with the wait until one refills", () => {
    const vendor = new VendorModel(testVendor(), [], createRng(1));
    for (let i = 0; i < 60; i++) expect(vendor.admit(ask(), 0).kind).toBe("serve");
    const a = vendor.admit(ask(), 0);
    expect(a).toMatchObject({ kind: "throttle", limitType: "requests", limit: 60 });
    if (a.kind === "throttle") expect(a.retryAfterMs).toBeCloseTo(1000); // 60 s / 60
    expect(vendor.admit(ask(), 1000).kind).toBe("serve");
  });

  it("throttles on tokens when a large prompt does not fit the tokens per minute", () => {
    const vendor = new VendorModel(testVendor(), [], createRng(1));
    expect(vendor.admit(ask({ promptTokens: 90_000 }), 0).kind).toBe("serve");
    expect(vendor.admit(ask({ promptTokens: 20_000 }), 0)).toMatchObject({
      kind: "throttle",
      limitType: "tokens",
    });
  });

  it("enforces a per-minute limit in slices when the profile says so", () => {
    const model = testModel({ limits: { rpm: 600, tpm: 1_000_000, enforcedPerMs: 1000 } });
    const vendor = new VendorModel(testVendor("vendor-a", [model]), [], createRng(1));
    // 600 per minute in 1 s slices: 10 at once, the 11th is refused...
    for (let i = 0; i < 10; i++) expect(vendor.admit(ask(), 0).kind).toBe("serve");
    const refused = vendor.admit(ask(), 0);
    expect(refused.kind).toBe("throttle");
    // ...while the headers still state the per-minute limit.
    if (refused.kind === "throttle") expect(refused.budget.requests.limit).toBe(600);
  });

  it("answers with a fault while it is on the timeline, and not outside it", () => {
    const vendor = new VendorModel(
      testVendor(),
      [
        {
          id: "f1",
          kind: "server-error",
          vendor: "vendor-a",
          fromMs: 1000,
          untilMs: 2000,
          probability: 1,
        },
      ],
      createRng(1),
    );
    expect(vendor.admit(ask(), 500).kind).toBe("serve");
    expect(vendor.admit(ask(), 1500).kind).toBe("server-error");
    expect(vendor.admit(ask(), 2000).kind).toBe("serve");
  });

  it("refuses a model it does not have", () => {
    const vendor = new VendorModel(testVendor(), [], createRng(1));
    expect(vendor.admit(ask({ model: "gpt-9" }), 0).kind).toBe("unknown-model");
  });
});

describe("VendorModel faults", () => {
  const at = (kind: FaultSpec["kind"], extra: Partial<FaultSpec> = {}): FaultSpec => ({
    id: kind,
    kind,
    vendor: "vendor-a",
    fromMs: 0,
    untilMs: 10_000,
    probability: 1,
    ...extra,
  });
  const admitWith = (f: FaultSpec) =>
    new VendorModel(testVendor(), [f], createRng(1)).admit(ask(), 0);

  it("refuses with the fault's answer and still counts the request", () => {
    const vendor = new VendorModel(testVendor(), [at("quota")], createRng(1));
    expect(vendor.admit(ask(), 0).kind).toBe("quota");
    expect(vendor.state(0)["gpt-4o-mini"]?.requests.remaining).toBe(59);
    expect(admitWith(at("overload")).kind).toBe("overload");
    expect(admitWith(at("throttle"))).toMatchObject({ kind: "throttle", retryAfterMs: 1000 });
    expect(admitWith(at("outage")).kind).toBe("outage");
  });

  it("bends the answer: later, slower, stalled or cut", () => {
    expect(admitWith(at("latency", { ms: 2000 }))).toMatchObject({ kind: "serve", ttftMs: 2500 });
    expect(admitWith(at("slow-stream", { tokensPerSecond: 2 }))).toMatchObject({
      tokensPerSecond: 2,
    });
    expect(admitWith(at("stall"))).toMatchObject({ kind: "serve", stall: true });
    expect(admitWith(at("reset", { afterTokens: 3 }))).toMatchObject({
      cut: { afterTokens: 3, how: "reset" },
    });
  });

  it("ignores faults of other vendors", () => {
    expect(admitWith(at("outage", { vendor: "vendor-b" })).kind).toBe("serve");
  });
});

describe("VendorModel limits beyond RPM and TPM", () => {
  it("refuses past its concurrency until an answer finishes", () => {
    const model = testModel({ limits: { concurrent: 2 } });
    const vendor = new VendorModel(testVendor("vendor-a", [model]), [], createRng(1));
    expect(vendor.admit(ask(), 0).kind).toBe("serve");
    expect(vendor.admit(ask(), 0).kind).toBe("serve");
    expect(vendor.admit(ask(), 0).kind).toBe("throttle");
    vendor.finish("gpt-4o-mini", 40, 10);
    expect(vendor.admit(ask(), 10).kind).toBe("serve");
  });

  it("answers a spent daily quota with a quota refusal until the day turns", () => {
    const model = testModel({ limits: { rpd: 2 } });
    const vendor = new VendorModel(testVendor("vendor-a", [model]), [], createRng(1));
    vendor.admit(ask(), 0);
    vendor.admit(ask(), 0);
    expect(vendor.admit(ask(), 1000).kind).toBe("quota");
    expect(vendor.admit(ask(), 86_400_000).kind).toBe("serve");
  });

  it("charges input up front and output as generated, Anthropic's way", () => {
    const model = testModel({
      limits: { inputTpm: 1000, outputTpm: 100, charge: "input-up-front" },
    });
    const vendor = new VendorModel(testVendor("vendor-a", [model]), [], createRng(1));
    const first = vendor.admit(ask({ promptTokens: 600, maxTokens: 500 }), 0);
    expect(first.kind).toBe("serve");
    if (first.kind !== "serve") return;
    // max tokens is not charged up front: only the prompt.
    expect(first.budget.inputTokens).toMatchObject({ limit: 1000, remaining: 400 });
    expect(first.budget.outputTokens).toMatchObject({ limit: 100, remaining: 100 });
    expect(vendor.admit(ask({ promptTokens: 600 }), 0)).toMatchObject({
      kind: "throttle",
      limitType: "input-tokens",
    });
    vendor.finish("gpt-4o-mini", 150, 0); // output past the limit: a debt
    expect(vendor.admit(ask({ promptTokens: 10 }), 0)).toMatchObject({
      kind: "throttle",
      limitType: "output-tokens",
    });
  });

  it("answers later and streams slower as requests pile up in flight", () => {
    const model = testModel({
      latency: { ttftMedianMs: 500, ttftSigma: 0, tokensPerSecond: 100, halfSpeedAt: 4 },
    });
    const vendor = new VendorModel(testVendor("vendor-a", [model]), [], createRng(1));
    const draws = [0, 1, 2, 3, 4].map(() => vendor.admit(ask(), 0));
    expect(draws.map((d) => (d.kind === "serve" ? d.ttftMs : 0))).toEqual([
      500, 625, 750, 875, 1000,
    ]);
    expect(draws[4]).toMatchObject({ tokensPerSecond: 50 });
  });
});
