import type { FaultEffect } from "./fault.js";

/** server-error: a 500 in the vendor's shape. */
export const serverErrorFault = {
  kind: "server-error",
  fields: {},
  effect: (): FaultEffect => ({ type: "refuse", refusal: "server-error" }),
} as const;
