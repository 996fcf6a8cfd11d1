import { IdMap } from "../collections/id-map.js";
import { CutStream } from "./cut-stream.js";
import {
  type AttemptStart,
  type ClientTryResult,
  type Finding,
  type FindingsContext,
  type FindingsInput,
  isCut,
  routeKey,
} from "./finding.js";
import type { FindingsSink } from "./findings-sink.js";
import {
  firstStartAfter,
  noteStart,
  type OpenRequest,
  type TryState,
  tryOf,
} from "./open-request.js";
import { RetryAfterEdge } from "./retry-after-edge.js";
import { RetryAmplification } from "./retry-amplification.js";
import { RetryJitter } from "./retry-jitter.js";
import { SendsAfter429 } from "./sends-after-429.js";
import { SilentUpstream } from "./silent-upstream.js";
import { stepShift } from "./step-shift.js";
import { tenantIsolation } from "./tenant-isolation.js";
import { REQUEST_ID_HEADER, type VendorAttempt } from "./vendor-attempt.js";

export type { Finding, FindingsContext, FindingsInput } from "./finding.js";

/** Settled requests remembered (a few numbers each) for attempts that end after them. */
const RECENTLY_SETTLED = 4096;

/** What is kept of a settled request, for a late attempt of it. */
interface Settled {
  windowKey: number;
  attempts: number;
  lane: string | undefined;
  tryEnds: (number | undefined)[];
}

/**
 * Turns the ground truth of a run — which attempts reached which vendor, how each
 * ended there, and how each client try ended for the user — into the findings,
 * verdicts named after the playbook. Pure: no I/O, no clock; time is what the
 * events say. Memory stays flat in the run's length: state per open request
 * (dropped when it settles), per route, and small bounded tallies.
 *
 * Events come in time order (at one instant, as the run saw them happen). A
 * request the caller never settles is settled by the tracker once it is older
 * than twice the longest lane deadline and a minute, so a gateway run that cannot
 * tell when a request is done still keeps flat.
 */
export class FindingsTracker implements FindingsSink {
  // By request id, in the order first seen (not Maps: see IdMap on why).
  private readonly open = new IdMap<OpenRequest>();
  private readonly settled = new IdMap<Settled>();
  private readonly amplification = new RetryAmplification();
  private readonly sendsAfter429: SendsAfter429;
  private readonly jitter: RetryJitter;
  private readonly edge: RetryAfterEdge;
  private readonly cut = new CutStream();
  private readonly silent: SilentUpstream;
  private readonly staleAfterMs: number;
  private nextStaleCheckMs = 0;
  private nowMs = 0;

  /**
   * Lazy (the embedded router's runs, where most requests are one answered attempt):
   * a request gets state only once something about it is worth judging (an attempt
   * that failed, a second try); the caller then leaves out the end of a first
   * attempt that was answered, and the end of a first try that it completed. A
   * gateway run, replayed from the vendors' log, is not lazy.
   */
  private readonly lazy: boolean;

  constructor(
    private readonly ctx: FindingsContext,
    options: { lazy?: boolean } = {},
  ) {
    this.lazy = options.lazy ?? false;
    const speed = ctx.speed ?? 1;
    this.sendsAfter429 = new SendsAfter429(speed);
    this.jitter = new RetryJitter(speed);
    this.edge = new RetryAfterEdge(speed);
    this.silent = new SilentUpstream(ctx.lanes, speed);
    const longestDeadline = ctx.lanes.reduce((m, l) => Math.max(m, l.deadlineMs), 0);
    this.staleAfterMs = 2 * longestDeadline + 60_000;
  }

  /** Requests with state held now (0 once every request has settled). */
  get openRequests(): number {
    return this.open.size;
  }

