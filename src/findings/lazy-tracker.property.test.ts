import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attempt, clientTry, feed } from "../test-support/findings-runs.js";
import type { ClientTryRecord } from "./findings-sink.js";
import type { VendorAttempt, VendorOutcome } from "./vendor-attempt.js";

const FAILURES: [VendorOutcome, number][] = [
  ["throttled", 429],
  ["overloaded", 503],
  ["stalled", 0],
  ["reset", 200],
  ["stream-cut", 200],
  ["refused", 0],
];

/** One attempt of an embedded run: answered, or one of the failures, after a wait. */
const attemptArb = fc.record({
  failure: fc.option(fc.integer({ min: 0, max: FAILURES.length - 1 }), { freq: 2 }),
  vendor: fc.constantFrom("vendor-a", "vendor-b"),
  waitMs: fc.constantFrom(0, 5, 80, 1_000),
  lengthMs: fc.integer({ min: 1, max: 40_000 }),
  retryAfterMs: fc.constantFrom(undefined, 0, 1_000, 120_000),
});
const requestArb = fc.record({
  startMs: fc.integer({ min: 0, max: 600_000 }),
  tries: fc.array(fc.array(attemptArb, { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 3,
  }),
  end: fc.constantFrom("error-status", "transport", "timeout"),
});

type PlannedRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Runs as the embedded router makes them: attempts one after another; an answered
 * attempt completes its try and the request; a try that never got an answer ends
 * with an error, and the client may try again.
 */
function build(requests: PlannedRequest[]) {
  const attempts: VendorAttempt[] = [];
  const tries: ClientTryRecord[] = [];
  requests.forEach((r, id) => {
    let t = r.startMs;
    for (const [ct, planned] of r.tries.entries()) {
      const sent = t;
      let answered = false;
      for (const a of planned) {
        const [outcome, status] =
          a.failure === null ? (["ok", 200] as const) : FAILURES[a.failure]!;
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
        if (outcome === "ok") {
          answered = true;
          break;
        }
      }
      tries.push(clientTry(id, ct, sent, t, { end: answered ? "complete" : r.end }));
      t += 1_000;
      if (answered) break;
    }
  });
  return { attempts, tries };
}

describe("the lazy tracker (the embedded router's runs)", () => {
  it("gives the verdicts the eager one gives, though first attempts that were answered are only started", () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 40 }), (requests) => {
        const run = build(requests);
        // Both in the embedded engine's order: at one instant, an answer before its retry.
        const eager = feed({ ...run, endsFirst: true });
        const lazy = feed({ ...run, endsFirst: true, lazy: true });
        expect(lazy.byId).toEqual(eager.byId);
        expect(lazy.tracker.openRequests).toBe(0);
      }),
    );
  });
});
