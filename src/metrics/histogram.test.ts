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

const latencies = fc.array(
  fc.oneof(
    fc.double({ min: -5, max: 10_000, noNaN: true }),
    fc.integer({ min: 8000, max: 9000 }),
    fc.double({ min: 0, max: 5_000_000, noNaN: true }),
  ),
  { maxLength: 300 },
);

describe("MsHistogram", () => {
  it("reads exactly what an HDR histogram of the same values reads: counts, summary, encoding", () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const h = new MsHistogram();
        for (const v of values) h.record(v);
        const plain = plainHdr(values);
        expect(h.count).toBe(plain.totalCount);
        if (values.length > 0) {
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
        }
        expect(h.encode()).toBe(hdr.encodeIntoCompressedBase64(plain));
      }),
      { numRuns: 200 },
    );
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
    expect(h.summary()).toMatchObject({ count: 1, min: 9, max: 9 });
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
