import { z } from "zod";
import { DURATION_PATTERN, parseDuration, TIME_PATTERN } from "./duration.js";

/** A span of time: "250ms", "2s", "10m", "1h30m", or a number of milliseconds. */
export const durationSchema = z.union([
  z.number().nonnegative(),
  z.string().regex(DURATION_PATTERN, { error: 'expected a duration such as "250ms", "2s", "10m"' }),
]);

/** A point or span in a scenario: a duration, or a share of the scenario ("30%"). */
export const timeSchema = z.union([
  z.number().nonnegative(),
  z
    .string()
    .regex(TIME_PATTERN, { error: 'expected a duration such as "90s" or a share such as "30%"' }),
]);

/** A token count: a fixed number or a distribution to draw from per request. */
export const tokenSizeSchema = z.union([
  z.number().int().nonnegative(),
  z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("fixed"), value: z.number().int().nonnegative() }),
    z.strictObject({
      type: z.literal("uniform"),
      min: z.number().int().nonnegative(),
      max: z.number().int().nonnegative(),
    }),
  ]),
]);

export type TokenSize = z.infer<typeof tokenSizeSchema>;

/** A span that must be above zero (a timeout of 0 would fail every attempt). */
export const positiveDurationSchema = durationSchema.refine((value) => parseDuration(value) > 0, {
  error: "expected a duration above zero",
});
