import type { Rng } from "../random/rng.js";
import type { FaultEffect, FaultSpec } from "./faults/fault.js";
import { FaultTimeline } from "./faults/fault-timeline.js";
import { drawLatency } from "./latency-model.js";
import { createLimiter, createSliceLimiter } from "./limiters/create-limiter.js";
import type { Limiter } from "./limiters/limiter.js";
import type { ModelSpec, VendorSpec } from "./types.js";
import type { Refusal } from "./wire/wire-format.js";

/** One limit as the vendor reports it in its headers. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Milliseconds until fully replenished. */
  resetMs: number;
}

export interface BudgetSnapshot {
  requests: LimitState;
  /** All tokens, where the vendor counts them together (OpenAI, Azure). */
  tokens: LimitState;
  /** Input and output tokens, where the vendor limits them apart (Anthropic). */
  inputTokens?: LimitState;
  outputTokens?: LimitState;
}

export interface VendorRequest {
  model: string;
  promptTokens: number;
  /** max_tokens as sent; undefined when the caller set none. */
  maxTokens: number | undefined;
  /** How long an answer the caller wants (the harness's hint); else the profile default. */
  completionHint: number | undefined;
}

/** An answer the vendor will give, and how faults bend it. */
export interface ServeAdmission {
  kind: "serve";
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** Whether max_tokens cut the answer short. */
  truncated: boolean;
  ttftMs: number;
  tokensPerSecond: number;
  budget: BudgetSnapshot;
  /** A stall fault: the answer never comes. */
  stall: boolean;
  /** A reset or stream-error fault: the answer breaks off after this many tokens. */
  cut?: { afterTokens: number; how: "reset" | "stream-error" };
}

export type Admission = ServeAdmission | Refusal | { kind: "outage"; model: string };

/** The status a client sees for an admission (0: no HTTP answer). */
export function admissionStatus(a: Admission): number {
  switch (a.kind) {
    case "serve":
      return 200;
    case "throttle":
    case "quota":
      return 429;
    case "overload":
      return 503;
    case "server-error":
      return 500;
    case "unknown-model":
      return 404;
    case "outage":
      return 0;
  }
}

interface ModelState {
  spec: ModelSpec;
  /** The stated per-minute limits, as the headers report them. */
  requests: Limiter;
  tokens: Limiter;
  /** The same limits enforced per short slice, when the vendor quantizes them. */
  requestSlice: Limiter | undefined;
  tokenSlice: Limiter | undefined;
  counts: Map<number, number>;
}

/**
 * The pure model of one vendor account: per-model limiters on RPM and TPM, a
 * latency draw per request and the fault timeline. Given the time and a request,
 * it decides to serve, throttle or fail; wire formats turn that into bytes.
 */
export class VendorModel {
  private readonly models = new Map<string, ModelState>();
  readonly faults: FaultTimeline;

  constructor(
    readonly spec: VendorSpec,
    faults: readonly FaultSpec[],
    private readonly rng: Rng,
  ) {
    this.faults = new FaultTimeline(faults.filter((f) => f.vendor === spec.name));
    for (const model of spec.models) {
      this.models.set(model.name, {
        spec: model,
        requests: createLimiter(model.limits.algorithm, model.limits.rpm),
        tokens: createLimiter(model.limits.algorithm, model.limits.tpm),
        requestSlice: createSliceLimiter(model.limits.rpm, model.limits.enforcedPerMs),
        tokenSlice: createSliceLimiter(model.limits.tpm, model.limits.enforcedPerMs),
        counts: new Map(),
      });
    }
  }

  admit(request: VendorRequest, nowMs: number): Admission {
    const state = this.models.get(request.model);
    if (!state) return { kind: "unknown-model", model: request.model };
    const admission = this.decide(state, request, nowMs);
    const status = admissionStatus(admission);
    state.counts.set(status, (state.counts.get(status) ?? 0) + 1);
    return admission;
  }

  /** Remaining budget of each model's limits, for the mock's /_gw/state. */
  state(nowMs: number): Record<string, BudgetSnapshot & { statuses: Record<string, number> }> {
    const out: Record<string, BudgetSnapshot & { statuses: Record<string, number> }> = {};
    for (const [name, state] of this.models) {
      out[name] = { ...snapshot(state, nowMs), statuses: Object.fromEntries(state.counts) };
    }
    return out;
  }

