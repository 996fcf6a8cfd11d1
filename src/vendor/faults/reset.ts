import { z } from "zod";
import type { FaultEffect, FaultSpec } from "./fault.js";

/** reset: the connection drops after `afterTokens` tokens of the answer (mid-stream). */
export const resetFault = {
  kind: "reset",
  fields: {
    afterTokens: z.number().int().nonnegative().default(5).describe("tokens sent before the cut"),
  },
  effect: (spec: FaultSpec): FaultEffect => ({
    type: "cut",
    afterTokens: spec.afterTokens ?? 5,
    how: "reset",
  }),
} as const;
