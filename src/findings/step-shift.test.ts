import { describe, expect, it } from "vitest";
import type { SeriesRow } from "../metrics/recorder.js";
import type { FindingsContext } from "./finding.js";
import { stepShift } from "./step-shift.js";

/** Per-second rows: `shareA(t)` of `rate` sends a second go to vendor-a, the rest to vendor-b. */
function series(seconds: number, rate: number, shareA: (t: number) => number): SeriesRow[] {
  const rows: SeriesRow[] = [];
  for (let t = 1; t <= seconds; t++) {
    const a = Math.round(rate * shareA(t));
    const route = (sends: number) => ({
      sends,
      throttled: 0,
      errors: 0,
      tokens: 0,
      served: sends,
      share: sends / rate,
    });
    rows.push({ t, lanes: {}, routes: { "vendor-a/m": route(a), "vendor-b/m": route(rate - a) } });
  }
  return rows;
}

const outage: FindingsContext["faults"] = [
  { vendor: "vendor-a", kind: "outage", startMs: 60_000, endMs: 180_000 },
];
/** vendor-a's share: all before the fault, none during it, then `back(seconds since its end)`. */
const around = (back: (s: number) => number) => (t: number) =>
  t <= 60 ? 1 : t <= 180 ? 0 : back(t - 180);
/** The playbook's steps back: 10%, 25%, 50%, then all, ten seconds each. */
const stepped = (s: number) => (s <= 10 ? 0.1 : s <= 20 ? 0.25 : s <= 30 ? 0.5 : 1);

describe("stepShift (P17)", () => {
  it("reads a gateway run's vendor shares without the harness's own requests to the gateway", () => {
    // Each second the harness sends as many requests to gateway/chat as the vendors see.
    const rows = series(
      300,
      40,
      around(() => 1),
    ).map((row) => ({
      ...row,
      routes: {
        ...row.routes,
        "gateway/chat": { sends: 40, throttled: 0, errors: 0, tokens: 0, served: 40, share: 0 },
      },
    }));
    const f = stepShift(rows, outage);
    expect(f.ok).toBe(false);
    expect(f.value).toBeGreaterThan(0.9);
    expect(f.summary).toMatch(/vendor-a\/m rose by 1\.00/);
  });

  it("fails a route that takes all its traffic back the second its fault ends", () => {
    const f = stepShift(
      series(
        300,
        40,
        around(() => 1),
      ),
      outage,
    );
    expect(f).toMatchObject({ rule: "P17", ok: false });
    expect(f.value).toBeGreaterThan(0.9);
    expect(f.summary).toMatch(
      /vendor-a\/m rose by 1\.00 of all sends at 180 s \(as its fault ended/,
    );
  });

  it("passes a route brought back in steps of at most half", () => {
    const f = stepShift(series(300, 40, around(stepped)), outage);
    expect(f.ok).toBe(true);
    expect(f.value).toBeLessThanOrEqual(0.5);
    expect(f.summary).toMatch(/rose by 0\.50 of all sends at 210 s/);
  });

  it("reads a share over enough sends at low rates, so stepping at 5 a second is not a jump, but a jump still is", () => {
    // At 5 sends a second a 0.5 step can read as 0.2 one second and 0.8 the next.
    const noisy = (s: number) => (s <= 20 || s > 30 ? stepped(s) : s % 2 ? 0.2 : 0.8);
    expect(stepShift(series(300, 5, around(noisy)), outage).ok).toBe(true);
    expect(
      stepShift(
        series(
          300,
          5,
          around(() => 1),
        ),
        outage,
      ).ok,
    ).toBe(false);
  });

  it("does not judge traffic leaving a route that went down (P14), but does one a slow route loses at once", () => {
    const leaves = series(300, 40, around(stepped));
    expect(stepShift(leaves, outage).ok).toBe(true);
    const slow = [{ ...outage[0]!, kind: "latency" }];
    const f = stepShift(leaves, slow);
    expect(f.ok).toBe(false);
    expect(f.summary).toMatch(/vendor-b\/m rose by 1\.00 of all sends at 60 s \(as a fault began/);
  });

  it("matches a fault on one model to that route only", () => {
    const other = [{ ...outage[0]!, model: "other" }];
    expect(
      stepShift(
        series(
          300,
          40,
          around(() => 1),
        ),
        other,
      ).value,
    ).toBeNull();
  });

  it("is null without faults, or without sends around them", () => {
    expect(
      stepShift(
        series(300, 40, () => 1),
        [],
      ).value,
    ).toBeNull();
    expect(
      stepShift(
        series(300, 0, () => 1),
        outage,
      ),
    ).toMatchObject({ ok: true, value: null });
  });
});
