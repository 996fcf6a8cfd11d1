import type { Rng } from "../random/rng.js";
import { drawLatency } from "./latency-model.js";
import { createLimiter, createSliceLimiter } from "./limiters/create-limiter.js";
import type { Limiter } from "./limiters/limiter.js";
import type { FaultSpec, ModelSpec, VendorSpec } from "./types.js";

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

export type Admission =
  | {
      kind: "serve";
      model: string;
      promptTokens: number;
      completionTokens: number;
      /** Whether max_tokens cut the answer short. */
      truncated: boolean;
      ttftMs: number;
      tokensPerSecond: number;
      budget: BudgetSnapshot;
    }
  | {
      kind: "throttle";
      model: string;
      limitType: "requests" | "tokens";
      limit: number;
      used: number;
      requested: number;
      retryAfterMs: number;
      budget: BudgetSnapshot;
    }
  | { kind: "server-error"; model: string; budget: BudgetSnapshot }
  | { kind: "unknown-model"; model: string };

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
 * The pure model of one vendor account: per-model limiters on RPM and TPM,
 * a latency draw per request and the fault timeline. Given the time and a request,
 * it decides to serve, throttle or fail; wire formats turn that into bytes.
 */
export class VendorModel {
  private readonly models = new Map<string, ModelState>();

  constructor(
    readonly spec: VendorSpec,
    private readonly faults: readonly FaultSpec[],
    private readonly rng: Rng,
  ) {
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
    const status = admission.kind === "serve" ? 200 : admission.kind === "throttle" ? 429 : 500;
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
    const fault = this.activeFault(request.model, nowMs);
    if (fault?.kind === "server-error") {
      // Failed requests count against the per-minute limit.
      state.requests.tryTake(1, nowMs);
      return { kind: "server-error", model: request.model, budget: snapshot(state, nowMs) };
    }
    const spec = state.spec;
    const wanted = request.completionHint ?? spec.defaultCompletionTokens;
    const completionTokens =
      request.maxTokens === undefined ? wanted : Math.min(wanted, request.maxTokens);
    // OpenAI charges tokens up front: the prompt plus the most the answer may use.
    const charge = request.promptTokens + (request.maxTokens ?? spec.defaultCompletionTokens);

    if (fault?.kind === "throttle")
      return this.throttle(state, request.model, "requests", 1, nowMs, true);
    const requestsShort = [state.requests, state.requestSlice].find(
      (b) => b && b.available(nowMs) < 1,
    );
    if (requestsShort) {
      // Failed requests count against the per-minute limit (while it has room).
      if (requestsShort !== state.requests) state.requests.tryTake(1, nowMs);
      return this.throttle(state, request.model, "requests", 1, nowMs, false, requestsShort);
    }
    const tokensShort = [state.tokens, state.tokenSlice].find(
      (b) => b && b.available(nowMs) < charge,
    );
    if (tokensShort) {
      // Failed requests count against the request limit.
      state.requests.tryTake(1, nowMs);
      state.requestSlice?.tryTake(1, nowMs);
      return this.throttle(state, request.model, "tokens", charge, nowMs, false, tokensShort);
    }
    state.requests.tryTake(1, nowMs);
    state.requestSlice?.tryTake(1, nowMs);
    state.tokens.tryTake(charge, nowMs);
    state.tokenSlice?.tryTake(charge, nowMs);
    const latency = drawLatency(spec, this.rng);
    return {
      kind: "serve",
      model: request.model,
      promptTokens: request.promptTokens,
      completionTokens,
      truncated: completionTokens < wanted,
      ttftMs: latency.ttftMs,
      tokensPerSecond: latency.tokensPerSecond,
      budget: snapshot(state, nowMs),
    };
  }

  private throttle(
    state: ModelState,
    model: string,
    limitType: "requests" | "tokens",
    requested: number,
    nowMs: number,
    forced: boolean,
    short?: Limiter,
  ): Admission {
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
      retryAfterMs: forced ? Math.max(1000, wait) : Math.max(1, wait),
      budget: snapshot(state, nowMs),
    };
  }

  private activeFault(model: string, nowMs: number): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.vendor !== this.spec.name) continue;
      if (fault.model !== undefined && fault.model !== model) continue;
      if (nowMs < fault.fromMs || nowMs >= fault.untilMs) continue;
      if (fault.probability >= 1 || this.rng.next() < fault.probability) return fault;
    }
    return undefined;
  }
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
