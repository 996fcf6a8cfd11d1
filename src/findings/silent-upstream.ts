import { count, type Finding, ms } from "./finding.js";

/** Timers fire a little late in live mode: this much past the timeout (wall ms, or 1%) is on time. */
const SLACK_WALL_MS = 100;
const SLACK_SHARE = 0.01;

interface SilentTally {
  stalls: number;
  pastTimeout: number;
  longestMs: number;
  longestLane: string;
}

/**
 * P9: a vendor that accepts a request and never answers must not hold the user
 * past the lane's per-attempt timeout: the try moves on (another attempt) or
 * ends. How long a try was held on a stalled attempt: from that attempt's start
 * to the first of its end (the caller hung up), the try's next attempt, or the
 * try's end.
 */
export class SilentUpstream {
  private tally: SilentTally = { stalls: 0, pastTimeout: 0, longestMs: 0, longestLane: "" };
  private readonly timeouts: Map<string, number>;
  /** The lane a stall is judged by when its try is unknown: the longest timeout. */
  private readonly laxest: { name: string; timeoutMs: number };
  private readonly slackWallMs: number;

  constructor(lanes: readonly { name: string; timeoutMs: number }[], speed: number) {
    this.timeouts = new Map(lanes.map((l) => [l.name, l.timeoutMs]));
    this.laxest = lanes.reduce((a, b) => (b.timeoutMs > a.timeoutMs ? b : a), {
      name: "any lane",
      timeoutMs: 0,
    });
    this.slackWallMs = SLACK_WALL_MS * speed;
  }

  /** One stalled attempt held its try `heldMs`; `lane` undefined when the try is unknown. */
  held(heldMs: number, lane: string | undefined, tally: SilentTally = this.tally): void {
    const timeoutMs =
      (lane !== undefined ? this.timeouts.get(lane) : undefined) ?? this.laxest.timeoutMs;
    tally.stalls++;
    if (heldMs > timeoutMs + Math.max(this.slackWallMs, SLACK_SHARE * timeoutMs))
      tally.pastTimeout++;
    if (heldMs > tally.longestMs) {
      tally.longestMs = heldMs;
      tally.longestLane = lane ?? this.laxest.name;
    }
  }

  snapshot(): { tally: SilentTally; finding: () => Finding } {
    const tally = { ...this.tally };
    return { tally, finding: () => this.finding(tally) };
  }

  private finding(tally: SilentTally): Finding {
    const base = { id: "silentUpstream", rule: "P9" };
    if (tally.stalls === 0)
      return { ...base, ok: true, value: null, summary: "no upstream stalled" };
    const timeout = this.timeouts.get(tally.longestLane) ?? this.laxest.timeoutMs;
    return {
      ...base,
      ok: tally.pastTimeout === 0,
      value: Math.round(tally.longestMs),
      summary:
        `${count(tally.stalls)} stalled attempts; the longest held its try ${ms(tally.longestMs)} ` +
        `(${tally.longestLane} timeout ${ms(timeout)}); ${count(tally.pastTimeout)} held past their lane's timeout`,
    };
  }
}
