import { parseDuration } from "../../scenario/duration.js";
import { durationSchema } from "../../scenario/schema-parts.js";
import type { FaultEffect, FaultSpec } from "./fault.js";

/** The longest Retry-After a throttle may state: beyond an hour no drill needs. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * throttle: a 429 with the vendor's rate-limit headers, as if a limit were hit.
 * With `retryAfter` the 429 asks exactly that wait, 0 included, so a drill can
 * test the edges of Retry-After (P18): a 0 that invites a hot loop, a 120 s that
 * no user can wait out.
 */
export const throttleFault = {
  kind: "throttle",
  fields: {
    retryAfter: durationSchema
      .refine((value) => parseDuration(value) <= MAX_RETRY_AFTER_MS, {
        error: "expected a Retry-After of at most 1h",
      })
      .optional()
      .describe('the wait the 429 asks, exactly, e.g. "0s" or "120s"; about a second when absent'),
  },
  effect: (spec: FaultSpec): FaultEffect =>
    spec.retryAfterMs === undefined
      ? { type: "refuse", refusal: "throttle" }
      : { type: "refuse", refusal: "throttle", retryAfterMs: spec.retryAfterMs },
} as const;
