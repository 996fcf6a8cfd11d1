import type { Finding, FindingsContext } from "../findings/finding.js";
import type { ClientTryRecord } from "../findings/findings-sink.js";
import { FindingsTracker } from "../findings/findings-tracker.js";
import type { VendorAttempt } from "../findings/vendor-attempt.js";
import type { SeriesRow } from "../metrics/recorder.js";

/** Test support: hand-built runs for the findings, fed in time order as a run would. */

export const LANES: FindingsContext["lanes"] = [
  { name: "interactive", waitBudgetMs: 2_000, timeoutMs: 10_000, deadlineMs: 60_000 },
  { name: "background", waitBudgetMs: 300_000, timeoutMs: 120_000, deadlineMs: 600_000 },
];

export function attempt(
  requestId: number | undefined,
  clientTry: number | undefined,
  receivedMs: number,
  endedMs: number,
  more: Partial<VendorAttempt> = {},
): VendorAttempt {
  return {
    requestId,
    clientTry,
    vendor: "vendor-a",
    model: "m",
    receivedMs,
    endedMs,
    status: 200,
    outcome: "ok",
    stream: false,
    ...more,
  };
}

export function clientTry(
  requestId: number,
  tryIndex: number,
  sentMs: number,
  endedMs: number,
  more: Partial<ClientTryRecord> = {},
): ClientTryRecord {
  return {
    requestId,
    clientTry: tryIndex,
    lane: "interactive",
    tenant: "t",
    sentMs,
    endedMs,
    status: 200,
    end: "complete",
    stream: false,
    ...more,
  };
}

export interface HandRun {
  attempts?: VendorAttempt[];
  tries?: ClientTryRecord[];
  ctx?: Partial<FindingsContext>;
  series?: SeriesRow[];
  tenants?: Record<string, { requests: number; ok: number }>;
  /** Settle every request once its last event is past (the embedded engine's way); default true. */
  settle?: boolean;
  /** When to settle a request, instead of after its last event (as the engine does at the client's end). */
  settleAt?: Record<number, number>;
  /**
   * Feed a lazy tracker as the embedded engine does: the end of a request's first
   * attempt when it was answered, and the end of the try it completed, left out.
   */
  lazy?: boolean;
  /**
   * At one instant, ends before starts: the embedded engine's order (an attempt's
   * answer is taken, then its retry sent), where a gateway run's replay has starts first.
   */
  endsFirst?: boolean;
}

/**
 * Feeds a hand-built run to a tracker in time order — at one instant attempt
 * starts, then vendor ends, then client ends, as a gateway run is replayed — and
 * settles each request after its last event. Returns the tracker and its findings by id.
 */
export function feed(run: HandRun): { tracker: FindingsTracker; byId: Record<string, Finding> } {
  const tracker = new FindingsTracker(
    { lanes: LANES, faults: [], ...run.ctx },
    { lazy: run.lazy ?? false },
  );
  // Lazy: the requests whose first attempt was answered (the engine says no more of them).
  const answeredFirst = new Set<number>();
  if (run.lazy) {
    const firsts = new Map<number, VendorAttempt>();
    for (const a of run.attempts ?? [])
      if (a.requestId !== undefined && !firsts.has(a.requestId)) firsts.set(a.requestId, a);
    for (const [id, a] of firsts) if (a.outcome === "ok") answeredFirst.add(id);
  }
  type Event = { t: number; order: number; go: () => void };
  const events: Event[] = [];
  const last = new Map<number, number>();
  const seen = (id: number | undefined, t: number) => {
    if (id !== undefined) last.set(id, Math.max(last.get(id) ?? t, t));
  };
  for (const a of run.attempts ?? []) {
    const { requestId, clientTry, vendor, model, receivedMs } = a;
    events.push({
      t: receivedMs,
      order: run.endsFirst ? 2.5 : 0,
      go: () => tracker.attemptStarted({ requestId, clientTry, vendor, model }, receivedMs),
    });
    if (!(requestId !== undefined && answeredFirst.has(requestId)))
      events.push({ t: a.endedMs, order: 1, go: () => tracker.attemptEnded(a) });
    seen(requestId, a.endedMs);
  }
  for (const c of run.tries ?? []) {
    if (!answeredFirst.has(c.requestId))
      events.push({ t: c.endedMs, order: 2, go: () => tracker.clientTryEnded(c) });
    seen(c.requestId, c.endedMs);
  }
  if (run.settle ?? true)
    for (const [id, t] of last)
      events.push({ t: run.settleAt?.[id] ?? t, order: 3, go: () => tracker.requestSettled(id) });
  events.sort((x, y) => x.t - y.t || x.order - y.order);
  for (const e of events) e.go();
  const list = tracker.findings({ series: run.series ?? [], tenants: run.tenants ?? {} });
  return { tracker, byId: Object.fromEntries(list.map((f) => [f.id, f])) };
}
