import { FRACTIONAL_ZERO, postTask, type Scheduler, type Task } from "../clock/clock.js";
import type { TransportFailure } from "../router/error-category.js";
import type { BudgetObservation } from "../router/rate-limit-headers.js";
import { generationMs } from "../vendor/latency-model.js";
import { type BudgetSnapshot, tooLargeMessage, type VendorModel } from "../vendor/vendor-model.js";
import { formatFor } from "../vendor/wire/formats.js";
import type { WireFormat, WireResponse } from "../vendor/wire/wire-format.js";
import { simBudgetObservation } from "./sim-observation.js";
import {
  type Attempt,
  type AttemptResult,
  ERROR_BODY_BYTES,
  NO_USAGE,
  type Upstream,
  type Usage,
} from "./upstream.js";

/** Sim mode has no wall clock: absolute times in headers count from this fixed instant. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Sim mode's way to a vendor: the same VendorModel the mock servers use, called
 * in virtual time, with the same headers the wire format would send (names in
 * lower case, as HTTP delivers them; budget headers stamped when the mock would
 * write them), error bodies as the mock would send them, and the same faults: an
 * outage fails the connection, a stall never answers, a cut stream breaks off
 * after its tokens.
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
    // (The attempt is a VendorRequest as it is: no copy of its fields.)
    const admission = vendor.admit(attempt, now);
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
      const result = failed(response, SIM_EPOCH_MS + now);
      return this.scheduler.at(now, () => onDone(result));
    }
    if (admission.stall) {
      // Never answers; the caller's timeout ends it, and then the vendor stops too.
      return () => vendor.finish(attempt.model, 0, this.scheduler.now());
    }

    const firstTokenMs = now + admission.ttftMs;
    const { cut } = admission;
    const tokens = cut
      ? Math.min(cut.afterTokens, admission.completionTokens)
      : admission.completionTokens;
    const doneMs = firstTokenMs + generationMs(tokens, admission.tokensPerSecond);
    // The mock writes a stream's headers at its first token, a whole answer's when done.
    const headersEpochMs = SIM_EPOCH_MS + (attempt.stream ? firstTokenMs : doneMs);
    let result: AttemptResult;
    if (cut === undefined || attempt.stream) {
      result = new ServedAnswer({ prompt: admission.promptTokens, completion: tokens });
      // A stream cut short fails after its 200.
      if (cut) result.transport = "stream-error";
    } else if (cut.how === "reset") {
      result = { status: 0, headers: {}, transport: "connection", usage: NO_USAGE };
    } else {
      // Unstreamed, the mock answers a cut with the vendor's 500.
      const refusal = {
        kind: "server-error" as const,
        model: attempt.model,
        budget: admission.budget,
      };
      result = failed(format.refusal(refusal, headersEpochMs), headersEpochMs);
    }
    if (attempt.stream && tokens > 0) result.firstTokenMs = firstTokenMs;
    result.epochMs = SIM_EPOCH_MS + doneMs;
    const call = new SimCall(
      this.scheduler,
      vendor,
      attempt.model,
      format,
      admission.budget,
      headersEpochMs,
      firstTokenMs,
      doneMs,
      tokens,
      admission.tokensPerSecond,
      result,
      onDone,
    );
    postTask(this.scheduler, doneMs, call);
    return call.cancel;
  }

  async close(): Promise<void> {}
}

/**
 * A served call until its answer is delivered: its own event in the scheduler (one
 * object, not a closure for the answer and another for the abort).
 */
class SimCall implements Task {
  done = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly vendor: VendorModel,
    private readonly model: string,
    private readonly format: WireFormat,
    private readonly budget: BudgetSnapshot,
    private readonly headersEpochMs: number,
    private readonly firstTokenMs: number,
    private readonly doneMs: number,
    private readonly tokens: number,
    private readonly tokensPerSecond: number,
    private readonly result: AttemptResult,
    private readonly onDone: (result: AttemptResult) => void,
  ) {}

  run(): void {
    this.done = true;
    this.vendor.finish(this.model, this.tokens, this.doneMs);
    const { result } = this;
    if (result instanceof ServedAnswer)
      result.deliver(this.format, this.budget, this.headersEpochMs);
    this.onDone(result);
  }

  /**
   * A caller that gives up (its timeout) closes the connection: the vendor stops
   * generating and bills what it produced until then.
   */
  readonly cancel = (): void => {
    if (this.done) return;
    this.done = true;
    const t = this.scheduler.now();
    const produced =
      t < this.firstTokenMs
        ? 0
        : Math.min(
            this.tokens,
            1 + Math.floor(((t - this.firstTokenMs) * this.tokensPerSecond) / 1000),
          );
    this.vendor.finish(this.model, produced, t);
  };
}

/**
 * A served answer. What its budget headers say is delivered with it (from the budget
 * as admitted, when the answer is delivered, so nothing waits in memory while it is
 * generated): read straight from the budget where that is exact (the router reads
 * `observation`), the header text itself written only if someone reads `headers`.
 */
class ServedAnswer implements AttemptResult {
  readonly status = 200;
  transport: TransportFailure | undefined = undefined;
  epochMs: number | undefined = undefined;
  firstTokenMs: number | undefined = undefined;
  observation: BudgetObservation | undefined = undefined;
  private written: Record<string, string> | undefined = undefined;
  private format: WireFormat | undefined = undefined;
  private budget: BudgetSnapshot | undefined = undefined;
  private headersEpochMs = FRACTIONAL_ZERO;

  constructor(readonly usage: Usage) {}

  deliver(format: WireFormat, budget: BudgetSnapshot, headersEpochMs: number): void {
    this.observation = simBudgetObservation(format, budget);
    if (this.observation === undefined) {
      this.written = lowerCased(format.budgetHeaders(budget, headersEpochMs));
      return;
    }
    this.format = format;
    this.budget = budget;
    this.headersEpochMs = headersEpochMs;
  }

  get headers(): Record<string, string> {
    if (this.written === undefined) {
      this.written =
        this.format && this.budget
          ? lowerCased(this.format.budgetHeaders(this.budget, this.headersEpochMs))
          : {};
    }
    return this.written;
  }

  set headers(headers: Record<string, string>) {
    this.written = headers;
  }
}

/** Header names in lower case, as an HTTP client sees them (Bedrock's x-amzn-ErrorType). */
function lowerCased(headers: Record<string, string>): Record<string, string> {
  let lower = true;
  for (const name in headers) if (hasUpperCase(name)) lower = false;
  if (lower) return headers; // most are already: no copy on the hot path
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 65 && code <= 90) return true;
  }
  return false;
}

/** A refusal as the caller sees it: status, headers, and the body (capped) the router may read. */
function failed(response: WireResponse, epochMs: number): AttemptResult {
  const body =
    response.body.length > ERROR_BODY_BYTES
      ? Buffer.from(response.body).toString("utf8", 0, ERROR_BODY_BYTES)
      : response.body;
  return {
    status: response.status,
    headers: lowerCased(response.headers),
    usage: NO_USAGE,
    epochMs,
    body,
  };
}
