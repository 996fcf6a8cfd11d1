import { describe, expect, it } from "vitest";
import { attempt, clientTry, feed } from "../test-support/findings-runs.js";
import { FINDING_IDS } from "./finding.js";
import type { VendorAttempt } from "./vendor-attempt.js";

/** n requests from `fromMs`, 100 ms apart, each with `attempts` attempts in one client try. */
function requests(n: number, fromMs: number, attempts: number, firstId = 0) {
  const all: VendorAttempt[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = fromMs + i * 100;
    for (let k = 0; k < attempts; k++)
      all.push(
        attempt(firstId + i, 0, t0 + k * 20, t0 + k * 20 + 10, {
          ...(k < attempts - 1 ? { status: 503, outcome: "overloaded" as const } : {}),
        }),
      );
  }
  return all;
}

describe("findings", () => {
  it("always lists every finding, each null and ok with a reason when there was nothing to judge", () => {
    const { byId } = feed({});
    expect(Object.keys(byId)).toEqual([...FINDING_IDS]);
    for (const f of Object.values(byId)) {
      expect(f.value).toBeNull();
      expect(f.ok).toBe(true);
      expect(f.summary.length).toBeGreaterThan(10);
    }
  });
});

describe("retryAmplification (P18)", () => {
  it("passes one attempt per request", () => {
    const f = feed({ attempts: requests(30, 0, 1) }).byId.retryAmplification!;
    expect(f).toMatchObject({ rule: "P18", ok: true, value: 1 });
  });

  it("judges the worst 10 s window by the requests' first attempt, and names the most one request caused", () => {
    const f = feed({ attempts: [...requests(30, 0, 1), ...requests(30, 20_000, 4, 100)] }).byId
      .retryAmplification!;
    expect(f.value).toBe(4);
    expect(f.ok).toBe(false);
    expect(f.summary).toMatch(/^2\.50 upstream attempts per user request/);
    expect(f.summary).toMatch(/worst 10 s window 4\.00 from 20 s/);
    expect(f.summary).toMatch(/one request caused 4 at most/);
  });

  it("counts the client's tries and the gateway's attempts together", () => {
    // Each request: the client tries twice, and the gateway tries twice each time.
    const attempts: VendorAttempt[] = [];
    for (let id = 0; id < 25; id++)
      for (const ct of [0, 1])
        for (const k of [0, 1])
          attempts.push(
            attempt(id, ct, id * 100 + ct * 50 + k * 20, id * 100 + ct * 50 + k * 20 + 5),
          );
    expect(feed({ attempts }).byId.retryAmplification!).toMatchObject({ ok: false, value: 4 });
  });

  it("judges the whole run when no window has 20 requests", () => {
    const f = feed({ attempts: [...requests(5, 0, 1), ...requests(5, 30_000, 2, 10)] }).byId
      .retryAmplification!;
    expect(f).toMatchObject({ ok: true, value: 1.5 });
    expect(f.summary).toMatch(/whole run is judged/);
  });
});