  attemptStarted(a: AttemptStart, atMs: number): void {
    this.advance(atMs);
    // (The route's name is made only while some route asked to be left alone.)
    if (this.sendsAfter429.watching) this.sendsAfter429.sent(routeKey(a.vendor, a.model), atMs);
    if (
      this.lazy &&
      a.clientTry === 0 &&
      a.requestId !== undefined &&
      !this.open.has(a.requestId) &&
      !this.settled.has(a.requestId)
    ) {
      // A request's first attempt: counted, and remembered only if it goes wrong.
      this.amplification.attempt(this.amplification.request(atMs), 1);
      return;
    }
    const route = routeKey(a.vendor, a.model);
    if (a.requestId === undefined) {
      this.amplification.unattributedAttempt(atMs);
      return;
    }
    const late = this.settled.get(a.requestId);
    if (late) {
      // The gateway kept trying after the user's request was settled: it still costs.
      this.amplification.attempt(late.windowKey, ++late.attempts);
      return;
    }
    const r = this.request(a.requestId, atMs);
    this.amplification.attempt(r.windowKey, ++r.attempts);
    if (a.clientTry === undefined) return;
    const t = tryOf(r, a.clientTry);
    if (t.attempts > 0 && t.openAttempts === 0) this.jitter.gap(t.attempts, atMs - t.lastEndedMs);
    this.edge.attemptStarted(t, route, atMs);
    t.attempts++;
    t.openAttempts++;
    noteStart(t, atMs);
  }

  attemptEnded(a: VendorAttempt): void {
    this.advance(a.endedMs);
    const route = routeKey(a.vendor, a.model);
    if (a.status === 429 && a.retryAfterMs !== undefined) {
      this.sendsAfter429.throttled(route, a.endedMs, a.retryAfterMs);
      this.edge.saw429(a.retryAfterMs);
    }
    const stalled = a.outcome === "stalled";
    if (a.requestId === undefined || a.clientTry === undefined) {
      // No try to hold: the attempt's own length is how long its caller waited on it.
      if (stalled) this.silent.held(a.endedMs - a.receivedMs, undefined);
      return;
    }
    if (this.lazy && !this.open.has(a.requestId) && !this.settled.has(a.requestId)) {
      // The first attempt of a request the lazy start did not remember: answered, it
      // has nothing to judge; else the request is taken in as if remembered from its start.
      if (a.outcome === "ok") return;
      this.rememberFirstAttempt(a.requestId, a.clientTry, a.receivedMs);
    }
    const r = this.open.get(a.requestId);
    const t = r?.tries[a.clientTry];
    if (!t) {
      const late = this.settled.get(a.requestId);
      if (stalled && late) {
        const tryEnd = late.tryEnds[a.clientTry] ?? a.endedMs;
        this.silent.held(Math.min(a.endedMs, tryEnd) - a.receivedMs, late.lane);
      }
      return;
    }
    t.openAttempts = Math.max(0, t.openAttempts - 1);
    t.lastEndedMs = Number.isNaN(t.lastEndedMs) ? a.endedMs : Math.max(t.lastEndedMs, a.endedMs);
    this.edge.attemptEnded(t, route, a.endedMs, a.status, a.retryAfterMs);
    if (isCut(a.outcome)) t.cut = true;
    if (stalled) {
      const heldUntil = Math.min(
        a.endedMs,
        firstStartAfter(t, a.receivedMs) ?? Number.POSITIVE_INFINITY,
        t.endedMs ?? Number.POSITIVE_INFINITY,
      );
      t.stallHoldMs = Math.max(t.stallHoldMs ?? 0, heldUntil - a.receivedMs);
    }
  }

  clientTryEnded(c: ClientTryResult): void {
    this.advance(c.endedMs);
    if (this.settled.has(c.requestId)) return;
    // Lazy: a try completed by a first attempt that went well leaves nothing to judge.
    if (this.lazy && c.end === "complete" && !this.open.has(c.requestId)) return;
    const r = this.request(c.requestId, c.sentMs);
    r.lane = c.lane;
    const t = tryOf(r, c.clientTry);
    t.lane = c.lane;
    t.endedMs = c.endedMs;
    t.end = c.end;
    this.edge.tryEnded(t, c.endedMs);
  }

