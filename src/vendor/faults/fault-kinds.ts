import { z } from "zod";
import { parseDuration, resolveTime } from "../../scenario/duration.js";
import { timeSchema } from "../../scenario/schema-parts.js";
import type { FaultEffect, FaultKind, FaultSpec } from "./fault.js";
import { latencyFault } from "./latency.js";
import { outageFault } from "./outage.js";
import { overloadFault } from "./overload.js";
import { quotaFault } from "./quota.js";
import { resetFault } from "./reset.js";
import { serverErrorFault } from "./server-error.js";
import { slowStreamFault } from "./slow-stream.js";
import { stallFault } from "./stall.js";
import { streamErrorFault } from "./stream-error.js";
import { throttleFault } from "./throttle.js";

/** Every fault kind, one file each; the fields they all share are added here, once. */
const KINDS = [
  throttleFault,
  quotaFault,
  overloadFault,
  serverErrorFault,
  latencyFault,
  stallFault,
  resetFault,
  streamErrorFault,
  slowStreamFault,
  outageFault,
] as const;

/** Where and when a fault applies, and how often: the same for every kind. */
const windowFields = {
  model: z.string().min(1).optional().describe("all models of the vendor when absent"),
  from: timeSchema.default(0).describe("when it starts: a time, or a share of the scenario"),
  for: timeSchema.optional().describe("how long; to the end when absent"),
  probability: z.number().min(0).max(1).default(1).describe("share of requests it hits"),
  count: z.number().int().positive().optional().describe("hits at most this many more requests"),
};

function unionOf<E extends z.ZodRawShape>(extra: E) {
  const v = <K extends FaultKind, F extends z.ZodRawShape>(def: { kind: K; fields: F }) =>
    z.strictObject({ kind: z.literal(def.kind), ...windowFields, ...extra, ...def.fields });
  return z.discriminatedUnion("kind", [
    v(throttleFault),
    v(quotaFault),
    v(overloadFault),
    v(serverErrorFault),
    v(latencyFault),
    v(stallFault),
    v(resetFault),
    v(streamErrorFault),
    v(slowStreamFault),
    v(outageFault),
  ]);
}

/** A fault in a scenario file: names its vendor. */
export const scenarioFaultSchema = unionOf({ vendor: z.string().min(1) });
/** A fault posted to a running mock (POST /_gw/faults): the vendor is the server's own. */
export const liveFaultSchema = unionOf({ vendor: z.string().min(1).optional() });

export type FaultInput = z.output<typeof scenarioFaultSchema>;
export type LiveFaultInput = z.output<typeof liveFaultSchema>;

export const FAULT_KINDS: readonly FaultKind[] = KINDS.map((k) => k.kind);

/**
 * A validated fault with its times in scenario ms. `startMs` is when "from: 0"
 * is: the run's start for scenario files, the moment of the POST for live ones.
 */
export function resolveFault(
  raw: FaultInput | LiveFaultInput,
  vendor: string,
  id: string,
  startMs: number,
  scenarioDurationMs: number,
): FaultSpec {
  const at = (t: number | string) => resolveTime(t, scenarioDurationMs);
  const fromMs = startMs + at(raw.from);
  const spec: FaultSpec = {
    id,
    kind: raw.kind,
    vendor,
    fromMs,
    untilMs: raw.for === undefined ? Number.POSITIVE_INFINITY : fromMs + at(raw.for),
    probability: raw.probability,
  };
  if (raw.model !== undefined) spec.model = raw.model;
  if (raw.count !== undefined) spec.count = raw.count;
  if ("ms" in raw) spec.ms = parseDuration(raw.ms);
  if ("tokensPerSecond" in raw) spec.tokensPerSecond = raw.tokensPerSecond;
  if ("afterTokens" in raw) spec.afterTokens = raw.afterTokens;
  if ("retryAfter" in raw && raw.retryAfter !== undefined)
    spec.retryAfterMs = parseDuration(raw.retryAfter);
  return spec;
}

const EFFECTS = new Map<FaultKind, (spec: FaultSpec) => FaultEffect>(
  KINDS.map((k) => [k.kind, k.effect as (spec: FaultSpec) => FaultEffect]),
);

export function effectOf(spec: FaultSpec): FaultEffect {
  return EFFECTS.get(spec.kind)!(spec);
}
