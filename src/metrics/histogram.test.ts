import fc from "fast-check";
import * as hdr from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { MsHistogram } from "./histogram.js";

/** The same values straight into an HDR histogram, as MsHistogram did before it counted small ones. */
function plainHdr(values: readonly number[]): hdr.Histogram {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
  for (const v of values) h.recordValue(Math.min(3_600_000, Math.max(0, Math.round(v))));
  return h;
}

/** Milliseconds around the counted range's edges, beyond the bound, negative and fractional. */
const latency = fc.oneof(
  fc.double({ min: -5, max: 10_000, noNaN: true }),
  fc.integer({ min: 8000, max: 9000 }),
  fc.integer({ min: 0, max: 40 }),
  fc.double({ min: 0, max: 5_000_000, noNaN: true }),
);

describe("MsHistogram", () => {
  it("reads exactly what an HDR histogram of the same values reads, whatever the order of records, reads and resets", () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: latency.map((v) => ({ kind: "record" as const, v })) },
      {
        weight: 2,
        // A name, or a percentile to read.
        arbitrary: fc
          .oneof(fc.constantFrom("count", "summary", "encode"), fc.constantFrom(0, 50, 99, 100))
          .map((read) => ({ kind: "read" as const, read })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: "reset" as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const h = new MsHistogram();
        let values: number[] = [];
        let plain = plainHdr(values);
        for (const o of ops) {
          if (o.kind === "record") {
            h.record(o.v);
            values.push(o.v);
            continue;
          }
          if (o.kind === "reset") {
            h.reset();
            values = [];
            continue;
          }
          plain = plainHdr(values);
          const empty = plain.totalCount === 0;
          if (typeof o.read === "number") {
            const p = o.read;
            expect(h.percentile(p)).toBe(empty ? null : plain.getValueAtPercentile(p));
            continue;
          }
          switch (o.read) {
            case "count":
              expect(h.count).toBe(plain.totalCount);
              break;
            case "summary":
              if (!empty)
                expect(h.summary()).toEqual({
                  count: plain.totalCount,
                  min: plain.getValueAtPercentile(0),
                  mean: Math.round(plain.mean * 10) / 10,
                  p50: plain.getValueAtPercentile(50),
                  p90: plain.getValueAtPercentile(90),
                  p95: plain.getValueAtPercentile(95),
                  p99: plain.getValueAtPercentile(99),
                  max: plain.maxValue,
                });
              break;
            case "encode":
              expect(h.encode()).toBe(hdr.encodeIntoCompressedBase64(plain));
              break;
          }
        }
        expect(h.encode()).toBe(hdr.encodeIntoCompressedBase64(plainHdr(values)));
      }),
      { numRuns: 200 },
    );
  });

  it("reads any percentile of values below its counted bound as the HDR histogram does (bucket ends above 2048 included)", () => {
    const small = fc.oneof(
      fc.integer({ min: 0, max: 8191 }),
      fc.integer({ min: 2040, max: 2060 }),
      fc.integer({ min: 4090, max: 4100 }),
      fc.double({ min: 0, max: 8191, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.array(small, { minLength: 1, maxLength: 300 }),
        fc.array(fc.double({ min: -1, max: 101 }), { minLength: 1, maxLength: 8 }),
        (values, percentiles) => {
          const h = new MsHistogram();
          for (const v of values) h.record(v);
          const plain = plainHdr(values);
          for (const p of percentiles) expect(h.percentile(p)).toBe(plain.getValueAtPercentile(p));
          expect(h.count).toBe(values.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a value rounded to -0 as 0, as the HDR histogram does", () => {
    const h = new MsHistogram();
    h.record(-0.4);
    h.record(-0.2);
    expect(Object.is(h.percentile(50), 0)).toBe(true);
    expect(Object.is(h.percentile(0), 0)).toBe(true);
    expect(h.summary()).toMatchObject({ count: 2, min: 0, max: 0 });
  });

  it("keeps counting after a read, and a reset forgets what was not yet read", () => {
    const h = new MsHistogram();
    h.record(5);
    h.record(5);
    expect(h.percentile(50)).toBe(5);
    h.record(7);
    h.record(20_000);
    expect(h.count).toBe(4);
    expect(h.percentile(100)).toBeGreaterThanOrEqual(20_000);
    h.record(3);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.percentile(50)).toBeNull();
    h.record(9);
    h.record(1);
    // The 3 counted before the reset and never read is gone, not waiting below.
    expect(h.summary()).toMatchObject({ count: 2, min: 1, max: 9 });
  });

  it("adds another histogram's encoding to what it counted", () => {
    const a = new MsHistogram();
    const b = new MsHistogram();
    for (const v of [1, 2, 3, 9000]) a.record(v);
    for (const v of [4, 5, 12_000]) b.record(v);
    a.addEncoded(b.encode());
    expect(a.summary()).toMatchObject({ count: 7, min: 1 });
    expect(a.percentile(100)).toBeGreaterThanOrEqual(12_000);
  });
});
