import { count, type Finding, ms } from "./finding.js";

/** An attempt received this soon after the 429 was answered may have been sent before it arrived. */
const IN_FLIGHT_WALL_MS = 20;

interface RouteWait {
  /** When the route's current run of Retry-After windows began, and when it ends. */
  fromMs: number;
  untilMs: number;
  sends: number;
}

/**
 * P14 (and P18, honour Retry-After): after a vendor/model answered 429 with a
 * Retry-After of R ms at time t, attempts that reached the same vendor/model in
 * [t, t + R) fed a route that had asked to be left alone. Overlapping windows
 * (a 429 inside another's wait) join into one, so "how long" is how far into the
 * joined wait the latest send came. State is one entry per route.
 */
export class SendsAfter429 {
  private readonly routes = new Map<string, RouteWait>();
  private readonly graceMs: number;
  private total = 0;
  private longestIntoMs = 0;
  private throttles = 0;

  constructor(speed: number) {
    this.graceMs = IN_FLIGHT_WALL_MS * speed;
  }

  /** A 429 with Retry-After answered on `route` at `atMs`. */
  throttled(route: string, atMs: number, retryAfterMs: number): void {
    this.throttles++;
    if (!(retryAfterMs > 0)) return;
    const w = this.routes.get(route);
    if (w && atMs < w.untilMs) w.untilMs = Math.max(w.untilMs, atMs + retryAfterMs);
    else if (w) {
      w.fromMs = atMs;
      w.untilMs = atMs + retryAfterMs;
    } else this.routes.set(route, { fromMs: atMs, untilMs: atMs + retryAfterMs, sends: 0 });
  }

  /** An attempt reached `route` at `atMs` (calls come in time order). */
  sent(route: string, atMs: number): void {
    const w = this.routes.get(route);
    if (!w || atMs >= w.untilMs || atMs < w.fromMs + this.graceMs) return;
    w.sends++;
    this.total++;
    if (atMs - w.fromMs > this.longestIntoMs) this.longestIntoMs = atMs - w.fromMs;
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
    const routes = [...this.routes]
      .filter(([, w]) => w.sends > 0)
      .sort(([a, x], [b, y]) => y.sends - x.sends || a.localeCompare(b))
      .map(([route, w]) => `${route} ${count(w.sends)}`);
    return {
      ...base,
      ok: false,
      value: this.total,
      summary:
        `${count(this.total)} attempts reached a route inside its Retry-After (${routes.join(", ")}); ` +
        `the latest came ${ms(this.longestIntoMs)} into the wait`,
    };
  }
}
