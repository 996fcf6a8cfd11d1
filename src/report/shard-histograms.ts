import type { MsHistogram } from "../metrics/histogram.js";
import type { Recorder, SecondHistograms } from "../metrics/recorder.js";

export const HISTOGRAM_ENCODING = "hdr-histogram-js compressed base64";

/**
 * What `gw-chaos merge` recomputes percentiles from: the HDR histograms behind every
 * Summary a merge must recompute, serialised (hdr-histogram-js compressed base64, 3
 * significant digits), so the merged percentiles are those of the union of the
 * shards' requests, not averages of their percentiles. Only a shard's report has them.
 */
export interface ReportHistograms {
  encoding: typeof HISTOGRAM_ENCODING;
  lanes: Record<string, { latencyMs: string; ttftMs: string; queueAgeMs: string }>;
  tenants: Record<string, { latencyMs: string }>;
  /** Each second of `series`: per lane the latency and queue-age histograms, null when empty. */
  series: SecondHistograms[];
}

const encode = (h: MsHistogram) => h.encode();

export function reportHistograms(recorder: Recorder): ReportHistograms {
  const lanes: ReportHistograms["lanes"] = {};
  for (const [name, lane] of recorder.lanes)
    lanes[name] = {
      latencyMs: encode(lane.latency),
      ttftMs: encode(lane.ttft),
      queueAgeMs: encode(lane.queueAge),
    };
  const tenants: ReportHistograms["tenants"] = {};
  for (const [name, tenant] of [...recorder.tenants].sort(([a], [b]) => a.localeCompare(b)))
    tenants[name] = { latencyMs: encode(tenant.latency) };
  return {
    encoding: HISTOGRAM_ENCODING,
    lanes,
    tenants,
    series: recorder.secondHistograms ?? [],
  };
}
