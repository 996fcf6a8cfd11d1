import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "./go-duration.js";

describe("Go durations (OpenAI's x-ratelimit-reset-*)", () => {
  it.each([
    [120, "120ms"],
    [1000, "1s"],
    [2500, "2.5s"],
    [360_000, "6m0s"],
    [252_172, "4m12.172s"],
    [3_723_000, "1h2m3s"],
    [0, "0s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it.each([
    ["12ms", 12],
    ["1s", 1000],
    ["6m0s", 360_000],
    ["4m12.172s", 252_172],
    ["1h2m3s", 3_723_000],
    ["0", 0],
  ])("parses %s as %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms);
  });

  it("rejects text that is not a duration", () => {
    expect(parseGoDuration("soon")).toBeUndefined();
    expect(parseGoDuration("12")).toBeUndefined();
  });

  it("rejects broken numbers and units", () => {
    for (const text of ["", "s", "1.s", ".5s", "1x", "1m2", "1..2s", "1s ms", "-1s"])
      expect(parseGoDuration(text)).toBeUndefined();
  });

  it("reads back what it writes, to the millisecond, for any span up to a day", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 86_400_000, noNaN: true }), (ms) => {
        expect(parseGoDuration(formatGoDuration(ms))).toBe(Math.round(ms));
      }),
    );
  });
});
