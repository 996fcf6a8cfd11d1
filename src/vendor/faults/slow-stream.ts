import { z } from "zod";
import type { FaultEffect, FaultSpec } from "./fault.js";

/** slow-stream: tokens trickle at `tokensPerSecond` instead of the model's rate. */
export const slowStreamFault = {
  kind: "slow-stream",
  fields: {
    tokensPerSecond: z.number().positive().describe("output tokens per second while it lasts"),
  },
  effect: (spec: FaultSpec): FaultEffect => ({
    type: "slow",
    tokensPerSecond: spec.tokensPerSecond ?? 1,
  }),
} as const;
