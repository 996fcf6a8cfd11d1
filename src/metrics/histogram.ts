import * as hdr from "hdr-histogram-js";

/** count, min, mean and percentiles in milliseconds: the report's Summary. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export const EMPTY_SUMMARY: Summary = {
  count: 0,
  min: 0,
  mean: 0,
  p50: 0,
  p90: 0,
  p95: 0,
  p99: 0,
  max: 0,
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

  percentile(p: number): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(p);
  }

  reset(): void {
    this.histogram.reset();
    this.outOfRange = 0;
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
