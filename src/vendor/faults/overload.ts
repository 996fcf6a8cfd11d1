import type { FaultEffect } from "./fault.js";

/** overload: the vendor is over capacity: 503, or Anthropic's 529. */
export const overloadFault = {
  kind: "overload",
  fields: {},
  effect: (): FaultEffect => ({ type: "refuse", refusal: "overload" }),
} as const;