describe("sendsAfter429 (P14)", () => {
  const throttle = attempt(1, 0, 990, 1_000, {
    status: 429,
    outcome: "throttled",
    retryAfterMs: 1_000,
  });

  it("counts attempts that reached the same route inside the Retry-After, and how far in", () => {
    const f = feed({
      attempts: [
        throttle,
        attempt(2, 0, 900, 1_400), // on its way before the 429: not counted
        attempt(3, 0, 1_200, 1_300),
        attempt(4, 0, 1_500, 1_600),
        attempt(5, 0, 1_500, 1_600, { vendor: "vendor-b" }), // another route
        attempt(6, 0, 2_000, 2_100), // the wait is over
      ],
    }).byId.sendsAfter429!;
    expect(f).toMatchObject({ rule: "P14", ok: false, value: 2 });
    expect(f.summary).toMatch(/vendor-a\/m 2/);
    expect(f.summary).toMatch(/the latest came 500 ms after the 429 it ignored$/);
  });

  it("passes a gateway that waits the Retry-After out", () => {
    const f = feed({
      attempts: [
        throttle,
        attempt(3, 0, 1_200, 1_300, { vendor: "vendor-b" }),
        attempt(4, 0, 2_000, 2_100),
      ],
    }).byId.sendsAfter429!;
    expect(f).toMatchObject({ ok: true, value: 0 });
  });

  it("joins overlapping waits: the second 429 inside the first extends it", () => {
    const second = attempt(2, 0, 1_700, 1_800, {
      status: 429,
      outcome: "throttled",
      retryAfterMs: 1_000,
    });
    const f = feed({ attempts: [throttle, second, attempt(3, 0, 2_500, 2_600)] }).byId
      .sendsAfter429!;
    // 1,700 (inside the first wait) and 2,500 (inside the joined one, 1.5 s after it began).
    expect(f.value).toBe(2);
    expect(f.summary).toMatch(
      /the latest came 700 ms after the 429 it ignored, and a route was fed 1\.5 s into back-to-back waits/,
    );
  });

  it("allows a send already on its way in live mode (the grace stretches with --speed)", () => {
    const attempts = [throttle, attempt(3, 0, 1_100, 1_200)];
    expect(feed({ attempts }).byId.sendsAfter429!.value).toBe(1);
    expect(feed({ attempts, ctx: { speed: 10 } }).byId.sendsAfter429!.value).toBe(0);
  });

  it("does not excuse a send right after a second 429 when the first one's wait covers it", () => {
    const again = attempt(2, 0, 1_490, 1_500, {
      status: 429,
      outcome: "throttled",
      retryAfterMs: 1_000,
    });
    const attempts = [throttle, again, attempt(3, 0, 1_505, 1_600)];
    expect(feed({ attempts }).byId.sendsAfter429!.value).toBe(2);
  });
});

/** Client tries of two attempts each: a 429, then a retry `gap(i)` ms after it. */
function retriesWithGaps(n: number, gap: (i: number) => number, retryAfterMs?: number) {
  const attempts: VendorAttempt[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = i * 10_000;
    attempts.push(
      attempt(i, 0, t0, t0 + 10, {
        status: 429,
        outcome: "throttled",
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      }),
    );
    attempts.push(attempt(i, 0, t0 + 10 + gap(i), t0 + 20 + gap(i)));
  }
  return attempts;
}

describe("retryJitter (P18)", () => {
  it("fails retries that all wait one fixed delay", () => {
    const f = feed({ attempts: retriesWithGaps(12, (i) => 1_000 + (i % 3)) }).byId.retryJitter!;
    expect(f).toMatchObject({ rule: "P18", ok: false, value: 1 });
    expect(f.summary).toMatch(/1st retry: 12 of 12 waits at 100\d ms/);
  });

  it("passes retries with jittered waits", () => {
    const f = feed({ attempts: retriesWithGaps(12, (i) => 200 + i * 97) }).byId.retryJitter!;
    expect(f).toMatchObject({ ok: true, value: 0 });
  });

  it("judges each ordinal by itself: a fixed 2nd retry fails even when the 1st is jittered", () => {
    const attempts: VendorAttempt[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = i * 10_000;
      const g = 300 + i * 53;
      attempts.push(attempt(i, 0, t0, t0 + 10, { status: 503, outcome: "overloaded" }));
      attempts.push(
        attempt(i, 0, t0 + 10 + g, t0 + 20 + g, { status: 503, outcome: "overloaded" }),
      );
      attempts.push(attempt(i, 0, t0 + 20 + g + 2_000, t0 + 30 + g + 2_000));
    }
    const f = feed({ attempts }).byId.retryJitter!;
    expect(f.ok).toBe(false);
    expect(f.value).toBe(0.5);
    expect(f.summary).toMatch(/2nd retry/);
    expect(f.summary).not.toMatch(/1st retry/);
  });

  it("leaves immediate failovers out, and is null with fewer than 10 waits", () => {
    expect(feed({ attempts: retriesWithGaps(30, () => 3) }).byId.retryJitter!.value).toBeNull();
    expect(feed({ attempts: retriesWithGaps(9, () => 1_000) }).byId.retryJitter!.value).toBeNull();
  });
});

