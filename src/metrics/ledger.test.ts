import { describe, expect, it } from "vitest";
import { MsHistogram } from "./histogram.js";
import { Ledger } from "./ledger.js";

describe("Ledger", () => {
  it("balances when every generated request ends exactly once", () => {
    const ledger = new Ledger();
    for (let id = 0; id < 5; id++) ledger.generate(id);
    ledger.settle(0, { type: "ok" });
    ledger.settle(1, { type: "failed", reason: "throttled" });
    ledger.settle(2, { type: "shed", reason: "queue-full" });
    ledger.settle(3, { type: "deadline" });
    expect(ledger.totals().balanced).toBe(false); // request 4 never ended
    ledger.settle(4, { type: "failed", reason: "throttled" });
    expect(ledger.totals()).toEqual({
      generated: 5,
      ok: 1,
      failed: { throttled: 2 },
      shed: { "queue-full": 1 },
      deadline: 1,
      balanced: true,
    });
  });

  it("does not balance when a request is settled twice", () => {
    const ledger = new Ledger();
    ledger.generate(0);
    ledger.generate(1);
    ledger.settle(0, { type: "ok" });
    ledger.settle(0, { type: "failed", reason: "timeout" });
    ledger.settle(1, { type: "ok" });
    expect(ledger.totals().balanced).toBe(false);
  });

  it("grows for ids beyond its first size", () => {
    const ledger = new Ledger();
    ledger.generate(100_000);
    ledger.settle(100_000, { type: "ok" });
    expect(ledger.totals()).toMatchObject({ generated: 1, ok: 1, balanced: true });
  });
});

describe("MsHistogram", () => {
  it("summarises percentiles within HDR precision", () => {
    const h = new MsHistogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.min).toBe(1);
    expect(s.max).toBe(1000);
    expect(s.p50).toBe(500);
    expect(s.p99).toBe(990);
    expect(s.mean).toBeCloseTo(500.5, 0);
  });

  it("counts values above its bound instead of dropping them", () => {
    const h = new MsHistogram(10_000);
    h.record(5);
    h.record(50_000);
    expect(h.count).toBe(2);
    expect(h.outOfRange).toBe(1);
    expect(h.summary().max).toBeGreaterThanOrEqual(9990);
  });
});
