/**
 * Go's time.Duration text, as OpenAI's x-ratelimit-reset-* headers carry it:
 * "1s", "6m0s", "12ms", "4m12.172s", "1h2m3s".
 */
export function formatGoDuration(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1000) return `${trim(ms, 0)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secondsText = `${trim(seconds, 3)}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

/** Milliseconds of a Go duration; undefined when the text is not one. */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(trimmed)) return undefined;
  const unitMs: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 1e-3,
    µs: 1e-3,
    ns: 1e-6,
  };
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(match[1]) * unitMs[match[2]!]!;
  }
  return total;
}

function trim(value: number, decimals: number): string {
  return Number(value.toFixed(decimals)).toString();
}
