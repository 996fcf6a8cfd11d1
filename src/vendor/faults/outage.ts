import type { FaultEffect } from "./fault.js";

/** outage: the vendor is unreachable; every connection fails before a byte is answered. */
export const outageFault = {
  kind: "outage",
  fields: {},
  effect: (): FaultEffect => ({ type: "outage" }),
} as const;