  requestSettled(requestId: number): void {
    const r = this.open.get(requestId);
    if (!r) return;
    for (const t of r.tries) if (t) this.closeTry(t, r.lane);
    this.open.delete(requestId);
    this.settled.set(requestId, {
      windowKey: r.windowKey,
      attempts: r.attempts,
      lane: r.lane,
      tryEnds: r.tries.map((t) => t?.endedMs),
    });
    if (this.settled.size > RECENTLY_SETTLED) this.settled.delete(this.settled.firstKey()!);
  }

  /** The verdicts, every finding always present; requests still open are judged as they stand. */
  findings(input: FindingsInput): Finding[] {
    const edge = this.edge.snapshot();
    const cut = this.cut.snapshot();
    const silent = this.silent.snapshot();
    for (const r of this.open.values())
      for (const t of r.tries) {
        if (!t) continue;
        this.edge.close(t, this.nowMs, edge.tally);
        this.cut.close(t, cut.tally);
        if (t.stallHoldMs !== undefined)
          this.silent.held(t.stallHoldMs, t.lane ?? r.lane, silent.tally);
      }
    const perRequest = [
      this.amplification.finding(),
      this.jitter.finding(),
      edge.finding(),
      cut.finding(),
    ];
    // A gateway that drops the request-id header hides which request each attempt
    // served: what is judged per request is then not judged at all, and says why.
    // (A silent call is judged by its own length, request or not.)
    const { unattributed, attempts } = this.amplification.untagged;
    const blind = unattributed > 0 && unattributed * 2 >= attempts;
    const [amplification, jitter, edgeFinding, cutFinding] = blind
      ? perRequest.map((f) => ({
          ...f,
          ok: true,
          value: null,
          summary: `not judged: ${unattributed} of ${attempts} attempts reached the vendors without the ${REQUEST_ID_HEADER} header, so which request each served is unknown (have the gateway pass it on, e.g. Portkey's forward_headers)`,
        }))
      : perRequest;
    return [
      amplification!,
      this.sendsAfter429.finding(),
      jitter!,
      edgeFinding!,
      cutFinding!,
      silent.finding(),
      stepShift(input.series, this.ctx.faults),
      tenantIsolation(input.tenants),
    ];
  }

  private closeTry(t: TryState, lane: string | undefined): void {
    this.edge.close(t, this.nowMs);
    this.cut.close(t);
    if (t.stallHoldMs !== undefined) this.silent.held(t.stallHoldMs, t.lane ?? lane);
  }

  /** State for a request whose first attempt (counted at its start) started at `atMs`. */
  private rememberFirstAttempt(id: number, clientTry: number, atMs: number): void {
    const r: OpenRequest = {
      id,
      firstMs: atMs,
      windowKey: this.amplification.windowOf(atMs),
      attempts: 1,
      lane: undefined,
      tries: [],
    };
    this.open.set(id, r);
    const t = tryOf(r, clientTry);
    t.attempts = 1;
    t.openAttempts = 1;
    noteStart(t, atMs);
  }

  private request(id: number, atMs: number): OpenRequest {
    let r = this.open.get(id);
    if (!r) {
      r = {
        id,
        firstMs: atMs,
        windowKey: this.amplification.request(atMs),
        attempts: 0,
        lane: undefined,
        tries: [],
      };
      this.open.set(id, r);
    }
    return r;
  }

  /** Time moves on; requests never settled by the caller are settled once surely done. */
  private advance(atMs: number): void {
    if (atMs > this.nowMs) this.nowMs = atMs;
    if (this.open.size === 0) return; // (no iterator made when nothing is open)
    // Once a second of run time: a walk from the map's head passes the holes its
    // deletions left, which made a gateway run's replay quadratic (200 µs a request at 90,000 open).
    if (this.nowMs < this.nextStaleCheckMs) return;
    this.nextStaleCheckMs = this.nowMs + 1_000;
    for (const r of this.open.values()) {
      if (this.nowMs - r.firstMs <= this.staleAfterMs) break;
      this.requestSettled(r.id);
    }
  }
}
