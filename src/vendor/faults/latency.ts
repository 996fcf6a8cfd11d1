import { durationSchema } from "../../scenario/schema-parts.js";
import type { FaultEffect, FaultSpec } from "./fault.js";

/** latency: the first token comes `ms` later (latency creeping up before any error). */
export const latencyFault = {
  kind: "latency",
  fields: { ms: durationSchema.describe('added to the time to first token, e.g. "2s"') },
  effect: (spec: FaultSpec): FaultEffect => ({ type: "delay", addMs: spec.ms ?? 0 }),
} as const;
