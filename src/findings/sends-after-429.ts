import { count, type Finding, ms } from "./finding.js";

/** An attempt received this soon after the 429 was answered may have been sent before it arrived. */
const IN_FLIGHT_WALL_MS = 20;

interface RouteWait {
  /** When the route's current run of Retry-After windows began, and when it ends. */
  fromMs: number;
  untilMs: number;
  /** The latest 429 of the run: a send is at least this far into a wait it ignored. */
  lastMs: number;
  /** Where the earlier 429s' waits ended: a send before it was not on its way before the latest. */
  earlierUntilMs: number;
}

/**
 * P14 (and P18, honour Retry-After): after a vendor/model answered 429 with a
 * Retry-After of R ms at time t, attempts that reached the same vendor/model in
 * [t, t + R) fed a route that had asked to be left alone. Overlapping windows
 * (a 429 inside another's wait) join into one run of waits. How long a wait was
 * ignored is read from the latest 429 before the send; how long the route was fed
 * while it kept asking, from the start of the run. State is one entry per route.
 */
export class SendsAfter429 {
  /** Routes whose run of waits is still going (dropped once a send finds it over). */
  private readonly routes = new Map<string, RouteWait>();
  /** Attempts that reached each route inside one of its waits, over the run. */
  private readonly sendsByRoute = new Map<string, number>();
  private readonly graceMs: number;
  private total = 0;
  private longestIntoMs = 0;
  private longestRunMs = 0;
  private throttles = 0;

  constructor(speed: number) {
    this.graceMs = IN_FLIGHT_WALL_MS * speed;
  }

  /** A 429 with Retry-After answered on `route` at `atMs`. */
  throttled(route: string, atMs: number, retryAfterMs: number): void {
    this.throttles++;
    if (!(retryAfterMs > 0)) return;
    const w = this.routes.get(route);
    if (!w) {
      const untilMs = atMs + retryAfterMs;
      this.routes.set(route, {
        fromMs: atMs,
        untilMs,
        lastMs: atMs,
        earlierUntilMs: atMs,
      });
      return;
    }
    if (atMs < w.untilMs) w.earlierUntilMs = w.untilMs;
    else {
      w.fromMs = atMs;
      w.earlierUntilMs = atMs;
    }
    w.untilMs = Math.max(w.untilMs, atMs + retryAfterMs);
    w.lastMs = atMs;
  }

  /** Whether any route's wait is still running (else no send needs looking at). */
  get watching(): boolean {
    return this.routes.size > 0;
  }

  /** An attempt reached `route` at `atMs` (calls come in time order). */
  sent(route: string, atMs: number): void {
    const w = this.routes.get(route);
    if (!w) return;
    if (atMs >= w.untilMs) {
      // Its waits are over: a later 429 starts a new run, as it would with the entry kept.
      this.routes.delete(route);
      return;
    }
    // Right after a 429 a send may have left before it came: unless an earlier wait covers it.
    if (atMs < w.lastMs + this.graceMs && atMs >= w.earlierUntilMs) return;
    this.sendsByRoute.set(route, (this.sendsByRoute.get(route) ?? 0) + 1);
    this.total++;
    if (atMs - w.lastMs > this.longestIntoMs) this.longestIntoMs = atMs - w.lastMs;
    if (atMs - w.fromMs > this.longestRunMs) this.longestRunMs = atMs - w.fromMs;
  }

  finding(): Finding {
    const base = { id: "sendsAfter429", rule: "P14" };
    if (this.throttles === 0)
      return { ...base, ok: true, value: null, summary: "no 429 carried a Retry-After" };
    if (this.total === 0)
      return {
        ...base,
        ok: true,
        value: 0,
        summary: `no attempt reached a route while it asked to wait (${count(this.throttles)} 429s with Retry-After)`,
      };
    const routes = [...this.sendsByRoute]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([route, sends]) => `${route} ${count(sends)}`);
    return {
      ...base,
      ok: false,
      value: this.total,
      summary:
        `${count(this.total)} attempts reached a route inside its Retry-After (${routes.join(", ")}); ` +
        `the latest came ${ms(this.longestIntoMs)} after the 429 it ignored` +
        (this.longestRunMs > this.longestIntoMs
          ? `, and a route was fed ${ms(this.longestRunMs)} into back-to-back waits`
          : ""),
    };
  }
}
