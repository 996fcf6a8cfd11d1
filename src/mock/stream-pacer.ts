import type { Clock } from "../clock/clock.js";
import { IdMap } from "../collections/id-map.js";

/** One streamed answer being written out token by token. */
export interface PacedStream {
  /** Scenario ms of the first token. */
  startMs: number;
  tokensPerSecond: number;
  totalTokens: number;
  sent: number;
  /** The pacer's number for it while it is open (set by add; -1 before). */
  pacerId: number;
  /** Writes the given frames; returns nothing. */
  write(text: string): void;
  /** Writes the last frames due (text) and the closing frames, and ends the response. */
  finish(text: string): void;
}

/**
 * Paces every open stream of a server from one shared interval, not a timer per
 * chunk (PERFORMANCE.md: per-chunk timers drift badly past a few hundred
 * streams). Each tick writes the tokens that have come due, in one write per stream.
 */
export class StreamPacer {
  /** Open streams by number, in the order they opened (not a Set: see IdMap on why). */
  private readonly streams = new IdMap<PacedStream>();
  private nextId = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly frameFor: (stream: PacedStream, index: number) => string,
    private readonly tickWallMs = 5,
  ) {}

  get open(): number {
    return this.streams.size;
  }

  add(stream: PacedStream): void {
    stream.pacerId = this.nextId++;
    this.streams.set(stream.pacerId, stream);
    this.flush(stream, this.clock.now());
    if (this.streams.has(stream.pacerId) && !this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickWallMs);
      this.timer.unref();
    }
  }

  /** Forgets a stream whose client went away. */
  remove(stream: PacedStream): void {
    this.streams.delete(stream.pacerId);
    this.stopIfIdle();
  }

  close(): void {
    this.streams.clear();
    this.stopIfIdle();
  }

  private tick(): void {
    const now = this.clock.now();
    for (const stream of this.streams.values()) this.flush(stream, now);
    this.stopIfIdle();
  }

  private flush(stream: PacedStream, now: number): void {
    const due = Math.min(
      stream.totalTokens,
      1 + Math.floor(((now - stream.startMs) * stream.tokensPerSecond) / 1000),
    );
    let text = "";
    if (due > stream.sent) {
      for (let i = stream.sent; i < due; i++) text += this.frameFor(stream, i);
      stream.sent = due;
    }
    if (stream.sent >= stream.totalTokens) {
      // The last frames and the end go out in one write.
      this.streams.delete(stream.pacerId);
      stream.finish(text);
    } else if (text !== "") {
      stream.write(text);
    }
  }

  private stopIfIdle(): void {
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
