import type { FaultEffect } from "./fault.js";

/** quota: the account's quota or credit is gone: a 429 (or 400) that must not be retried. */
export const quotaFault = {
  kind: "quota",
  fields: {},
  effect: (): FaultEffect => ({ type: "refuse", refusal: "quota" }),
} as const;
