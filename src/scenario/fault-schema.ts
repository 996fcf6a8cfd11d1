import { z } from "zod";
import { timeSchema } from "./schema-parts.js";

/** Fields every fault shares: where and when it applies, and how often. */
const faultWindow = {
  vendor: z.string().min(1),
  model: z.string().min(1).optional().describe("all models of the vendor when absent"),
  from: timeSchema.default(0),
  for: timeSchema.optional().describe("to the end when absent"),
  probability: z.number().min(0).max(1).default(1),
};

export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("throttle"), ...faultWindow }),
  z.strictObject({ kind: z.literal("server-error"), ...faultWindow }),
]);

export type FaultInput = z.output<typeof faultSchema>;
