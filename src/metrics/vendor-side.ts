import type { VendorAttempt, VendorOutcome } from "../findings/vendor-attempt.js";
import type { ErrorCategory } from "../router/error-category.js";
import { type RouteId, routeId } from "../router/types.js";
import type { Recorder } from "./recorder.js";

/** The router's category of each vendor-side outcome, as the routes table counts errors. */
const CATEGORY: Record<VendorOutcome, ErrorCategory | undefined> = {
  ok: undefined,
  throttled: "throttled",
  quota: "quota",
  overloaded: "overloaded",
  "server-error": "server-error",
  "bad-request": "bad-request",
  stalled: "timeout",
  reset: "connection",
  "stream-cut": "stream-error",
  refused: "connection",
  abandoned: "abandoned",
};

/**
 * Books what the mock vendors saw of a gateway's attempts into the routes table, the
 * per-second series and the failover timing, after the run: with a gateway under
 * test, the harness itself only sees its own requests to the gateway. Attempts at
 * models no route names (a gateway that asked for something else) are left out.
 */
export function bookVendorSide(recorder: Recorder, attempts: readonly VendorAttempt[]): void {
  type Event = { t: number; start: boolean; a: VendorAttempt; route: RouteId };
  const events: Event[] = [];
  for (const a of attempts) {
    const route = routeId(a.vendor, a.model);
    if (!recorder.routes.has(route)) continue;
    events.push({ t: a.receivedMs, start: true, a, route });
    events.push({ t: a.endedMs, start: false, a, route });
  }
  // In time order, a start before an end at the same instant.
  events.sort((x, y) => x.t - y.t || Number(y.start) - Number(x.start));

  const served = recorder.series.map(() => new Map<RouteId, number>());
  const rowOf = (t: number) =>
    Math.min(recorder.series.length - 1, Math.max(0, Math.ceil(t / 1000) - 1));
  /** Per client try, the routes it has tried so far (for failover's reroute time). */
  const tried = new Map<string, RouteId[]>();
  for (const { t, start, a, route } of events) {
    const metrics = recorder.routes.get(route)!;
    const row = recorder.series[rowOf(t)]?.routes[route];
    const key = a.requestId === undefined ? undefined : `${a.requestId}.${a.clientTry ?? 0}`;
    if (start) {
      metrics.attempts++;
      if (row) row.sends++;
      const before = key === undefined ? undefined : tried.get(key);
      // Fresh: the first attempt of a client try (an untagged one counts as fresh).
      for (const watch of recorder.failover) watch.sent(route, before === undefined, t);
      if (key !== undefined) tried.set(key, [...(before ?? []), route]);
      continue;
    }
    const category = CATEGORY[a.outcome];
    metrics.status.set(a.status, (metrics.status.get(a.status) ?? 0) + 1);
    if (category) metrics.errors.set(category, (metrics.errors.get(category) ?? 0) + 1);
    if (row && category === "throttled") row.throttled++;
    else if (row && category !== undefined) row.errors++;
    for (const watch of recorder.failover) watch.attemptDone(route, category !== undefined, t);
    if (category === undefined) {
      metrics.served++;
      const counts = served[rowOf(t)];
      counts?.set(route, (counts.get(route) ?? 0) + 1);
      const routes = (key === undefined ? undefined : tried.get(key)) ?? [route];
      for (const watch of recorder.failover) watch.served(route, routes, t);
    }
  }
  // Each second's share: of the answers the vendors served in it, each route's part.
  recorder.series.forEach((row, i) => {
    const counts = served[i]!;
    let total = 0;
    for (const n of counts.values()) total += n;
    for (const [route, cell] of Object.entries(row.routes)) {
      const n = counts.get(route as RouteId) ?? 0;
      cell.share = total === 0 ? 0 : Math.round((n / total) * 1000) / 1000;
    }
  });
}
