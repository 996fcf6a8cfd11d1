import { z } from "zod";
import type { FaultEffect, FaultSpec } from "./fault.js";

/** stream-error: after a 200 and `afterTokens` tokens, the vendor's own error event ends the stream. */
export const streamErrorFault = {
  kind: "stream-error",
  fields: {
    afterTokens: z.number().int().nonnegative().default(5).describe("tokens sent before the error"),
  },
  effect: (spec: FaultSpec): FaultEffect => ({
    type: "cut",
    afterTokens: spec.afterTokens ?? 5,
    how: "stream-error",
  }),
} as const;
