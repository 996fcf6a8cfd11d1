import type { Rng } from "../random/rng.js";
import type { FaultEffect, FaultSpec } from "./faults/fault.js";
import { FaultTimeline } from "./faults/fault-timeline.js";
import { drawLatency } from "./latency-model.js";
import { createLimiter, createSliceLimiter } from "./limiters/create-limiter.js";
import { FixedWindowLimiter } from "./limiters/fixed-window.js";
import type { Limiter, LimiterAlgorithm } from "./limiters/limiter.js";
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

export type Admission =
  | ServeAdmission
  | Refusal
  | { kind: "outage"; model: string }
  /** A request larger than a limit can ever hold; the vendor says to make it smaller. */
  | {
      kind: "too-large";
      model: string;
      limitType: "tokens" | "input-tokens";
      limit: number;
      requested: number;
    };

/** The vendor's words for a request too large for its limit (a 400: retrying cannot help). */
export function tooLargeMessage(a: Extract<Admission, { kind: "too-large" }>): string {
  const per = a.limitType === "tokens" ? "tokens per min (TPM)" : "input tokens per min";
  return (
    `Request too large for ${a.model} on ${per}: Limit ${a.limit}, Requested ${a.requested}. ` +
    "The input or output tokens must be reduced in order to run successfully."
  );
}

interface ModelState {
  spec: ModelSpec;
  /** The stated per-minute limits, as the headers report them. */
  requests: Limiter;
  tokens: Limiter;
  /** The request rate enforced per short slice too (Azure's 1 s or 10 s; OpenAI's quantizing). */
  requestSlice: Limiter | undefined;
  /** Input and output tokens limited apart (Anthropic); output charged as generated. */
  inputTokens: Limiter | undefined;
  outputTokens: Limiter | undefined;
  /** Requests per day: a fixed window of 24 hours from the start. */
  daily: Limiter | undefined;
  inFlight: number;
}