describe("retryAfterEdge (P18)", () => {
  const zero = { status: 429, outcome: "throttled" as const, retryAfterMs: 0 };

  it("fails a hot loop: three immediate resends in a row to the route that said Retry-After 0", () => {
    const attempts = [0, 12, 24, 36].map((t) => attempt(1, 0, t, t + 10, zero));
    const f = feed({ attempts }).byId.retryAfterEdge!;
    expect(f).toMatchObject({ rule: "P18", ok: false, value: 1 });
    expect(f.summary).toMatch(/1 resent at once 3\+ times/);
  });

  it("passes a try that backs off after a Retry-After 0, or moves to another route", () => {
    const backs = [0, 510, 1_020, 1_530].map((t) => attempt(1, 0, t, t + 10, zero));
    expect(feed({ attempts: backs }).byId.retryAfterEdge!).toMatchObject({ ok: true, value: 0 });
    const moves = [0, 12, 24, 36].map((t, i) =>
      attempt(2, 0, t, t + 10, { ...zero, vendor: i % 2 ? "vendor-b" : "vendor-a" }),
    );
    expect(feed({ attempts: moves }).byId.retryAfterEdge!.value).toBe(0);
  });

  const long = { status: 429, outcome: "throttled" as const, retryAfterMs: 120_000 };

  it("fails a try held over 60 s by a Retry-After of 120 s (by its next attempt, or its end)", () => {
    const waited = [attempt(1, 0, 0, 10, long), attempt(1, 0, 70_010, 70_100)];
    expect(feed({ attempts: waited }).byId.retryAfterEdge!).toMatchObject({ ok: false, value: 1 });
    const heldToEnd = feed({
      attempts: [attempt(2, 0, 0, 10, long)],
      tries: [clientTry(2, 0, 0, 61_000, { status: 429, end: "error-status" })],
    }).byId.retryAfterEdge!;
    expect(heldToEnd).toMatchObject({ ok: false, value: 1 });
    expect(heldToEnd.summary).toMatch(/1 held over 60 s/);
  });

  it("passes a try that moves on at once after a Retry-After of 120 s", () => {
    const f = feed({
      attempts: [attempt(1, 0, 0, 10, long), attempt(1, 0, 15, 100, { vendor: "vendor-b" })],
      tries: [clientTry(1, 0, 0, 100)],
    }).byId.retryAfterEdge!;
    expect(f).toMatchObject({ ok: true, value: 0 });
  });

  it("judges a try still held when the run ends by how long it has been held", () => {
    const attempts = [attempt(1, 0, 0, 10, long), attempt(9, 0, 90_000, 90_010)];
    expect(feed({ attempts, settle: false }).byId.retryAfterEdge!.value).toBe(1);
  });

  it("is null when no 429 carried an edge Retry-After", () => {
    const attempts = [attempt(1, 0, 0, 10, { ...long, retryAfterMs: 30_000 })];
    expect(feed({ attempts }).byId.retryAfterEdge!.value).toBeNull();
  });
});

describe("cutStream", () => {
  const cut = attempt(1, 0, 0, 500, { status: 200, outcome: "reset", stream: true });
  const run = (end: "complete" | "truncated" | "transport", more: VendorAttempt[] = []) =>
    feed({
      attempts: [cut, ...more],
      tries: [clientTry(1, 0, 0, 1_000, { end, stream: true })],
    }).byId.cutStream!;

  it("passes a cut stream failed over to a whole answer", () => {
    const f = run("complete", [attempt(1, 0, 510, 900, { vendor: "vendor-b", stream: true })]);
    expect(f).toMatchObject({ ok: true, value: 0 });
    expect(f.summary).toMatch(/1 failed over/);
  });

  it("fails a cut delivered as a clean success without the end marker", () => {
    const f = run("truncated");
    expect(f).toMatchObject({ ok: false, value: 1 });
    expect(f.summary).toMatch(/1 delivered cut as a clean success/);
  });

  it("fails a cut not failed over (an error reached the user)", () => {
    const f = run("transport");
    expect(f).toMatchObject({ ok: false, value: 1 });
    expect(f.summary).toMatch(/1 not failed over/);
  });

  it("counts the vendor's error event after a 200 as a cut too", () => {
    const f = feed({
      attempts: [attempt(1, 0, 0, 500, { outcome: "stream-cut", stream: true })],
      tries: [clientTry(1, 0, 0, 600, { end: "truncated", stream: true })],
    }).byId.cutStream!;
    expect(f.value).toBe(1);
  });
});

