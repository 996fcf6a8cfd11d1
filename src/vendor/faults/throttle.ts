import type { FaultEffect } from "./fault.js";

/** throttle: a 429 with the vendor's rate-limit headers, as if a limit were hit. */
export const throttleFault = {
  kind: "throttle",
  fields: {},
  effect: (): FaultEffect => ({ type: "refuse", refusal: "throttle" }),
} as const;
