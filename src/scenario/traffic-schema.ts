import { z } from "zod";
import { timeSchema, tokenSizeSchema } from "./schema-parts.js";

/** Fields every arrival process shares: what kind of requests it makes. */
const requestShape = {
  lane: z.string().min(1),
  class: z.string().min(1).describe("equivalence class of routes (router.classes)"),
  tenant: z.string().min(1).default("default"),
  prompt: tokenSizeSchema.describe("prompt tokens per request"),
  completion: tokenSizeSchema.describe("completion tokens per request"),
  stream: z.number().min(0).max(1).default(0).describe("share of requests that stream"),
};

export const constantArrivalSchema = z.strictObject({
  type: z.literal("constant"),
  rate: z.number().nonnegative().describe("requests per second"),
  from: timeSchema.default(0),
  for: timeSchema.optional().describe("how long; to the end when absent"),
  ...requestShape,
});

/** A surge on top of other traffic: ramps up, holds, ramps down. */
export const spikeArrivalSchema = z.strictObject({
  type: z.literal("spike"),
  rate: z.number().nonnegative().describe("peak requests per second"),
  from: timeSchema,
  rise: timeSchema.default("1m"),
  hold: timeSchema,
  fall: timeSchema.default("1m"),
  ...requestShape,
});

export const arrivalSchema = z.discriminatedUnion("type", [
  constantArrivalSchema,
  spikeArrivalSchema,
]);

export type ArrivalInput = z.output<typeof arrivalSchema>;
