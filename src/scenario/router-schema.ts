import { z } from "zod";
import { durationSchema, positiveDurationSchema } from "./schema-parts.js";

const ROUTE_PATTERN = /^[^/\s]+\/[^\s]+$/;

export const laneSchema = z.strictObject({
  priority: z.number().int().nonnegative().describe("0 is served first"),
  waitBudget: durationSchema.describe("longest wait in the queue before the first send (P9)"),
  maxQueue: z.number().int().positive().describe("queue bound; beyond it requests are shed"),
  timeout: positiveDurationSchema.describe("per-attempt timeout"),
  deadline: positiveDurationSchema.describe("longest time from intended start to an answer"),
});

/** The router config: which routes are equivalent and how traffic is budgeted. */
export const routerConfigSchema = z.strictObject({
  headroom: z
    .number()
    .gt(0)
    .max(1)
    .default(0.85)
    .describe("share of a stated limit the router plans to use (P6)"),
  maxAttempts: z.number().int().min(1).max(10).default(3).describe("attempts per request"),
  cooldown: durationSchema
    .default("1s")
    .describe("cooldown after a 429 that carries no Retry-After"),
  classes: z
    .record(
      z.string().min(1),
      z.array(z.string().regex(ROUTE_PATTERN, { error: 'expected a route "vendor/model"' })).min(1),
    )
    .describe("equivalence classes: routes in order of preference"),
  lanes: z.record(z.string().min(1), laneSchema),
});

export type RouterConfigFile = z.output<typeof routerConfigSchema>;
