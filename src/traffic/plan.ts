import { createRng, deriveSeed, lognormal, type Rng } from "../random/rng.js";
import type { ArrivalSequence } from "./arrival-sequence.js";
import { ConstantArrivals } from "./constant-arrivals.js";
import { diurnalArrivals, diurnalCumulative } from "./diurnal-arrivals.js";
import { PoissonArrivals } from "./poisson-arrivals.js";
import { rampArrivals, rampCumulative } from "./ramp-arrivals.js";
import { replayArrivals } from "./replay-arrivals.js";
import { SpikeArrivals } from "./spike-arrivals.js";
import { stepArrivals, stepCumulative } from "./step-arrivals.js";
import type { PlanSource } from "./traffic-plan.js";
import type {
  ArrivalSpec,
  ClientRetries,
  PlannedRequest,
  RequestShape,
  TokenSize,
  TraceRequest,
  WeightedTenant,
} from "./types.js";

/**
 * The whole traffic plan as objects (tests and small runs): the stream, collected.
 */
export function buildPlan(
  arrivals: readonly ArrivalSpec[],
  durationMs: number,
  seed: number,
): PlannedRequest[] {
  const stream = new TrafficStream(arrivals, durationMs, seed);
  const plan: PlannedRequest[] = [];
  for (let p = stream.next(); p !== undefined; p = stream.next()) plan.push(p);
  return plan;
}

/** What one arrival process contributes to the merge: its next time, and its draws. */
interface Process {
  spec: ArrivalSpec;
  times: ArrivalSequence;
  /** Its next arrival time; Infinity once it has no more. */
  at: number;
  /** Sizes and stream draws, in the process's own order (part of what a seed means). */
  rng: Rng;
  tenantRng: Rng;
  /** A replay's trace, walked in place (its requests are not copied). */
  replay?: readonly TraceRequest[];
  replayNext: number;
  clientRetries: ClientRetries | undefined;
}

/**
 * The traffic plan of a run, made as the run reaches it (open model): every
 * request with its intended start, lane, class, tenant and sizes, one at a time in
 * order of intended start, ids counting from 0. Nothing per request is kept, so a
 * run's memory does not grow with its length. A slow system cannot slow the
 * arrivals, and the same seed always gives the same requests. Each arrival
 * process's times are merged in order (equal times keep the order of their
 * processes); sizes are drawn during the merge, each process in its own order.
 */
export class TrafficStream implements PlanSource {
  private readonly processes: Process[];
  private nextId = 0;

  constructor(arrivals: readonly ArrivalSpec[], durationMs: number, seed: number) {
    this.processes = arrivals.map((spec, index) => {
      const rng = createRng(deriveSeed(seed, `traffic.${index}`));
      const clientRetries = spec.clientRetries ? { ...spec.clientRetries } : undefined;
      if (spec.type === "replay") {
        return {
          spec,
          times: new ReplayTimes(spec, durationMs),
          at: Infinity,
          rng,
          tenantRng: rng,
          replay: spec.requests,
          replayNext: 0,
          clientRetries,
        };
      }
      // Times and tenants draw from their own streams, so changing a size never moves
      // an arrival, and weighted tenants leave the sizes a seed draws as they were.
      const timeRng = createRng(deriveSeed(seed, `traffic.${index}.t`));
      return {
        spec,
        times: arrivalSequence(spec, durationMs, timeRng),
        at: Infinity,
        rng,
        tenantRng: createRng(deriveSeed(seed, `traffic.${index}.tenant`)),
        replayNext: 0,
        clientRetries,
      };
    });
    for (const p of this.processes) p.at = p.times.next();
  }

  /** The next request in time order, or undefined once every process is done. */
  next(): PlannedRequest | undefined {
    // The earliest next request; on a tie, the earlier arrival process.
    const { processes } = this;
    let from: Process | undefined;
    let at = Infinity;
    for (let i = 0; i < processes.length; i++) {
      const p = processes[i]!;
      if (p.at < at) {
        from = p;
        at = p.at;
      }
    }
    if (from === undefined) return undefined;
    const request = this.draw(from, at);
    from.at = from.times.next();
    return request;
  }

