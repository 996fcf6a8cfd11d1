import type { ClientTryRecord, FindingsSink } from "../findings/findings-sink.js";
import type { VendorAttempt } from "../findings/vendor-attempt.js";

/**
 * The client side of a gateway run, kept until the run ends: each client try's end as
 * the harness saw it. The vendor side (the mocks' log) only comes back at the end, so
 * the findings hear both then, merged in time order (replayGatewayRun).
 */
export class ClientTryLog implements FindingsSink {
  readonly tries: ClientTryRecord[] = [];

  attemptStarted(): void {}
  attemptEnded(): void {}
  clientTryEnded(t: ClientTryRecord): void {
    this.tries.push(t);
  }
  requestSettled(): void {}
}

/**
 * Tells the findings what happened in a gateway run, in time order: each attempt's
 * start and end as the vendors logged them, and each client try's end as the
 * harness saw it. At one instant, starts come first, then the vendors' ends, then
 * the client's (the gateway hears its vendor before its client hears it).
 */
export function replayGatewayRun(
  sink: FindingsSink,
  tries: readonly ClientTryRecord[],
  attempts: readonly VendorAttempt[],
): void {
  type Event =
    | { t: number; order: 0; a: VendorAttempt }
    | { t: number; order: 1; a: VendorAttempt }
    | { t: number; order: 2; c: ClientTryRecord };
  const events: Event[] = [];
  for (const a of attempts) {
    events.push({ t: a.receivedMs, order: 0, a }, { t: a.endedMs, order: 1, a });
  }
  for (const c of tries) events.push({ t: c.endedMs, order: 2, c });
  events.sort((x, y) => x.t - y.t || x.order - y.order);
  for (const e of events) {
    if (e.order === 0) {
      const { requestId, clientTry, vendor, model, receivedMs } = e.a;
      sink.attemptStarted({ requestId, clientTry, vendor, model }, receivedMs);
    } else if (e.order === 1) sink.attemptEnded(e.a);
    else sink.clientTryEnded(e.c);
  }
}
