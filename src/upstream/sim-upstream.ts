import type { Scheduler } from "../clock/clock.js";
import { generationMs } from "../vendor/latency-model.js";
import type { VendorModel } from "../vendor/vendor-model.js";
import { formatFor } from "../vendor/wire/formats.js";
import { type Attempt, type AttemptResult, NO_USAGE, type Upstream } from "./upstream.js";

/** Sim mode has no wall clock: absolute times in headers count from this fixed instant. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Sim mode's way to a vendor: the same VendorModel the mock servers use, called
 * in virtual time, with the same headers the wire format would send.
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
    const admission = vendor.admit(
      {
        model: attempt.model,
        promptTokens: attempt.promptTokens,
        maxTokens: attempt.maxTokens,
        completionHint: attempt.completionHint,
      },
      now,
    );
    if (admission.kind !== "serve") {
      const response = formatFor(vendor.spec.format).refusal(admission, SIM_EPOCH_MS + now);
      return this.scheduler.at(now, () =>
        onDone({ status: response.status, headers: response.headers, usage: NO_USAGE }),
      );
    }
    const firstTokenMs = now + admission.ttftMs;
    const doneMs =
      firstTokenMs + generationMs(admission.completionTokens, admission.tokensPerSecond);
    const result: AttemptResult = {
      status: 200,
      headers: formatFor(vendor.spec.format).budgetHeaders(admission.budget, SIM_EPOCH_MS + now),
      usage: { prompt: admission.promptTokens, completion: admission.completionTokens },
    };
    if (attempt.stream) result.firstTokenMs = firstTokenMs;
    return this.scheduler.at(doneMs, () => onDone(result));
  }

  async close(): Promise<void> {}
}