const DAY_MS = 86_400_000;

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
        inputTokens: optionalLimiter(model.limits.algorithm, model.limits.inputTpm),
        outputTokens: optionalLimiter(model.limits.algorithm, model.limits.outputTpm),
        daily:
          model.limits.rpd === undefined
            ? undefined
            : new FixedWindowLimiter(model.limits.rpd, DAY_MS),
        inFlight: 0,
      });
    }
  }

  admit(request: VendorRequest, nowMs: number): Admission {
    const state = this.models.get(request.model);
    if (!state) return { kind: "unknown-model", model: request.model };
    return this.decide(state, request, nowMs);
  }

  /** Whether an outage covers every model now, so no request need be read at all. */
  isDown(nowMs: number): boolean {
    return this.faults.vendorWideOutage(nowMs);
  }

  /**
   * An answer that was served has ended (completed, cut or abandoned): its slot
   * frees, and output tokens are charged where the vendor counts them as generated.
   */
  finish(model: string, outputTokens: number, nowMs: number): void {
    const state = this.models.get(model);
    if (!state) return;
    state.inFlight = Math.max(0, state.inFlight - 1);
    this.generated(model, outputTokens, nowMs);
  }

  /** Output tokens generated for a served answer, charged now where the vendor counts them so. */
  generated(model: string, outputTokens: number, nowMs: number): void {
    const state = this.models.get(model);
    if (!state || outputTokens <= 0) return;
    state.outputTokens?.charge(outputTokens, nowMs);
    if (state.spec.limits.charge === "input-up-front") state.tokens.charge(outputTokens, nowMs);
  }

  /** Remaining budget of each model's limits, for the mock's /_gw/state. */
  state(nowMs: number): Record<string, ModelStateReport> {
    const out: Record<string, ModelStateReport> = {};
    for (const [name, state] of this.models) {
      out[name] = { ...snapshot(state, nowMs), inFlight: state.inFlight };
    }
    return out;
  }

  private decide(state: ModelState, request: VendorRequest, nowMs: number): Admission {
    const model = request.model;
    const candidates = this.faults.candidatesFor(model, nowMs, this.rng);
    const blocking = candidates.find(
      (c) => c.effect.type === "outage" || c.effect.type === "refuse",
    );
    if (blocking) {
      this.faults.spend(blocking.fault);
      const effect = blocking.effect;
      if (effect.type === "outage") return { kind: "outage", model };
      // Failed requests count against the per-minute limit.
      takeRequest(state, nowMs);
      if (effect.type === "refuse" && effect.refusal !== "throttle") {
        return { kind: effect.refusal, model, budget: snapshot(state, nowMs) };
      }
      const refusal = this.throttle(state, model, "requests", 1, nowMs, true);
      // A throttle fault that states its Retry-After asks exactly that, 0 included.
      const stated = effect.type === "refuse" ? effect.retryAfterMs : undefined;
      if (stated !== undefined) {
        refusal.retryAfterMs = stated;
        refusal.retryAfterStated = true;
      }
      return refusal;
    }

    const spec = state.spec;
    const wanted = request.completionHint ?? spec.defaultCompletionTokens;
    const completionTokens =
      request.maxTokens === undefined ? wanted : Math.min(wanted, request.maxTokens);
    // OpenAI charges tokens up front: the prompt plus the most the answer may use.
    // Anthropic charges the prompt up front and the output as it is generated.
    const upFront = spec.limits.charge === "up-front";
    const charge =
      request.promptTokens + (upFront ? (request.maxTokens ?? spec.defaultCompletionTokens) : 0);

    // More than a limit can ever hold: no wait helps, so it is refused as too large.
    if (charge > state.tokens.limit) {
      return {
        kind: "too-large",
        model,
        limitType: "tokens",
        limit: state.tokens.limit,
        requested: charge,
      };
    }
    if (state.inputTokens && request.promptTokens > state.inputTokens.limit) {
      return {
        kind: "too-large",
        model,
        limitType: "input-tokens",
        limit: state.inputTokens.limit,
        requested: request.promptTokens,
      };
    }
    if (state.daily && state.daily.available(nowMs) < 1) {
      return { kind: "quota", model, budget: snapshot(state, nowMs) };
    }
    if (spec.limits.concurrent !== undefined && state.inFlight >= spec.limits.concurrent) {
      return this.throttle(state, model, "requests", 1, nowMs, true);
    }

    const requestsShort =
      state.requests.available(nowMs) < 1
        ? state.requests
        : state.requestSlice && state.requestSlice.available(nowMs) < 1
          ? state.requestSlice
          : undefined;
    if (requestsShort) {
      // Failed requests count against the per-minute limit (while it has room).
      if (requestsShort !== state.requests) state.requests.tryTake(1, nowMs);
      return this.throttle(state, model, "requests", 1, nowMs, false, requestsShort);
    }
    const tokensShort = state.tokens.available(nowMs) < charge ? state.tokens : undefined;
    if (tokensShort) {
      takeRequest(state, nowMs);
      return this.throttle(state, model, "tokens", charge, nowMs, false, tokensShort);
    }
    if (state.inputTokens && state.inputTokens.available(nowMs) < request.promptTokens) {
      takeRequest(state, nowMs);
      const limiter = state.inputTokens;
      return this.throttle(
        state,
        model,
        "input-tokens",
        request.promptTokens,
        nowMs,
        false,
        limiter,
      );
    }
    if (state.outputTokens && state.outputTokens.available(nowMs) < 1) {
      takeRequest(state, nowMs);
      return this.throttle(state, model, "output-tokens", 1, nowMs, false, state.outputTokens);
    }
    takeRequest(state, nowMs);
    state.tokens.tryTake(charge, nowMs);
    state.inputTokens?.tryTake(request.promptTokens, nowMs);
    // A busy model answers later and streams slower.
    const halfSpeedAt = spec.latency.halfSpeedAt;
    const slowdown = halfSpeedAt === undefined ? 1 : 1 + state.inFlight / halfSpeedAt;
    state.inFlight += 1;
    const latency = drawLatency(spec, this.rng);
    const admission: ServeAdmission = {
      kind: "serve",
      model,
      promptTokens: request.promptTokens,
      completionTokens,
      truncated: completionTokens < wanted,
      ttftMs: latency.ttftMs * slowdown,
      tokensPerSecond: latency.tokensPerSecond / slowdown,
      budget: snapshot(state, nowMs),
      stall: false,
    };
    for (const { fault, effect } of candidates) {
      bend(admission, effect);
      this.faults.spend(fault);
    }
    return admission;
  }

  private throttle(
    state: ModelState,
    model: string,
    limitType: "requests" | "tokens" | "input-tokens" | "output-tokens",
    requested: number,
    nowMs: number,
    forced: boolean,
    short?: Limiter,
  ): Extract<Refusal, { kind: "throttle" }> {
    const stated = {
      requests: state.requests,
      tokens: state.tokens,
      "input-tokens": state.inputTokens ?? state.tokens,
      "output-tokens": state.outputTokens ?? state.tokens,
    }[limitType];
    const bucket = short ?? stated;
    const until = bucket.msUntil(Math.min(requested, bucket.limit), nowMs);
    const wait = Number.isFinite(until) ? until : 60_000;
    return {
      kind: "throttle",
      model,
      limitType,
      limit: stated.limit,
      used: Math.round(stated.limit - stated.available(nowMs)),
      requested,
      // A forced throttle (a fault, a full concurrency limit) asks for a second.
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
  state.daily?.tryTake(1, nowMs);
}

function optionalLimiter(algorithm: LimiterAlgorithm, perMinute: number | undefined) {
  return perMinute === undefined ? undefined : createLimiter(algorithm, perMinute);
}

export type ModelStateReport = BudgetSnapshot & { inFlight: number };

function snapshot(state: ModelState, nowMs: number): BudgetSnapshot {
  const budget: BudgetSnapshot = {
    requests: limitState(state.requests, nowMs),
    tokens: limitState(state.tokens, nowMs),
  };
  if (state.inputTokens) budget.inputTokens = limitState(state.inputTokens, nowMs);
  if (state.outputTokens) budget.outputTokens = limitState(state.outputTokens, nowMs);
  return budget;
}

function limitState(bucket: Limiter, nowMs: number): LimitState {
  return {
    limit: bucket.limit,
    remaining: Math.floor(bucket.available(nowMs)),
    resetMs: bucket.msUntilFull(nowMs),
  };
}
