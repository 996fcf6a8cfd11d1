import { createRng, deriveSeed, lognormal, type Rng } from "../random/rng.js";
import { constantArrivalTimes } from "./constant-arrivals.js";
import { diurnalArrivalTimes, diurnalCumulative } from "./diurnal-arrivals.js";
import { poissonArrivalTimes } from "./poisson-arrivals.js";
import { rampArrivalTimes, rampCumulative } from "./ramp-arrivals.js";
import { replayArrivals } from "./replay-arrivals.js";
import { spikeArrivalTimes } from "./spike-arrivals.js";
import { stepArrivalTimes, stepCumulative } from "./step-arrivals.js";
import type {
  ArrivalSpec,
  PlannedRequest,
  RequestShape,
  TokenSize,
  WeightedTenant,
} from "./types.js";

/**
 * The whole traffic plan, built before the run starts (open model): every request
 * with its intended start, lane, class and sizes. A slow system cannot slow the
 * arrivals, and the same seed always gives the same plan.
 */
export function buildPlan(
  arrivals: readonly ArrivalSpec[],
  durationMs: number,
  seed: number,
): PlannedRequest[] {
  const drafts: Omit<PlannedRequest, "id">[] = [];
  arrivals.forEach((spec, index) => {
    const rng = createRng(deriveSeed(seed, `traffic.${index}`));
    const retries = spec.clientRetries ? { clientRetries: { ...spec.clientRetries } } : {};
    if (spec.type === "replay") {
      for (const { intendedMs, request: r } of replayArrivals(spec, durationMs)) {
        drafts.push({
          intendedMs,
          lane: r.lane,
          class: r.class ?? spec.class ?? "",
          tenant: r.tenant,
          promptTokens: r.promptTokens,
          completionTokens: Math.max(1, r.completionTokens),
          stream: r.stream ?? rng.next() < spec.stream,
          ...retries,
        });
      }
      return;
    }
    // Times and tenants draw from their own streams, so changing a size never moves
    // an arrival, and weighted tenants leave the sizes a seed draws as they were.
    const times = arrivalTimes(spec, durationMs, createRng(deriveSeed(seed, `traffic.${index}.t`)));
    const tenantRng = createRng(deriveSeed(seed, `traffic.${index}.tenant`));
    for (const intendedMs of times) {
      // Draw order (prompt, completion, stream) is part of what a seed means.
      const promptTokens = drawTokens(spec.prompt, rng);
      const completionTokens = Math.max(1, drawTokens(spec.completion, rng));
      const stream = rng.next() < spec.stream;
      const tenant = spec.tenants ? drawTenant(spec.tenants, tenantRng) : spec.tenant;
      drafts.push({
        intendedMs,
        lane: spec.lane,
        class: spec.class,
        tenant,
        promptTokens,
        completionTokens,
        stream,
        ...retries,
      });
    }
  });
  // Stable: equal times keep the order of their arrival processes.
  drafts.sort((a, b) => a.intendedMs - b.intendedMs);
  return drafts.map((draft, id) => ({ id, ...draft }));
}

type GeneratedSpec = Exclude<ArrivalSpec, { type: "replay" }>;

/** Sorted arrival times (scenario ms) of one arrival process, cut at durationMs. */
export function arrivalTimes(spec: GeneratedSpec, durationMs: number, rng: Rng): number[] {
  switch (spec.type) {
    case "constant":
      return constantArrivalTimes(spec.rate, spec.fromMs, Math.min(spec.untilMs, durationMs));
    case "spike":
      return spikeArrivalTimes(spec, durationMs);
    case "poisson":
      return poissonArrivalTimes({ ...spec, untilMs: Math.min(spec.untilMs, durationMs) }, rng);
    case "ramp":
      return rampArrivalTimes(spec, durationMs);
    case "step":
      return stepArrivalTimes(spec.steps, durationMs);
    case "diurnal":
      return diurnalArrivalTimes(spec, durationMs);
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
