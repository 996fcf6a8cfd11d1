import { createRng, deriveSeed, lognormal, type Rng } from "../random/rng.js";
import { constantArrivalTimes } from "./constant-arrivals.js";
import { diurnalArrivalTimes, diurnalCumulative } from "./diurnal-arrivals.js";
import { poissonArrivalTimes } from "./poisson-arrivals.js";
import { rampArrivalTimes, rampCumulative } from "./ramp-arrivals.js";
import { replayArrivals } from "./replay-arrivals.js";
import { spikeArrivalTimes } from "./spike-arrivals.js";
import { stepArrivalTimes, stepCumulative } from "./step-arrivals.js";
import { TrafficPlan } from "./traffic-plan.js";
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
 * The whole traffic plan as objects (tests and small runs); see buildTrafficPlan.
 */
export function buildPlan(
  arrivals: readonly ArrivalSpec[],
  durationMs: number,
  seed: number,
): PlannedRequest[] {
  return buildTrafficPlan(arrivals, durationMs, seed).toArray();
}

/** What one arrival process contributes to the merge: its times, walked in order. */
interface Stream {
  spec: ArrivalSpec;
  times: Float64Array;
  next: number;
  /** Sizes and stream draws, in the process's own order (part of what a seed means). */
  rng: Rng;
  tenantRng: Rng;
  replay?: readonly TraceRequest[];
  lane: number;
  class: number;
  tenant: number;
  retries: number;
}

/**
 * The whole traffic plan, built before the run starts (open model): every request
 * with its intended start, lane, class, tenant and sizes, in typed columns. A slow
 * system cannot slow the arrivals, and the same seed always gives the same plan.
 * Each arrival process's times are merged in order (equal times keep the order of
 * their processes); sizes are drawn during the merge, each process in its own order.
 */
export function buildTrafficPlan(
  arrivals: readonly ArrivalSpec[],
  durationMs: number,
  seed: number,
): TrafficPlan {
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const name = (n: string) => {
    let i = nameIndex.get(n);
    if (i === undefined) {
      i = names.length;
      names.push(n);
      nameIndex.set(n, i);
    }
    return i;
  };
  const retriesTable: (ClientRetries | undefined)[] = [undefined];
  const streams: Stream[] = arrivals.map((spec, index) => {
    const rng = createRng(deriveSeed(seed, `traffic.${index}`));
    const retries = spec.clientRetries ? retriesTable.push({ ...spec.clientRetries }) - 1 : 0;
    if (spec.type === "replay") {
      const played = replayArrivals(spec, durationMs);
      return {
        spec,
        times: Float64Array.from(played, (p) => p.intendedMs),
        next: 0,
        rng,
        tenantRng: rng,
        replay: played.map((p) => p.request),
        lane: 0,
        class: name(spec.class ?? ""),
        tenant: 0,
        retries,
      };
    }
    // Times and tenants draw from their own streams, so changing a size never moves
    // an arrival, and weighted tenants leave the sizes a seed draws as they were.
    const times = arrivalTimes(spec, durationMs, createRng(deriveSeed(seed, `traffic.${index}.t`)));
    return {
      spec,
      // Kept as doubles in a typed array; an array the process made is let go at once.
      times: times instanceof Float64Array ? times : Float64Array.from(times),
      next: 0,
      rng,
      tenantRng: createRng(deriveSeed(seed, `traffic.${index}.tenant`)),
      lane: name(spec.lane),
      class: name(spec.class),
      tenant: name(spec.tenant),
      retries,
    };
  });
  const total = streams.reduce((n, s) => n + s.times.length, 0);
  // The narrowest columns that hold every value (sizes and names known up front,
  // but for a replay's own lanes and tenants, and draws that may run large).
  const wideTokens = arrivals.some(
    (a) => a.type === "replay" || !sizeFits(a.prompt) || !sizeFits(a.completion),
  );
  const wideNames =
    names.length +
      arrivals.reduce((n, a) => n + (a.type === "replay" ? 256 : (a.tenants?.length ?? 0)), 0) >
    256;
  const tokens = () => (wideTokens ? new Uint32Array(total) : new Uint16Array(total));
  const index = () => (wideNames ? new Uint16Array(total) : new Uint8Array(total));
  const c = {
    // One arrival process: its times are the column already.
    intendedMs: streams.length === 1 ? streams[0]!.times : new Float64Array(total),
    promptTokens: tokens(),
    completionTokens: tokens(),
    stream: new Uint8Array(total),
    lane: index(),
    class: index(),
    tenant: index(),
    retries: retriesTable.length > 256 ? new Uint16Array(total) : new Uint8Array(total),
  };
  for (let i = 0; i < total; i++) {
    // The earliest next request; on a tie, the earlier arrival process.
    let from: Stream | undefined;
    for (const s of streams) {
      if (s.next < s.times.length && (!from || s.times[s.next]! < from.times[from.next]!)) from = s;
    }
    const s = from!;
    const k = s.next++;
    c.intendedMs[i] = s.times[k]!;
    c.retries[i] = s.retries;
    const spec = s.spec;
    if (spec.type === "replay") {
      const r = s.replay![k]!;
      c.lane[i] = name(r.lane);
      c.class[i] = r.class === undefined ? s.class : name(r.class);
      c.tenant[i] = name(r.tenant);
      c.promptTokens[i] = r.promptTokens;
      c.completionTokens[i] = Math.max(1, r.completionTokens);
      c.stream[i] = (r.stream ?? s.rng.next() < spec.stream) ? 1 : 0;
      continue;
    }
    // Draw order (prompt, completion, stream) is part of what a seed means.
    c.promptTokens[i] = drawTokens(spec.prompt, s.rng);
    c.completionTokens[i] = Math.max(1, drawTokens(spec.completion, s.rng));
    c.stream[i] = s.rng.next() < spec.stream ? 1 : 0;
    c.lane[i] = s.lane;
    c.class[i] = s.class;
    c.tenant[i] = spec.tenants ? name(drawTenant(spec.tenants, s.tenantRng)) : s.tenant;
  }
  return new TrafficPlan({ ...c, names, retriesTable });
}

type GeneratedSpec = Exclude<ArrivalSpec, { type: "replay" }>;

/** Sorted arrival times (scenario ms) of one arrival process, cut at durationMs. */
export function arrivalTimes(
  spec: GeneratedSpec,
  durationMs: number,
  rng: Rng,
): number[] | Float64Array {
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
/** Whether every count a size can draw fits in 16 bits. */
function sizeFits(size: TokenSize): boolean {
  if (typeof size === "number") return size <= 0xffff;
  switch (size.type) {
    case "fixed":
      return size.value <= 0xffff;
    case "uniform":
      return size.max <= 0xffff;
    case "lognormal":
      return size.max !== undefined && size.max <= 0xffff;
    case "mixture":
      return size.of.every((o) => sizeFits(o.size));
  }
}

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
