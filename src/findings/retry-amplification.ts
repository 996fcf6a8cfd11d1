import { count, type Finding, rounded } from "./finding.js";

const WINDOW_MS = 10_000;
/** A window is judged on its own only with this many requests; else the run as a whole. */
const MIN_WINDOW_REQUESTS = 20;
const LIMIT = 2;

/**
 * P18: upstream attempts per user request, across the client's and the gateway's
 * retries. Requests are placed in 10-second windows by their first attempt, and
 * every later attempt of a request counts in its window, so a storm shows in the
 * window it began. One counter pair per window: a day is 8,640 pairs, far less
 * than the per-second series the recorder keeps.
 */
export class RetryAmplification {
  private readonly windows = new Map<number, { requests: number; attempts: number }>();
  private requests = 0;
  private attempts = 0;
  private mostByOneRequest = 0;
  /** Attempts with no request id (the gateway dropped the header), counted where they fell. */
  private unattributed = 0;

  /** The window of a request whose first attempt was at `firstMs`. */
  windowOf(firstMs: number): number {
    return Math.floor(firstMs / WINDOW_MS);
  }

  /** A user request seen for the first time; returns its window. */
  request(firstMs: number): number {
    const key = this.windowOf(firstMs);
    this.window(key).requests++;
    this.requests++;
    return key;
  }

  /** An attempt of a request in window `key` (its `nth` attempt), or of no known request. */
  attempt(key: number, nth: number): void {
    this.window(key).attempts++;
    this.attempts++;
    if (nth > this.mostByOneRequest) this.mostByOneRequest = nth;
  }

  /** Attempts that came without a request id, and all attempts. */
  get untagged(): { unattributed: number; attempts: number } {
    return { unattributed: this.unattributed, attempts: this.attempts };
  }

  unattributedAttempt(atMs: number): void {
    this.window(Math.floor(atMs / WINDOW_MS)).attempts++;
    this.attempts++;
    this.unattributed++;
  }

  finding(): Finding {
    const base = { id: "retryAmplification", rule: "P18" };
    if (this.requests === 0)
      return { ...base, ok: true, value: null, summary: "no user request reached the run" };
    let worst: { key: number; ratio: number } | undefined;
    for (const [key, w] of this.windows) {
      if (w.requests < MIN_WINDOW_REQUESTS) continue;
      const ratio = w.attempts / w.requests;
      if (!worst || ratio > worst.ratio) worst = { key, ratio };
    }
    const mean = this.attempts / this.requests;
    const value = rounded(worst ? worst.ratio : mean);
    const where = worst
      ? `worst 10 s window ${worst.ratio.toFixed(2)} from ${worst.key * 10} s`
      : `no 10 s window had ${MIN_WINDOW_REQUESTS} requests, so the whole run is judged`;
    const lost =
      this.unattributed > 0
        ? `; ${count(this.unattributed)} attempts came without a request id`
        : "";
    return {
      ...base,
      ok: value <= LIMIT,
      value,
      summary:
        `${mean.toFixed(2)} upstream attempts per user request over the run (${count(this.attempts)} for ${count(this.requests)}); ` +
        `${where}; one request caused ${this.mostByOneRequest} at most${lost}` +
        (value > LIMIT ? ` — retries stack up (over ${LIMIT} per request)` : ""),
    };
  }

  private window(key: number) {
    let w = this.windows.get(key);
    if (!w) {
      w = { requests: 0, attempts: 0 };
      this.windows.set(key, w);
    }
    return w;
  }
}
