import { z } from "zod";
import { durationSchema } from "./schema-parts.js";

/** The limits a vendor enforces on one model of one account. */
export const modelLimitsSchema = z.strictObject({
  rpm: z.number().int().positive().describe("requests per minute"),
  tpm: z.number().int().positive().describe("tokens per minute, input and output together"),
  inputTpm: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("input tokens per minute (Anthropic, Gemini)"),
  outputTpm: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("output tokens per minute (Anthropic)"),
  concurrent: z.number().int().positive().optional().describe("requests in flight at once"),
  rpd: z.number().int().positive().optional().describe("requests per day (Gemini)"),
  charge: z
    .enum(["up-front", "input-up-front"])
    .default("up-front")
    .describe(
      "up-front: prompt + max tokens when admitted (OpenAI, Azure); input-up-front: the prompt when admitted, output as generated (Anthropic)",
    ),
  algorithm: z
    .enum(["token-bucket", "fixed-window", "sliding-window"])
    .default("token-bucket")
    .describe(
      "how the limits refill: continuously, all at the minute's edge, or over a rolling minute",
    ),
  enforcedPer: durationSchema
    .optional()
    .describe(
      "enforce the per-minute limits in slices this long (OpenAI quantizes, Azure uses 1s or 10s); headers still state per-minute figures",
    ),
});

export const modelProfileSchema = z.strictObject({
  limits: modelLimitsSchema,
  latency: z.strictObject({
    ttft: z.strictObject({
      median: durationSchema.describe("median time to first token"),
      sigma: z.number().nonnegative().default(0.3).describe("lognormal shape"),
    }),
    tokensPerSecond: z.number().positive().describe("output tokens streamed per second"),
    halfSpeedAt: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "requests in flight at which first tokens come twice as late and tokens flow half as fast",
      ),
  }),
  price: z.strictObject({
    inputPerMTok: z.number().nonnegative().describe("USD per million prompt tokens"),
    outputPerMTok: z.number().nonnegative().describe("USD per million completion tokens"),
  }),
  defaultCompletionTokens: z
    .number()
    .int()
    .positive()
    .default(200)
    .describe("answer length when the caller gives no hint"),
});

/** A vendor profile (mocks/*.yaml): one account of one vendor with its models. */
export const vendorProfileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(""),
  format: z
    .enum(["openai", "azure", "anthropic", "gemini", "bedrock"])
    .describe("the wire format the mock speaks"),
  models: z.record(z.string().min(1), modelProfileSchema).refine((m) => Object.keys(m).length > 0, {
    error: "expected at least one model",
  }),
});

export type VendorProfileInput = z.input<typeof vendorProfileSchema>;
export type VendorProfileFile = z.output<typeof vendorProfileSchema>;
export type ModelProfileFile = z.output<typeof modelProfileSchema>;
