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
 * Values below this are counted in a plain array first and handed to the HDR
 * histogram in one call per distinct value when it is read: a sim run records
 * several values per request, and hdr-histogram-js's JS recordValue (bucket
 * arithmetic, min and max) cost more than the rest of the recorder. Counting
 * per raw value and adding with recordValueWithCount gives the HDR histogram
 * exactly the counts, min and max it would have had; nothing is approximated.
 */
const COUNTED_BELOW = 8192;

/** The bucket ends of a value, which the JS build (JsHistogram) has beyond the Histogram type. */
interface EquivalentValues {
  lowestEquivalentValue(value: number): number;
  highestEquivalentValue(value: number): number;
}

/** The distance to the next double up from x, as hdr-histogram-js computes it. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

/**
 * An HDR histogram of milliseconds with explicit bounds (3 significant digits).
 * Values above the bound are recorded at the bound and counted as out of range,
 * never dropped; memory stays flat however long the run.
 */
export class MsHistogram {
  private readonly histogram: hdr.Histogram & EquivalentValues;
  outOfRange = 0;
  /** Counts per value below COUNTED_BELOW not yet in `histogram`, made on first use. */
  private counted: Float64Array | undefined;
  /** The lowest and highest value counted since the last flush (lo > hi: none). */
  private lo = COUNTED_BELOW;
  private hi = -1;
  /** How many values are counted and not yet in `histogram`. */
  private countedTotal = 0;

  constructor(readonly highestMs = DEFAULT_HIGHEST_MS) {
    this.histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: highestMs,
      numberOfSignificantValueDigits: 3,
      bitBucketSize: 32,
      useWebAssembly: false,
    }) as hdr.Histogram & EquivalentValues;
  }

  record(ms: number): void {
    let value = Math.round(ms);
    // (<= so that -0, what Math.round makes of -0.4, is counted as 0, not read back as -0.)
    if (value <= 0) value = 0;
    if (value > this.highestMs) {
      this.outOfRange++;
      value = this.highestMs;
    }
    if (value < COUNTED_BELOW) {
      this.counted ??= new Float64Array(COUNTED_BELOW);
      this.counted[value]!++;
      this.countedTotal++;
      if (value < this.lo) this.lo = value;
      if (value > this.hi) this.hi = value;
      return;
    }
    this.histogram.recordValue(value);
  }

  get count(): number {
    return this.histogram.totalCount + this.countedTotal;
  }

  /** The value at a percentile; null with no samples. */
  percentile(p: number): number | null {
    // All of it still counted (a second's histogram, read once and reset): read the
    // counts where they are, from the lowest value up, rather than from HDR's first bucket.
    // (A percentile below 0 or NaN is left to HDR, whose answer to it is its own.)
    if (this.histogram.totalCount === 0 && this.countedTotal > 0 && p >= 0)
      return this.countedPercentile(p);
    const h = this.flushed();
    return h.totalCount === 0 ? null : h.getValueAtPercentile(p);
  }

  /**
   * The percentile of the counted values exactly as hdr-histogram-js's
   * getValueAtPercentile gives it once they are added: the same count to reach
   * (rounded up, less an ulp), and the same end of the bucket the value falls in.
   * Walking values in order reaches that count in the same bucket as walking buckets.
   */
  private countedPercentile(p: number): number {
    const counted = this.counted!;
    const fpCount = (Math.min(p, 100) / 100) * this.countedTotal;
    const target = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    let sum = 0;
    let v = this.lo;
    for (; v < this.hi; v++) {
      sum += counted[v]!;
      if (sum >= target) break;
    }
    const h = this.histogram;
    return p === 0 ? h.lowestEquivalentValue(v) : h.highestEquivalentValue(v);
  }

  reset(): void {
    this.drop();
    // (Clearing HDR's counts walks all of them: not when none was ever added.)
    if (this.histogram.totalCount > 0) this.histogram.reset();
    this.outOfRange = 0;
  }

  /** The HDR histogram with every counted value added: what every read reads. */
  private flushed(): hdr.Histogram {
    const { counted, histogram } = this;
    if (counted === undefined || this.hi < 0) return histogram;
    for (let v = this.lo; v <= this.hi; v++) {
      const n = counted[v]!;
      if (n === 0) continue;
      histogram.recordValueWithCount(v, n);
      counted[v] = 0;
    }
    this.lo = COUNTED_BELOW;
    this.hi = -1;
    this.countedTotal = 0;
    return histogram;
  }

  /** Forgets what was counted and not yet added. */
  private drop(): void {
    if (this.counted !== undefined && this.hi >= 0) this.counted.fill(0, this.lo, this.hi + 1);
    this.lo = COUNTED_BELOW;
    this.hi = -1;
    this.countedTotal = 0;
  }

  /**
   * The counts, serialised (hdr-histogram-js compressed base64), so histograms of
   * several runs merge into the histogram of their union (`gw-chaos merge`).
   */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.flushed());
  }

  /** Adds the counts of a histogram serialised by encode(). */
  addEncoded(encoded: string): void {
    const other = hdr.decodeFromCompressedBase64(encoded, 32, false);
    this.flushed().add(other);
    other.destroy();
  }

  summary(): Summary {
    const h = this.flushed();
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
