import type { Scheduler } from "../clock/clock.js";
import { generationMs } from "../vendor/latency-model.js";
import { tooLargeMessage, type VendorModel } from "../vendor/vendor-model.js";
import { formatFor } from "../vendor/wire/formats.js";
import { type Attempt, type AttemptResult, NO_USAGE, type Upstream } from "./upstream.js";

/** Sim mode has no wall clock: absolute times in headers count from this fixed instant. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Sim mode's way to a vendor: the same VendorModel the mock servers use, called
 * in virtual time, with the same headers the wire format would send, and the
 * same faults: an outage fails the connection, a stall never answers, a cut
 * stream breaks off after its tokens.
 */
export class SimUpstream implements Upstream {
  constructor(
    private readonly vendors: ReadonlyMap<string, VendorModel>,
    private readonly scheduler: Scheduler,
  ) {}

  send(attempt: Attempt, onDone: (result: AttemptResult) => void): () => void {
    const now = this.scheduler.now();
    const vendor = this.vendors.get(attempt.vendor);
    if (!vendor) throw new Error(`no vendor model for "${attempt.vendor}"`);
    const format = formatFor(vendor.spec.format);
    const admission = vendor.admit(
      {
        model: attempt.model,
        promptTokens: attempt.promptTokens,
        maxTokens: attempt.maxTokens,
        completionHint: attempt.completionHint,
      },
      now,
    );
    if (admission.kind === "outage") {
      return this.scheduler.at(now, () =>
        onDone({ status: 0, headers: {}, transport: "connection", usage: NO_USAGE }),
      );
    }
    if (admission.kind !== "serve") {
      const response =
        admission.kind === "too-large"
          ? format.invalidRequest(tooLargeMessage(admission))
          : format.refusal(admission, SIM_EPOCH_MS + now);
      return this.scheduler.at(now, () =>
        onDone({
          status: response.status,
          headers: response.headers,
          usage: NO_USAGE,
          epochMs: SIM_EPOCH_MS + now,
        }),
      );
    }
    if (admission.stall) {
      // Never answers; the caller's timeout ends it, and then the vendor stops too.
      return () => vendor.finish(attempt.model, 0, this.scheduler.now());
    }

    const headers = format.budgetHeaders(admission.budget, SIM_EPOCH_MS + now);
    const firstTokenMs = now + admission.ttftMs;
    const { cut } = admission;
    const tokens = cut
      ? Math.min(cut.afterTokens, admission.completionTokens)
      : admission.completionTokens;
    const doneMs = firstTokenMs + generationMs(tokens, admission.tokensPerSecond);
    const result = this.resultOf(attempt.stream, cut?.how, headers, {
      prompt: admission.promptTokens,
      completion: tokens,
    });
    if (attempt.stream && tokens > 0) result.firstTokenMs = firstTokenMs;
    result.epochMs = SIM_EPOCH_MS + doneMs;
    const cancel = this.scheduler.at(doneMs, () => {
      vendor.finish(attempt.model, tokens, doneMs);
      onDone(result);
    });
    // A caller that gives up (its timeout) closes the connection: the vendor stops
    // generating and bills what it produced until then.
    return () => {
      cancel();
      const t = this.scheduler.now();
      const produced =
        t < firstTokenMs
          ? 0
          : Math.min(
              tokens,
              1 + Math.floor(((t - firstTokenMs) * admission.tokensPerSecond) / 1000),
            );
      vendor.finish(attempt.model, produced, t);
    };
  }

  /**
   * What the caller sees of a served answer, as the mock would show it: whole; a
   * stream cut short (after its 200); or, unstreamed, a dropped connection or a 500.
   */
  private resultOf(
    stream: boolean,
    cut: "reset" | "stream-error" | undefined,
    headers: Record<string, string>,
    usage: AttemptResult["usage"],
  ): AttemptResult {
    if (cut === undefined) return { status: 200, headers, usage };
    if (stream) return { status: 200, headers, usage, transport: "stream-error" };
    if (cut === "reset")
      return { status: 0, headers: {}, transport: "connection", usage: NO_USAGE };
    return { status: 500, headers, usage: NO_USAGE };
  }

  async close(): Promise<void> {}
}
