/**
 * Durations in files are written the way people say them: "250ms", "2s", "1.5m",
 * "1h30m", or a bare number of milliseconds. Points in time inside a scenario may
 * also be a share of the scenario's duration ("30%"), so a drill keeps its shape
 * when --set duration=1h stretches it.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
export const TIME_PATTERN = /^((\d+(\.\d+)?(ms|s|m|h))+|\d+(\.\d+)?%)$/;

export type DurationInput = number | string;

/** Milliseconds of a duration; the input must already match DURATION_PATTERN. */
export function parseDuration(input: DurationInput): number {
  if (typeof input === "number") return input;
  let total = 0;
  for (const match of input.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}

/** Scenario milliseconds of a point or span that may be a share of the duration. */
export function resolveTime(input: DurationInput, scenarioDurationMs: number): number {
  if (typeof input === "string" && input.endsWith("%")) {
    return (Number(input.slice(0, -1)) / 100) * scenarioDurationMs;
  }
  return parseDuration(input);
}

/** "1m30s" style text for people (tables, progress line). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || (!h && !m) ? `${s}s` : ""].join("");
}
