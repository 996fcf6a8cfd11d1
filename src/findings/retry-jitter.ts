import { count, type Finding, rounded } from "./finding.js";

/** Gaps shorter than this are immediate failovers, not waits. */
const WAIT_FLOOR_MS = 50;
/**
 * Live, nor shorter than this many wall ms: a resend the harness made at once still
 * leaves a few ms of timers and sockets, the same few every time (seen as 13 "waits"
 * of 5 wall ms in a live lunch-rush at --speed 10: lockstep, but no wait at all).
 */
const WAIT_FLOOR_WALL_MS = 20;
/** An ordinal is judged with this many gaps at least; the finding with this many in all. */
const MIN_GAPS = 10;
/** This share of an ordinal's gaps within the tolerance of one value: no jitter. */
const CLUSTER_SHARE = 0.8;
/**
 * Two waits within this of each other are the same wait: 5%, and at least 20 wall
 * ms (what a loaded loopback adds to a fixed 1 s sleep; at --speed 8 that is 160
 * scenario ms). Jitter worth the name spreads waits far wider: the official SDKs'
 * takes up to a quarter off each, and "full jitter" draws from the whole range.
 */
const TOLERANCE_FLOOR_WALL_MS = 20;
const TOLERANCE_SHARE = 0.05;
/**
 * Gaps are kept as counts per bucket of 0.1% relative width, far finer than the
 * 1% tolerance, so the store is bounded (about 11,000 buckets up to an hour per
 * ordinal at worst) however many retries the run makes.
 */
const BUCKET_STEP = Math.log1p(0.001);
const LONGEST_GAP_MS = 3_600_000;
const ORDINALS = ["1st retry", "2nd retry", "3rd+ retry"];

/**
 * P18: retries need jitter, never a shared fixed delay. The gaps a gateway leaves
 * between the attempts of one client try, grouped by retry ordinal; an ordinal
 * whose gaps mostly sit on one value retries in lockstep with every other client.
 */
export class RetryJitter {
  private readonly buckets: Map<number, number>[] = ORDINALS.map(() => new Map());
  private readonly toleranceFloorMs: number;
  private readonly waitFloorMs: number;

  constructor(speed: number) {
    this.toleranceFloorMs = TOLERANCE_FLOOR_WALL_MS * speed;
    this.waitFloorMs = Math.max(WAIT_FLOOR_MS, WAIT_FLOOR_WALL_MS * speed);
  }

  /** The gap before the `ordinal`-th retry of a client try (1 = the first retry). */
  gap(ordinal: number, gapMs: number): void {
    if (!(gapMs >= this.waitFloorMs) || ordinal < 1) return;
    const map = this.buckets[Math.min(ordinal, ORDINALS.length) - 1]!;
    const key = Math.round(Math.log(Math.min(gapMs, LONGEST_GAP_MS)) / BUCKET_STEP);
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  finding(): Finding {
    const base = { id: "retryJitter", rule: "P18" };
    let total = 0;
    let clustered = 0;
    const lockstep: string[] = [];
    const judged: string[] = [];
    for (const [i, map] of this.buckets.entries()) {
      const cluster = largestCluster(map, this.toleranceFloorMs);
      total += cluster.total;
      if (cluster.total < MIN_GAPS) continue;
      judged.push(ORDINALS[i]!);
      if (cluster.count >= CLUSTER_SHARE * cluster.total) {
        clustered += cluster.count;
        lockstep.push(
          `${ORDINALS[i]}: ${count(cluster.count)} of ${count(cluster.total)} waits at ${Math.round(cluster.centerMs)} ms`,
        );
      }
    }
    if (total < MIN_GAPS)
      return {
        ...base,
        ok: true,
        value: null,
        summary: `${total} retry waits of ${this.waitFloorMs} ms or more: too few to judge (${MIN_GAPS} needed)`,
      };
    const value = rounded(clustered / total);
    if (lockstep.length === 0)
      return {
        ...base,
        ok: true,
        value,
        summary:
          judged.length === 0
            ? `${count(total)} retry waits, no ordinal with ${MIN_GAPS}: none judged in lockstep`
            : `${count(total)} retry waits, spread (jittered) at every ordinal judged (${judged.join(", ")})`,
      };
    return {
      ...base,
      ok: false,
      value,
      summary: `retries wait a fixed delay, no jitter — ${lockstep.join("; ")}`,
    };
  }
}

/**
 * The most gaps within ±max(floor, 1%) of one value. Bucket centres stand for
 * their gaps; the window bounds grow with the centre, so two pointers suffice.
 */
function largestCluster(
  map: Map<number, number>,
  floorMs: number,
): { total: number; count: number; centerMs: number } {
  const keys = [...map.keys()].sort((a, b) => a - b);
  const values = keys.map((k) => Math.exp(k * BUCKET_STEP));
  const counts = keys.map((k) => map.get(k)!);
  let total = 0;
  for (const c of counts) total += c;
  let best = { total, count: 0, centerMs: Number.NaN };
  let lo = 0;
  let hi = 0;
  let inside = 0;
  for (let c = 0; c < values.length; c++) {
    const v = values[c]!;
    const tol = Math.max(floorMs, TOLERANCE_SHARE * v);
    while (hi < values.length && values[hi]! <= v + tol) inside += counts[hi++]!;
    while (values[lo]! < v - tol) inside -= counts[lo++]!;
    if (inside > best.count) best = { total, count: inside, centerMs: v };
  }
  return best;
}
