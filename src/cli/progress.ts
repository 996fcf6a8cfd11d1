import type { SecondSnapshot } from "../run/engine.js";
import { formatDuration } from "../scenario/duration.js";
import type { Io } from "./io.js";

/** How often, in wall ms, the progress line is redrawn on a terminal and printed elsewhere. */
const TTY_EVERY_MS = 250;
const PLAIN_EVERY_MS = 10_000;

/**
 * The live progress line of a run: redrawn in place on a terminal, a plain line
 * every ten seconds when not a TTY or under CI. It only listens to the engine's
 * per-second snapshots and writes strings.
 */
export class ProgressLine {
  private lastWall = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly inPlace: boolean;

  constructor(private readonly io: Io) {
    this.inPlace = Boolean(io.stderr.isTTY) && io.env.CI === undefined;
  }

  update(s: SecondSnapshot): void {
    const wall = this.io.now();
    if (wall - this.lastWall < (this.inPlace ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
    this.lastWall = wall;
    const line = formatProgress(s);
    if (this.inPlace) {
      this.io.stderr.write(`\r\x1b[K${line}`);
      this.drawn = true;
    } else {
      this.io.stderr.write(`${line}\n`);
    }
  }

  /** Clears the in-place line before the report is printed. */
  done(): void {
    if (this.drawn) this.io.stderr.write("\r\x1b[K");
  }
}

/**
 * One progress line: scenario time, arrivals this second, the top lane's p95 so far,
 * what is in flight and waiting, 429s, and the faults under way.
 */
export function formatProgress(s: SecondSnapshot): string {
  const share = Math.min(1, s.t / s.durationMs);
  const p95 = s.p95 === null ? "-" : `${Math.round(s.p95)}ms`;
  const faults = s.activeFaults.length > 0 ? ` · fault: ${s.activeFaults.join(", ")}` : "";
  return (
    `[${formatDuration(s.t)} / ${formatDuration(s.durationMs)} ${(share * 100).toFixed(0).padStart(3)}%] ` +
    `${s.arrivals} req/s · ${s.lane} p95 ${p95} · requests ${s.generated} · done ${s.settled} · ` +
    `in flight ${s.inFlight} · waiting ${s.waiting} · 429s ${s.throttled}${faults}`
  );
}