describe("silentUpstream (P9)", () => {
  const stall = (at: number, until: number, more: Partial<VendorAttempt> = {}) =>
    attempt(1, 0, at, until, { status: 0, outcome: "stalled", ...more });

  it("passes a try that leaves a stalled vendor at the lane's timeout", () => {
    const f = feed({
      attempts: [stall(0, 10_000), attempt(1, 0, 10_050, 10_500, { vendor: "vendor-b" })],
      tries: [clientTry(1, 0, 0, 10_500)],
    }).byId.silentUpstream!;
    expect(f).toMatchObject({ rule: "P9", ok: true, value: 10_000 });
  });

  it("fails a try held on a stalled vendor past the lane's timeout", () => {
    const f = feed({
      attempts: [stall(0, 30_000)],
      tries: [clientTry(1, 0, 0, 30_000, { status: 0, end: "timeout" })],
    }).byId.silentUpstream!;
    expect(f).toMatchObject({ ok: false, value: 30_000 });
    expect(f.summary).toMatch(/1 held past their lane's timeout/);
  });

  it("judges by the try's lane: 30 s is within the background timeout", () => {
    const f = feed({
      attempts: [stall(0, 30_000)],
      tries: [clientTry(1, 0, 0, 30_000, { lane: "background", status: 0, end: "timeout" })],
    }).byId.silentUpstream!;
    expect(f).toMatchObject({ ok: true, value: 30_000 });
  });

  it("counts the hold only until the try moved on (a hedge) or ended", () => {
    const hedged = feed({
      attempts: [stall(0, 30_000), attempt(1, 0, 2_000, 2_500, { vendor: "vendor-b" })],
      tries: [clientTry(1, 0, 0, 2_500)],
    }).byId.silentUpstream!;
    expect(hedged).toMatchObject({ ok: true, value: 2_000 });
    const gaveUp = feed({
      attempts: [stall(0, 30_000)],
      tries: [clientTry(1, 0, 0, 5_000, { status: 0, end: "timeout" })],
    }).byId.silentUpstream!;
    expect(gaveUp.value).toBe(5_000);
  });

  it("judges a stall that ends after its request settled by the try's end", () => {
    // The engine settles at the client's end; the gateway hangs up on the vendor later.
    const f = feed({
      attempts: [stall(0, 40_000)],
      tries: [clientTry(1, 0, 0, 25_000, { status: 0, end: "timeout" })],
      settleAt: { 1: 25_000 },
    });
    expect(f.tracker.openRequests).toBe(0);
    expect(f.byId.silentUpstream!).toMatchObject({ ok: false, value: 25_000 });
  });

  it("judges a stall with no request id by the longest lane timeout", () => {
    const run = (until: number) =>
      feed({ attempts: [stall(0, until, { requestId: undefined, clientTry: undefined })] }).byId
        .silentUpstream!;
    expect(run(100_000).ok).toBe(true);
    expect(run(130_000).ok).toBe(false);
  });
});

describe("a gateway that drops the request-id header", () => {
  it("leaves the per-request findings unjudged, saying why, while sends inside a Retry-After still count", () => {
    // Ten requests, each retried on vendor-a three times 1 s apart, inside a 429's 30 s wait.
    const attempts: VendorAttempt[] = [
      attempt(undefined, undefined, 0, 10, {
        status: 429,
        outcome: "throttled",
        retryAfterMs: 30_000,
      }),
    ];
    for (let r = 0; r < 10; r++)
      for (let k = 0; k < 3; k++) {
        const t = 1_000 + r * 5_000 + k * 1_000;
        attempts.push(
          attempt(undefined, undefined, t, t + 10, { status: 500, outcome: "server-error" }),
        );
      }
    const { byId } = feed({ attempts });
    for (const id of ["retryAmplification", "retryJitter", "retryAfterEdge", "cutStream"]) {
      expect(byId[id], id).toMatchObject({ ok: true, value: null });
      expect(byId[id]!.summary, id).toMatch(
        /not judged: 31 of 31 attempts .*x-gw-chaos-request-id/,
      );
    }
    expect(byId.sendsAfter429).toMatchObject({ ok: false });
    expect(byId.sendsAfter429!.value).toBeGreaterThan(0);
  });

  it("is judged as usual when most attempts carry it", () => {
    const attempts = [
      attempt(1, 0, 0, 10),
      attempt(2, 0, 20, 30),
      attempt(undefined, undefined, 40, 50),
    ];
    const { byId } = feed({ attempts, tries: [clientTry(1, 0, 0, 10), clientTry(2, 0, 20, 30)] });
    expect(byId.retryAmplification!.summary).not.toMatch(/not judged/);
  });
});
