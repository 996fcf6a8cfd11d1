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
const CODE_9 = 57;
const CODE_DOT = 46;

/** Milliseconds of a Go duration; undefined when the text is not one. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (s.length === 0) return undefined;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    // A number: digits, then an optional fraction.
    const start = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === start) return undefined;
    if (s.charCodeAt(i) === CODE_DOT) {
      i++;
      const fraction = i;
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      if (i === fraction) return undefined;
    }
    const value = Number(s.slice(start, i));
    // Its unit: the longest that fits (ms before m).
    const unit = UNITS.find(([name]) => s.startsWith(name, i));
    if (!unit) return undefined;
    total += value * unit[1];
    i += unit[0].length;
  }
  return total;
}

/** Longer names first, so "ms" is not read as "m" then "s". */
const UNITS: readonly (readonly [string, number])[] = [
  ["ms", 1],
  ["us", 1e-3],
  ["µs", 1e-3],
  ["ns", 1e-6],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

function isDigit(code: number): boolean {
  return code >= CODE_0 && code <= CODE_9;
}
