import { count, type Finding } from "./finding.js";
import type { TryState } from "./open-request.js";

/** A resend this soon (wall ms) after a Retry-After 0 is immediate. */
const HOT_WALL_MS = 10;
/** Immediate resends in a row that make a hot loop. */
const HOT_STREAK = 3;
/** Retry-After above this is the far edge; a try held past it is held. */
const LONG_MS = 60_000;

/** Tallies of the tries mishandled at either edge; cloned to judge open tries without harm. */
interface EdgeTally {
  hot: number;
  held: number;
}

/**
 * P18, honour Retry-After, at its edges: a Retry-After of 0 must not turn into a
 * hot loop on the same route (three immediate resends in a row), and one above
 * 60 s must not hold the user's try for longer than 60 s (take another route or
 * give up). Counted once per client try.
 */
export class RetryAfterEdge {
  private tally: EdgeTally = { hot: 0, held: 0 };
  private zeroSeen = 0;
  private longSeen = 0;
  private readonly hotMs: number;

  constructor(speed: number) {
    this.hotMs = HOT_WALL_MS * speed;
  }

  /** Any 429's Retry-After, to know whether either edge came up at all. */
  saw429(retryAfterMs: number): void {
    if (retryAfterMs === 0) this.zeroSeen++;
    else if (retryAfterMs > LONG_MS) this.longSeen++;
  }

  attemptStarted(t: TryState, route: string, atMs: number): void {
    if (t.zeroRetryRoute === route && atMs - t.zeroRetryAtMs <= this.hotMs) {
      t.hotStreak++;
      if (t.hotStreak >= HOT_STREAK && !t.edgeMishandled) {
        t.edgeMishandled = true;
        this.tally.hot++;
      }
    } else t.hotStreak = 0;
    t.zeroRetryRoute = undefined;
    this.checkHeld(t, atMs, this.tally);
  }

  attemptEnded(t: TryState, route: string, endedMs: number, status: number, retryAfterMs?: number) {
    const is429 = status === 429 && retryAfterMs !== undefined;
    if (is429 && retryAfterMs === 0) {
      t.zeroRetryRoute = route;
      t.zeroRetryAtMs = endedMs;
    } else t.zeroRetryRoute = undefined;
    if (is429 && retryAfterMs > LONG_MS) t.longRetryAtMs ??= endedMs;
  }

  tryEnded(t: TryState, endedMs: number): void {
    this.checkHeld(t, endedMs, this.tally);
  }

  /**
   * The try is settled (or the run ends with it open at `nowMs`): a far wait not
   * yet resolved is judged by how long it has held so far.
   */
  close(t: TryState, nowMs: number, tally: EdgeTally = this.tally): void {
    this.checkHeld(t, t.endedMs ?? nowMs, tally);
  }

  /** A copy to judge the tries still open into, leaving the run's tally as it is. */
  snapshot(): { tally: EdgeTally; finding: () => Finding } {
    const tally = { ...this.tally };
    return { tally, finding: () => this.finding(tally) };
  }

  private checkHeld(t: TryState, atMs: number, tally: EdgeTally): void {
    if (t.longRetryAtMs === undefined) return;
    if (atMs - t.longRetryAtMs > LONG_MS && !t.edgeMishandled) {
      // Set on the try only when judging for good: a snapshot must not change it.
      if (tally === this.tally) t.edgeMishandled = true;
      tally.held++;
    }
    if (tally === this.tally) t.longRetryAtMs = undefined;
  }

  private finding(tally: EdgeTally): Finding {
    const base = { id: "retryAfterEdge", rule: "P18" };
    if (this.zeroSeen === 0 && this.longSeen === 0)
      return {
        ...base,
        ok: true,
        value: null,
        summary: "no 429 carried a Retry-After of 0 or over 60 s",
      };
    const seen = `${count(this.zeroSeen)} 429s with Retry-After 0, ${count(this.longSeen)} over 60 s`;
    const bad = tally.hot + tally.held;
    return {
      ...base,
      ok: bad === 0,
      value: bad,
      summary:
        bad === 0
          ? `${seen}: every try handled them (no hot loop, none held past 60 s)`
          : `${count(bad)} client tries mishandled an edge Retry-After (${seen}): ` +
            `${count(tally.hot)} resent at once ${HOT_STREAK}+ times in a row after a Retry-After 0, ` +
            `${count(tally.held)} held over 60 s by a long one`,
    };
  }
}
