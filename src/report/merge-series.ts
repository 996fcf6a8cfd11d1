import { MsHistogram } from "../metrics/histogram.js";
import type { SecondHistograms, SeriesRow } from "../metrics/recorder.js";
import type { ShardReport } from "./shard-set.js";

type LaneRow = SeriesRow["lanes"][string];
type RouteRow = SeriesRow["routes"][string];

/**
 * The shards' series, second by second: counts are summed; each second's latency
 * p50/p95 and queue-age p95 are recomputed from the shards' histograms of that second
 * (the percentiles of the union, not averages). Queue depth is the router's figure: in
 * sim every shard ran the same whole world and carries the same depth, so one shard's
 * is taken; in live each shard had its own router, so the depths are summed. A route's
 * share is recomputed from what the routes served that second.
 */
export function mergeSeries(shards: readonly ShardReport[]): SeriesRow[] {
  const sim = shards[0]?.report.mode === "sim";
  const byT = new Map<number, { rows: SeriesRow[]; histograms: SecondHistograms[] }>();
  for (const { report } of shards) {
    const histogramsAt = new Map(report.histograms.series.map((h) => [h.t, h]));
    for (const row of report.series) {
      let at = byT.get(row.t);
      if (!at) {
        at = { rows: [], histograms: [] };
        byT.set(row.t, at);
      }
      at.rows.push(row);
      const h = histogramsAt.get(row.t);
      if (h) at.histograms.push(h);
    }
  }
  return [...byT.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, { rows, histograms }]) => ({
      t,
      lanes: mergeLanes(rows, histograms, sim),
      routes: mergeRoutes(rows),
    }));
}

function mergeLanes(
  rows: readonly SeriesRow[],
  histograms: readonly SecondHistograms[],
  sim: boolean,
): Record<string, LaneRow> {
  const lanes: Record<string, LaneRow> = {};
  for (const name of new Set(rows.flatMap((r) => Object.keys(r.lanes)))) {
    const latency = new MsHistogram();
    const queueAge = new MsHistogram();
    for (const h of histograms) {
      const lane = h.lanes[name];
      if (lane?.latencyMs) latency.addEncoded(lane.latencyMs);
      if (lane?.queueAgeMs) queueAge.addEncoded(lane.queueAgeMs);
    }
    const parts = rows.flatMap((r) => (r.lanes[name] ? [r.lanes[name]] : []));
    lanes[name] = {
      arrivals: parts.reduce((n, p) => n + p.arrivals, 0),
      p50: latency.percentile(50),
      p95: latency.percentile(95),
      queue: sim ? (parts[0]?.queue ?? 0) : parts.reduce((n, p) => n + p.queue, 0),
      queueAgeP95: queueAge.percentile(95),
    };
  }
  return lanes;
}

function mergeRoutes(rows: readonly SeriesRow[]): Record<string, RouteRow> {
  const routes: Record<string, RouteRow> = {};
  for (const row of rows)
    for (const [id, r] of Object.entries(row.routes)) {
      let into = routes[id];
      if (!into) {
        into = { sends: 0, throttled: 0, errors: 0, tokens: 0, served: 0, share: 0 };
        routes[id] = into;
      }
      into.sends += r.sends;
      into.throttled += r.throttled;
      into.errors += r.errors;
      into.tokens += r.tokens;
      into.served += r.served;
    }
  // As the recorder reckons it: of everything answered in that second.
  let servedTotal = 0;
  for (const r of Object.values(routes)) servedTotal += r.served;
  for (const r of Object.values(routes))
    r.share = servedTotal === 0 ? 0 : Math.round((r.served / servedTotal) * 1000) / 1000;
  return routes;
}
