import { z } from "zod";
import { durationSchema, timeSchema, tokenSizeSchema } from "./schema-parts.js";

/** The clients of this traffic retry a failed request themselves (a retry storm's fuel). */
const clientRetriesSchema = z
  .strictObject({
    max: z.number().int().nonnegative().describe("retries per request after the first try"),
    delay: durationSchema.default("1s").describe("fixed wait before each retry, the same for all"),
  })
  .describe("naive client retries: a fixed, shared delay, no backoff, no jitter");

/** Fields every generated arrival process shares: what kind of requests it makes. */
const requestShape = {
  lane: z.string().min(1),
  class: z.string().min(1).describe("equivalence class of routes (router.classes)"),
  tenant: z.string().min(1).optional().describe('the tenant of every request ("default")'),
  tenants: z
    .record(z.string().min(1), z.number().positive())
    .optional()
    .describe("tenants by weight, e.g. { acme: 5, small-co: 1 }; instead of tenant"),
  prompt: tokenSizeSchema.describe("prompt tokens per request"),
  completion: tokenSizeSchema.describe("completion tokens per request"),
  stream: z.number().min(0).max(1).default(0).describe("share of requests that stream"),
  clientRetries: clientRetriesSchema.optional(),
};

/** Evenly spaced at a fixed rate. */
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

/** Random arrivals at a mean rate (exponential gaps): users acting independently. */
export const poissonArrivalSchema = z.strictObject({
  type: z.literal("poisson"),
  rate: z.number().nonnegative().describe("mean requests per second"),
  from: timeSchema.default(0),
  for: timeSchema.optional().describe("how long; to the end when absent"),
  ...requestShape,
});

/** A rate rising (or falling) linearly from start to end. */
export const rampArrivalSchema = z.strictObject({
  type: z.literal("ramp"),
  start: z.number().nonnegative().describe("requests per second at from"),
  end: z.number().nonnegative().describe("requests per second at from + for"),
  from: timeSchema.default(0),
  for: timeSchema.optional().describe("how long; to the end when absent"),
  ...requestShape,
});

/** A staircase: each step's rate holds until the next step (rate 0 stops). */
export const stepArrivalSchema = z.strictObject({
  type: z.literal("step"),
  steps: z
    .array(
      z.strictObject({
        at: timeSchema,
        rate: z.number().nonnegative().describe("requests per second from here on"),
      }),
    )
    .min(1)
    .describe("in time order"),
  ...requestShape,
});

/** A daily curve (a sinusoid between base and peak), its day compressible for a drill. */
export const diurnalArrivalSchema = z.strictObject({
  type: z.literal("diurnal"),
  base: z.number().nonnegative().describe("requests per second at the quietest hour"),
  peak: z.number().nonnegative().describe("requests per second at the busiest hour"),
  period: timeSchema.default("24h").describe('one day; a drill compresses it, e.g. "10m"'),
  peakAt: timeSchema.optional().describe("where in each period the peak falls; half-way if absent"),
  from: timeSchema.default(0),
  for: timeSchema.optional().describe("how long; to the end when absent"),
  ...requestShape,
});

/** Replays a recorded trace: JSONL of {t, lane, tenant, class?, prompt, completion, stream?}. */
export const replayArrivalSchema = z.strictObject({
  type: z.literal("replay"),
  file: z.string().min(1).describe("the trace (JSONL), relative to the scenario file"),
  speed: z.number().positive().default(1).describe("2 plays the trace twice as fast"),
  from: timeSchema.default(0).describe("scenario time of the trace's t = 0"),
  class: z.string().min(1).optional().describe("class of lines that give none"),
  stream: z.number().min(0).max(1).default(0).describe("streaming share of lines that do not say"),
  clientRetries: clientRetriesSchema.optional(),
});

export const arrivalSchema = z.discriminatedUnion("type", [
  constantArrivalSchema,
  spikeArrivalSchema,
  poissonArrivalSchema,
  rampArrivalSchema,
  stepArrivalSchema,
  diurnalArrivalSchema,
  replayArrivalSchema,
]);

export type ArrivalInput = z.output<typeof arrivalSchema>;
