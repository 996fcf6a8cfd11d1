import type { FaultEffect } from "./fault.js";

/** stall: the request is accepted and never answered; only the caller's timeout ends it. */
export const stallFault = {
  kind: "stall",
  fields: {},
  effect: (): FaultEffect => ({ type: "stall" }),
} as const;
