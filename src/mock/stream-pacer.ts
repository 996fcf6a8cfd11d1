import type { Scheduler } from "../clock/clock.js";
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
 * streams). Each tick writes, in one write per stream, the tokens due by the middle
 * of the interval to come: a token then leaves at most half a tick from its time,
 * early or late, rather than up to a whole tick late (on average half a tick, for
 * every token and every stream's end). A stream due whole within that (a fast
 * vendor's short answer) goes out in one write, as that vendor's would, not half
 * now and the rest a tick later.
 */
export class StreamPacer {
  /** Open streams by number, in the order they opened (not a Set: see IdMap on why). */
  private readonly streams = new IdMap<PacedStream>();
  private nextId = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Half a tick, in scenario ms: how far ahead of now a write reaches. */
  private readonly aheadMs: number;

  constructor(
    /** Scenario time; one that runs on the wall clock says how fast (toWallMs), else 1x. */
    private readonly clock: Pick<Scheduler, "now" | "toWallMs">,
    private readonly frameFor: (stream: PacedStream, index: number) => string,
    private readonly tickWallMs = 5,
  ) {
    const scenarioMsPerWallMs = clock.toWallMs ? 1 / clock.toWallMs(1) : 1;
    this.aheadMs = (tickWallMs / 2) * scenarioMsPerWallMs;
  }

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
    // The first token goes when the stream is added, which is when it is due (the
    // mock adds a stream within half a millisecond of that, as a timer would be late).
    const due = Math.min(
      stream.totalTokens,
      1 + Math.floor(((now + this.aheadMs - stream.startMs) * stream.tokensPerSecond) / 1000),
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
