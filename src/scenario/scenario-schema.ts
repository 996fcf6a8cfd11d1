import { z } from "zod";
import { scenarioFaultSchema } from "../vendor/faults/fault-kinds.js";
import { routerConfigSchema } from "./router-schema.js";
import { durationSchema } from "./schema-parts.js";
import { arrivalSchema } from "./traffic-schema.js";

export const vendorRefSchema = z.strictObject({
  profile: z.string().min(1).describe("a profile name from mocks/, or a path to a profile file"),
});

/** A scenario file: who the vendors are, what traffic arrives, what goes wrong. */
export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().default(""),
  duration: durationSchema,
  speed: z.number().positive().default(1).describe("live mode: scenario seconds per wall second"),
  seed: z.number().int().nonnegative().default(1),
  vendors: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), vendorRefSchema),
  traffic: z.array(arrivalSchema).min(1),
  faults: z.array(scenarioFaultSchema).default([]),
  router: z.union([routerConfigSchema, z.string().min(1).describe("path to a router config file")]),
  thresholds: z.array(z.string()).default([]),
  nodes: z
    .number()
    .int()
    .min(1)
    .max(32)
    .default(1)
    .describe("router nodes, each with its own view of the routes, taking requests in turn (P20)"),
  store: z
    .union([
      z.enum(["memory", "none"]),
      z
        .string()
        .regex(/^rediss?:\/\/\S+$/, "redis://host:port")
        .describe("a Redis URL: live mode shares through it"),
    ])
    .default("memory")
    .describe(
      "what the nodes share cooldowns and health through: memory (in the run), none, or a Redis URL; sim mode models a store in memory whatever this says",
    ),
});

export type ScenarioFile = z.output<typeof scenarioWithRouterSchema>;

/**
 * The schema a scenario is checked against once a router given as a path has
 * been read in: errors inside the router then name their field, not the union.
 */
export const scenarioWithRouterSchema = scenarioSchema.extend({ router: routerConfigSchema });