  private decide(state: ModelState, request: VendorRequest, nowMs: number): Admission {
    const model = request.model;
    const effects = this.faults.effectsFor(model, nowMs, this.rng);
    const blocking = effects.find((e) => e.type === "outage" || e.type === "refuse");
    if (blocking?.type === "outage") return { kind: "outage", model };
    if (blocking?.type === "refuse") {
      // Failed requests count against the per-minute limit.
      takeRequest(state, nowMs);
      if (blocking.refusal === "throttle")
        return this.throttle(state, model, "requests", 1, nowMs, true);
      return { kind: blocking.refusal, model, budget: snapshot(state, nowMs) };
    }

    const spec = state.spec;
    const wanted = request.completionHint ?? spec.defaultCompletionTokens;
    const completionTokens =
      request.maxTokens === undefined ? wanted : Math.min(wanted, request.maxTokens);
    // OpenAI charges tokens up front: the prompt plus the most the answer may use.
    const charge = request.promptTokens + (request.maxTokens ?? spec.defaultCompletionTokens);

    const requestsShort = [state.requests, state.requestSlice].find(
      (b) => b && b.available(nowMs) < 1,
    );
    if (requestsShort) {
      // Failed requests count against the per-minute limit (while it has room).
      if (requestsShort !== state.requests) state.requests.tryTake(1, nowMs);
      return this.throttle(state, model, "requests", 1, nowMs, false, requestsShort);
    }
    const tokensShort = [state.tokens, state.tokenSlice].find(
      (b) => b && b.available(nowMs) < charge,
    );
    if (tokensShort) {
      takeRequest(state, nowMs);
      return this.throttle(state, model, "tokens", charge, nowMs, false, tokensShort);
    }
    takeRequest(state, nowMs);
    state.tokens.tryTake(charge, nowMs);
    state.tokenSlice?.tryTake(charge, nowMs);
    const latency = drawLatency(spec, this.rng);
    const admission: ServeAdmission = {
      kind: "serve",
      model,
      promptTokens: request.promptTokens,
      completionTokens,
      truncated: completionTokens < wanted,
      ttftMs: latency.ttftMs,
      tokensPerSecond: latency.tokensPerSecond,
      budget: snapshot(state, nowMs),
      stall: false,
    };
    for (const effect of effects) bend(admission, effect);
    return admission;
  }

  private throttle(
    state: ModelState,
    model: string,
    limitType: "requests" | "tokens",
    requested: number,
    nowMs: number,
    forced: boolean,
    short?: Limiter,
  ): Refusal {
    const stated = limitType === "requests" ? state.requests : state.tokens;
    const bucket = short ?? stated;
    const wait = bucket.msUntil(Math.min(requested, bucket.limit), nowMs);
    return {
      kind: "throttle",
      model,
      limitType,
      limit: stated.limit,
      used: Math.round(stated.limit - stated.available(nowMs)),
      requested,
      // A forced throttle (a fault) asks for a second, as vendors commonly do.
      retryAfterMs: forced ? Math.max(1000, Number.isFinite(wait) ? wait : 0) : Math.max(1, wait),
      budget: snapshot(state, nowMs),
    };
  }
}

/** How a fault that lets the request through changes the answer. */
function bend(admission: ServeAdmission, effect: FaultEffect): void {
  switch (effect.type) {
    case "delay":
      admission.ttftMs += effect.addMs;
      return;
    case "slow":
      admission.tokensPerSecond = Math.min(admission.tokensPerSecond, effect.tokensPerSecond);
      return;
    case "stall":
      admission.stall = true;
      return;
    case "cut":
      if (!admission.cut || effect.afterTokens < admission.cut.afterTokens) {
        admission.cut = { afterTokens: effect.afterTokens, how: effect.how };
      }
      return;
    case "refuse":
    case "outage":
      return; // handled before any budget is spent
  }
}

function takeRequest(state: ModelState, nowMs: number): void {
  state.requests.tryTake(1, nowMs);
  state.requestSlice?.tryTake(1, nowMs);
}

function snapshot(state: ModelState, nowMs: number): BudgetSnapshot {
  return {
    requests: limitState(state.requests, nowMs),
    tokens: limitState(state.tokens, nowMs),
  };
}

function limitState(bucket: Limiter, nowMs: number): LimitState {
  return {
    limit: bucket.limit,
    remaining: Math.floor(bucket.available(nowMs)),
    resetMs: bucket.msUntilFull(nowMs),
  };
}
