import type { SeriesRow } from "../metrics/recorder.js";
import { GATEWAY_VENDOR } from "../router/pass-through-router.js";
import type { Finding, FindingsContext } from "./finding.js";
import { rounded } from "./finding.js";

/** How long after a fault's end (or start) the shift is watched. */
const WATCH_MS = 120_000;
/** A share is read over at least this many sends: one second when traffic allows, else more. */
const MIN_SENDS = 20;
const MAX_WINDOW_ROWS = 10;
/** Standard errors taken off a rise, so sampling noise at low rates is not a jump. */
const Z = 2;
const LIMIT = 0.5;
/** Faults after which the route still answers: moving everything off it at once is a jump too. */
const DEGRADING_KINDS = new Set(["latency", "slow-stream"]);

interface Rise {
  /** The rise's lower bound: at least this share moved onto the route at once. */
  bound: number;
  rise: number;
  route: string;
  atS: number;
  when: "back" | "onset";
}

/**
 * P17: shift in steps, and bring traffic back the same way. The largest rise of
 * one route's share of sends from one second to the next, where the share is read
 * over the second before and the second after (widened to MIN_SENDS sends at low
 * rates, up to ten seconds) and reduced by its sampling error, so at five requests
 * a second a stepping router is not mistaken for a jumping one, while a move from
 * none to all still shows whole. Watched for two minutes after each fault window
 * ends (the faulted route coming back) and, for faults the route survives
 * (latency, slow streams), after it starts (another route taking over). Traffic
 * leaving a route that refuses, throttles or stalls at once is P14, not a breach.
 */
export function stepShift(
  series: readonly SeriesRow[],
  faults: FindingsContext["faults"],
): Finding {
  const base = { id: "stepShift", rule: "P17" };
  if (faults.length === 0)
    return { ...base, ok: true, value: null, summary: "no fault in the scenario: nothing shifted" };
  let worst: Rise | undefined;
  for (const f of faults) {
    const faulted = (route: string) =>
      f.model === undefined ? route.startsWith(`${f.vendor}/`) : route === `${f.vendor}/${f.model}`;
    const watches: {
      fromMs: number;
      toMs: number;
      when: Rise["when"];
      moves: (r: string) => boolean;
    }[] = [];
    if (Number.isFinite(f.endMs))
      watches.push({ fromMs: f.endMs, toMs: f.endMs + WATCH_MS, when: "back", moves: faulted });
    if (DEGRADING_KINDS.has(f.kind))
      watches.push({
        fromMs: f.startMs,
        toMs: Math.min(f.endMs, f.startMs + WATCH_MS),
        when: "onset",
        moves: (r) => !faulted(r),
      });
    for (const w of watches) {
      // Boundary i lies between rows i-1 and i, at the end of row i-1's second.
      for (let i = 1; i < series.length; i++) {
        const atMs = series[i - 1]!.t * 1000;
        if (atMs < w.fromMs || atMs >= w.toMs) continue;
        for (const route of Object.keys(series[i]!.routes)) {
          if (isGatewayRoute(route) || !w.moves(route)) continue;
          const rise = riseAt(series, i, route);
          if (rise && (!worst || rise.bound > worst.bound))
            worst = { ...rise, route, atS: series[i - 1]!.t, when: w.when };
        }
      }
    }
  }
  if (!worst)
    return {
      ...base,
      ok: true,
      value: null,
      summary: "no sends around the faults to judge a shift by",
    };
  const value = rounded(Math.max(0, worst.bound));
  const moved = `${worst.route} rose by ${worst.rise.toFixed(2)} of all sends at ${worst.atS} s`;
  const when = worst.when === "back" ? "as its fault ended" : "as a fault began";
  return {
    ...base,
    ok: value <= LIMIT,
    value,
    summary:
      value <= LIMIT
        ? `traffic moved in steps: the largest one-second rise was ${moved} (${when}; at least ${value.toFixed(2)} beyond sampling noise)`
        : `traffic moved at once, not in steps: ${moved} (${when}; at least ${value.toFixed(2)} beyond sampling noise, over ${LIMIT})`,
  };
}

/** The rise of `route`'s share of sends across boundary i, and its lower bound. */
function riseAt(
  series: readonly SeriesRow[],
  i: number,
  route: string,
): { bound: number; rise: number } | undefined {
  const before = shareOver(series, i - 1, -1, route);
  const after = shareOver(series, i, 1, route);
  if (!before || !after) return undefined;
  const rise = after.share - before.share;
  return { rise, bound: rise - Z * Math.sqrt(before.variance + after.variance) };
}

/** The route's share of sends over rows from `start` walking by `step`, until MIN_SENDS. */
function shareOver(series: readonly SeriesRow[], start: number, step: 1 | -1, route: string) {
  let mine = 0;
  let all = 0;
  for (let k = 0, i = start; k < MAX_WINDOW_ROWS && i >= 0 && i < series.length; k++, i += step) {
    const routes = series[i]!.routes;
    for (const key in routes) if (!isGatewayRoute(key)) all += routes[key]!.sends;
    mine += routes[route]?.sends ?? 0;
    if (all >= MIN_SENDS) break;
  }
  if (all === 0) return undefined;
  // Agresti-Coull: a share of 0 or 1 over few sends is not certain.
  const p = (mine + 1) / (all + 2);
  return { share: mine / all, variance: (p * (1 - p)) / (all + 2) };
}

/** The harness's own requests to a gateway under test (gateway/<class>): not a vendor's share. */
function isGatewayRoute(route: string): boolean {
  return route.startsWith(`${GATEWAY_VENDOR}/`);
}
