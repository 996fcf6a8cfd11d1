/**
 * Go's time.Duration text, as OpenAI's x-ratelimit-reset-* headers carry it:
 * "1s", "6m0s", "12ms", "4m12.172s", "1h2m3s". Both directions run once per
 * answer in a run, so neither uses regular expressions or toFixed.
 */
export function formatGoDuration(ms: number): string {
  if (ms <= 0) return "0s";
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  // Whole milliseconds over 1000 print as the shortest decimal: "12.172", "5".
  const secondsText = `${(whole % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

const CODE_0 = 48;
const CODE_DOT = 46;

/** Milliseconds of a Go duration; undefined when the text is not one. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (s.length === 0) return undefined;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    // A number: digits, then an optional fraction, read as they come (no substrings).
    let whole = 0;
    const start = i;
    for (let d = digitAt(s, i); d >= 0; d = digitAt(s, ++i)) whole = whole * 10 + d;
    if (i === start) return undefined;
    let fraction = 0;
    let scale = 1;
    if (s.charCodeAt(i) === CODE_DOT) {
      const from = ++i;
      for (let d = digitAt(s, i); d >= 0; d = digitAt(s, ++i)) {
        fraction = fraction * 10 + d;
        scale *= 10;
      }
      if (i === from) return undefined;
    }
    // Its unit: the longest that fits ("ms" before "m").
    const unitMs = unitAt(s, i);
    if (unitMs === undefined) return undefined;
    // (whole and fraction apart: "4.172s" is exactly 4172 ms, as Number() would read it)
    total += whole * unitMs[0] + (fraction * unitMs[0]) / scale;
    i += unitMs[1];
  }
  return total;
}

/** The digit at i, or -1. */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - CODE_0;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Milliseconds per unit and the unit's length, for the unit starting at i. */
function unitAt(s: string, i: number): readonly [number, number] | undefined {
  const c = s[i];
  const next = s[i + 1];
  if (c === "h") return HOUR;
  if (c === "m") return next === "s" ? MILLI : MINUTE;
  if (c === "s") return SECOND;
  if ((c === "u" || c === "µ") && next === "s") return MICRO;
  if (c === "n" && next === "s") return NANO;
  return undefined;
}

const HOUR = [3_600_000, 1] as const;
const MINUTE = [60_000, 1] as const;
const SECOND = [1000, 1] as const;
const MILLI = [1, 2] as const;
const MICRO = [1e-3, 2] as const;
const NANO = [1e-6, 2] as const;
