import * as hdr from "hdr-histogram-js";

/**
 * count, min, mean and percentiles in milliseconds: the report's Summary. With no
 * samples every figure but the count is null: nothing measured is not zero.
 */
export interface Summary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export const EMPTY_SUMMARY: Summary = {
  count: 0,
  min: null,
  mean: null,
  p50: null,
  p90: null,
  p95: null,
  p99: null,
  max: null,
};

/** One hour: the longest latency a run records exactly. */
const DEFAULT_HIGHEST_MS = 3_600_000;

/**
 * An HDR histogram of milliseconds with explicit bounds (3 significant digits).
 * Values above the bound are recorded at the bound and counted as out of range,
 * never dropped; memory stays flat however long the run.
 */
export class MsHistogram {
  private readonly histogram: hdr.Histogram;
  outOfRange = 0;

  constructor(readonly highestMs = DEFAULT_HIGHEST_MS) {
    this.histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: highestMs,
      numberOfSignificantValueDigits: 3,
      bitBucketSize: 32,
      useWebAssembly: false,
    });
  }

  record(ms: number): void {
    let value = Math.round(ms);
    if (value < 0) value = 0;
    if (value > this.highestMs) {
      this.outOfRange++;
      value = this.highestMs;
    }
    this.histogram.recordValue(value);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The value at a percentile; null with no samples. */
  percentile(p: number): number | null {
    return this.histogram.totalCount === 0 ? null : this.histogram.getValueAtPercentile(p);
  }

  reset(): void {
    this.histogram.reset();
    this.outOfRange = 0;
  }

  /**
   * The counts, serialised (hdr-histogram-js compressed base64), so histograms of
   * several runs merge into the histogram of their union (`gw-chaos merge`).
   */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  /** Adds the counts of a histogram serialised by encode(). */
  addEncoded(encoded: string): void {
    const other = hdr.decodeFromCompressedBase64(encoded, 32, false);
    this.histogram.add(other);
    other.destroy();
  }

  summary(): Summary {
    const h = this.histogram;
    if (h.totalCount === 0) return { ...EMPTY_SUMMARY };
    return {
      count: h.totalCount,
      min: h.getValueAtPercentile(0),
      mean: Math.round(h.mean * 10) / 10,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p95: h.getValueAtPercentile(95),
      p99: h.getValueAtPercentile(99),
      max: h.maxValue,
    };
  }
}
