import { count, type Finding } from "./finding.js";
import type { TryState } from "./open-request.js";

interface CutTally {
  failedOver: number;
  truncated: number;
  notFailedOver: number;
}

/**
 * A stream cut mid-answer (the connection reset, or the vendor's error event after
 * its 200) must reach the user either as a whole answer from another attempt or
 * as an error — never as a clean close without the end marker, which a client
 * takes for a short but complete answer. Judged per client try once it is settled.
 */
export class CutStream {
  private tally: CutTally = { failedOver: 0, truncated: 0, notFailedOver: 0 };

  close(t: TryState, tally: CutTally = this.tally): void {
    if (!t.cut || t.end === undefined) return;
    if (t.end === "complete") tally.failedOver++;
    else if (t.end === "truncated") tally.truncated++;
    else tally.notFailedOver++;
  }

  snapshot(): { tally: CutTally; finding: () => Finding } {
    const tally = { ...this.tally };
    return { tally, finding: () => this.finding(tally) };
  }

  private finding(tally: CutTally): Finding {
    const base = { id: "cutStream", rule: "stream" };
    const cuts = tally.failedOver + tally.truncated + tally.notFailedOver;
    if (cuts === 0)
      return { ...base, ok: true, value: null, summary: "no answer was cut mid-stream" };
    const bad = tally.truncated + tally.notFailedOver;
    return {
      ...base,
      ok: bad === 0,
      value: bad,
      summary:
        `${count(cuts)} client tries had an answer cut at the vendor: ${count(tally.failedOver)} failed over to a whole answer, ` +
        `${count(tally.truncated)} delivered cut as a clean success (no end marker), ${count(tally.notFailedOver)} not failed over (an error to the user)`,
    };
  }
}