  private draw(p: Process, intendedMs: number): PlannedRequest {
    const { spec } = p;
    let request: PlannedRequest;
    if (spec.type === "replay") {
      const r = p.replay![p.replayNext++]!;
      request = {
        id: this.nextId++,
        intendedMs,
        lane: r.lane,
        class: r.class ?? spec.class ?? "",
        tenant: r.tenant,
        promptTokens: r.promptTokens,
        completionTokens: Math.max(1, r.completionTokens),
        stream: r.stream ?? p.rng.next() < spec.stream,
      };
    } else {
      // Draw order (prompt, completion, stream, then the tenant from its own
      // stream) is part of what a seed means.
      const promptTokens = drawTokens(spec.prompt, p.rng);
      const completionTokens = Math.max(1, drawTokens(spec.completion, p.rng));
      const stream = p.rng.next() < spec.stream;
      request = {
        id: this.nextId++,
        intendedMs,
        lane: spec.lane,
        class: spec.class,
        tenant: spec.tenants ? drawTenant(spec.tenants, p.tenantRng) : spec.tenant,
        promptTokens,
        completionTokens,
        stream,
      };
    }
    // Set after, not spread in: a spread builds the object the slow way.
    if (p.clientRetries) request.clientRetries = { ...p.clientRetries };
    return request;
  }
}

/** A replay's scenario times, read off its trace in place, cut at untilMs. */
class ReplayTimes implements ArrivalSequence {
  private i = 0;

  constructor(
    private readonly s: { fromMs: number; speed: number; requests: readonly TraceRequest[] },
    private readonly untilMs: number,
  ) {}

  next(): number {
    const r = this.s.requests[this.i];
    if (r === undefined) return Infinity;
    const t = this.s.fromMs + r.atMs / this.s.speed;
    if (t >= this.untilMs) {
      this.i = this.s.requests.length;
      return Infinity;
    }
    this.i++;
    return t;
  }
}

type GeneratedSpec = Exclude<ArrivalSpec, { type: "replay" }>;

/** The arrival times (scenario ms) of one arrival process, in order, cut at durationMs. */
export function arrivalSequence(
  spec: GeneratedSpec,
  durationMs: number,
  rng: Rng,
): ArrivalSequence {
  switch (spec.type) {
    case "constant":
      return new ConstantArrivals(spec.rate, spec.fromMs, Math.min(spec.untilMs, durationMs));
    case "spike":
      return new SpikeArrivals(spec, durationMs);
    case "poisson":
      return new PoissonArrivals(
        { rate: spec.rate, fromMs: spec.fromMs, untilMs: Math.min(spec.untilMs, durationMs) },
        rng,
      );
    case "ramp":
      return rampArrivals(spec, durationMs);
    case "step":
      return stepArrivals(spec.steps, durationMs);
    case "diurnal":
      return diurnalArrivals(spec, durationMs);
  }
}

/**
 * About how many requests an arrival process plans within durationMs: the area
 * under its rate (a replay: its requests inside the run). Cheap; nothing is drawn.
 */
export function expectedRequests(spec: ArrivalSpec, durationMs: number): number {
  const span = (from: number, until: number) => Math.max(0, Math.min(until, durationMs) - from);
  switch (spec.type) {
    case "constant":
    case "poisson":
      return (spec.rate * span(spec.fromMs, spec.untilMs)) / 1000;
    case "spike":
      return (spec.rate * (spec.holdMs + (spec.riseMs + spec.fallMs) / 2)) / 1000;
    case "ramp":
      return rampCumulative(spec, durationMs);
    case "step":
      return stepCumulative(spec.steps, durationMs);
    case "diurnal": {
      if (!(spec.periodMs > 0)) return 0;
      const until = Math.min(spec.untilMs, durationMs);
      return Math.max(0, diurnalCumulative(spec, until) - diurnalCumulative(spec, spec.fromMs));
    }
    case "replay":
      return replayArrivals(spec, durationMs).length;
  }
}

/** A token count drawn from its size (deterministic per rng). */
export function drawTokens(size: TokenSize, rng: Rng): number {
  if (typeof size === "number") return size;
  switch (size.type) {
    case "fixed":
      return size.value;
    case "uniform":
      return Math.round(size.min + (size.max - size.min) * rng.next());
    case "lognormal": {
      const drawn = Math.round(lognormal(rng, size.median, size.sigma));
      return size.max === undefined ? drawn : Math.min(size.max, drawn);
    }
    case "mixture":
      return drawTokens(pickWeighted(size.of, rng).size, rng);
  }
}

function drawTenant(tenants: RequestShape["tenants"] & {}, rng: Rng): string {
  return pickWeighted<WeightedTenant>(tenants, rng).name;
}

/** One of the options, each as likely as its weight (weights above zero). */
export function pickWeighted<T extends { weight: number }>(options: readonly T[], rng: Rng): T {
  let total = 0;
  for (const o of options) total += o.weight;
  let r = rng.next() * total;
  for (const o of options) {
    r -= o.weight;
    if (r < 0) return o;
  }
  return options[options.length - 1]!;
}
