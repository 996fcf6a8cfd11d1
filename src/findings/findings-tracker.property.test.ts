import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attempt, clientTry, feed, LANES } from "../test-support/findings-runs.js";
import type { ClientTryRecord } from "./findings-sink.js";
import { FindingsTracker } from "./findings-tracker.js";
import type { VendorAttempt, VendorOutcome } from "./vendor-attempt.js";

const OUTCOMES: [VendorOutcome, number][] = [
  ["ok", 200],
  ["throttled", 429],
  ["overloaded", 503],
  ["stalled", 0],
  ["reset", 200],
  ["stream-cut", 200],
  ["refused", 0],
];

const attemptArb = fc.record({
  outcome: fc.integer({ min: 0, max: OUTCOMES.length - 1 }),
  vendor: fc.constantFrom("vendor-a", "vendor-b"),
  waitMs: fc.constantFrom(0, 5, 80, 1_000, 1_003),
  lengthMs: fc.integer({ min: 1, max: 40_000 }),
  retryAfterMs: fc.constantFrom(undefined, 0, 1_000, 120_000),
});
const requestArb = fc.record({
  startMs: fc.integer({ min: 0, max: 600_000 }),
  lane: fc.constantFrom("interactive", "background"),
  tries: fc.array(
    fc.record({
      attempts: fc.array(attemptArb, { minLength: 0, maxLength: 4 }),
      end: fc.constantFrom("complete", "error-status", "transport", "truncated", "timeout"),
      tailMs: fc.integer({ min: 0, max: 70_000 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

/** A run of whole requests: each try's attempts one after another, the try ending after them. */
type PlannedRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function build(requests: PlannedRequest[]) {
  const attempts: VendorAttempt[] = [];
  const tries: ClientTryRecord[] = [];
  requests.forEach((r, id) => {
    let t = r.startMs;
    r.tries.forEach((tr, ct) => {
      const sent = t;
      for (const a of tr.attempts) {
        const [outcome, status] = OUTCOMES[a.outcome]!;
        t += a.waitMs;
        attempts.push(
          attempt(id, ct, t, t + a.lengthMs, {
            vendor: a.vendor,
            outcome,
            status,
            ...(status === 429 && a.retryAfterMs !== undefined
              ? { retryAfterMs: a.retryAfterMs }
              : {}),
          }),
        );
        t += a.lengthMs;
      }
      t += tr.tailMs;
      tries.push(clientTry(id, ct, sent, t, { lane: r.lane, end: tr.end }));
      t += 10;
    });
  });
  return { attempts, tries };
}

/**
 * The same requests as the embedded router makes them: an answered attempt completes
 * its try and the request (nothing after it); a try with no answer ends in an error.
 */
function asEmbedded(requests: PlannedRequest[]): PlannedRequest[] {
  return requests.map((r) => {
    const tries: PlannedRequest["tries"] = [];
    for (const tr of r.tries) {
      const answered = tr.attempts.findIndex((a) => OUTCOMES[a.outcome]![0] === "ok");
      if (answered < 0) {
        tries.push({ ...tr, end: tr.end === "complete" ? "error-status" : tr.end });
        continue;
      }
      tries.push({ ...tr, attempts: tr.attempts.slice(0, answered + 1), end: "complete" });
      break;
    }
    return { ...r, tries };
  });
}

describe("FindingsTracker properties", () => {
  it("holds no per-request state once every request has settled", () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 40 }), (requests) => {
        const { tracker } = feed(build(requests));
        expect(tracker.openRequests).toBe(0);
      }),
    );
  });

  it("gives the same verdicts whether requests were settled as they ended or judged open at the end", () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 40 }), (requests) => {
        const run = build(requests);
        const settled = feed(run);
        const open = feed({ ...run, settle: false });
        expect(open.tracker.openRequests).toBe(new Set(run.tries.map((t) => t.requestId)).size);
        expect(open.byId).toEqual(settled.byId);
      }),
    );
  });

  it("gives the same verdicts whatever order requests are settled in at the end, and findings() changes nothing", () => {
    fc.assert(
      fc.property(
        fc.array(requestArb, { minLength: 1, maxLength: 30 }),
        fc.integer(),
        (requests, seed) => {
          const run = build(requests);
          const lastMs = Math.max(...run.tries.map((t) => t.endedMs));
          const order = [...new Set(run.tries.map((t) => t.requestId))].sort(
            (a, b) => (((a * 2654435761) ^ seed) % 97) - (((b * 2654435761) ^ seed) % 97),
          );
          const inOrder = feed({
            ...run,
            settleAt: Object.fromEntries(order.map((id) => [id, lastMs])),
          });
          const shuffled = new FindingsTracker({ lanes: LANES, faults: [] });
          const replay = feed({ ...run, settle: false });
          // Replaying by hand, settling in the shuffled order after everything.
          const events = [
            ...run.attempts.flatMap((a) => [
              {
                t: a.receivedMs,
                o: 0,
                go: () => shuffled.attemptStarted(a, a.receivedMs),
              },
              { t: a.endedMs, o: 1, go: () => shuffled.attemptEnded(a) },
            ]),
            ...run.tries.map((c) => ({ t: c.endedMs, o: 2, go: () => shuffled.clientTryEnded(c) })),
          ].sort((x, y) => x.t - y.t || x.o - y.o);
          for (const e of events) e.go();
          const input = { series: [], tenants: {} };
          const before = shuffled.findings(input);
          expect(shuffled.findings(input)).toEqual(before);
          expect(before).toEqual(Object.values(replay.byId));
          for (const id of order) shuffled.requestSettled(id);
          expect(shuffled.openRequests).toBe(0);
          expect(shuffled.findings(input)).toEqual(Object.values(inOrder.byId));
          expect(shuffled.findings(input)).toEqual(before);
        },
      ),
    );
  });

  it("settles by itself requests the caller never settles, so a long gateway run stays flat", () => {
    const tracker = new FindingsTracker({ lanes: LANES, faults: [] });
    const staleMs = 2 * 600_000 + 60_000;
    let most = 0;
    for (let id = 0; id < 20_000; id++) {
      const at = id * 500; // two requests a second for almost three hours
      tracker.attemptStarted({ requestId: id, clientTry: 0, vendor: "v", model: "m" }, at);
      tracker.attemptEnded(attempt(id, 0, at, at + 100, { vendor: "v" }));
      tracker.clientTryEnded(clientTry(id, 0, at, at + 100));
      most = Math.max(most, tracker.openRequests);
    }
    expect(most).toBeLessThanOrEqual(staleMs / 500 + 2);
    const amplification = tracker.findings({ series: [], tenants: {} })[0]!;
    expect(amplification).toMatchObject({ id: "retryAmplification", value: 1 });
    expect(amplification.summary).toMatch(/20,000 for 20,000/);
  });

  it("lazy (the embedded router's runs): the eager verdicts, though first attempts that were answered are only started", () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 40 }), (requests) => {
        const run = build(asEmbedded(requests));
        // Both in the embedded engine's order: at one instant, an answer before its retry.
        const eager = feed({ ...run, endsFirst: true });
        const lazy = feed({ ...run, endsFirst: true, lazy: true });
        expect(lazy.byId).toEqual(eager.byId);
        expect(lazy.tracker.openRequests).toBe(0);
      }),
    );
  });
});
