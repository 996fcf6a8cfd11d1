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

const fixedSizeSchema = z.strictObject({
  type: z.literal("fixed"),
  value: z.number().int().nonnegative(),
});

const uniformSizeSchema = z.strictObject({
  type: z.literal("uniform"),
  min: z.number().int().nonnegative(),
  max: z.number().int().nonnegative(),
});

/** Most requests near the median, a long tail of big ones (sigma of the underlying normal). */
const lognormalSizeSchema = z.strictObject({
  type: z.literal("lognormal"),
  median: z.number().positive(),
  sigma: z.number().nonnegative().describe("spread: 0 is always the median, 1 is a long tail"),
  max: z.number().int().nonnegative().optional().describe("no draw above this"),
});

/** A size that is not a mixture: what a mixture is made of. */
const simpleTokenSizeSchema = z.union([
  z.number().int().nonnegative(),
  z.discriminatedUnion("type", [fixedSizeSchema, uniformSizeSchema, lognormalSizeSchema]),
]);

/** Several sizes, each drawn as often as its weight ("mostly chat, some 40,000-token prompts"). */
const mixtureSizeSchema = z.strictObject({
  type: z.literal("mixture"),
  of: z
    .array(
      z.strictObject({
        weight: z.number().positive().describe("relative share, e.g. 95 and 5"),
        size: simpleTokenSizeSchema,
      }),
    )
    .min(1),
});

/** A token count: a fixed number or a distribution to draw from per request. */
export const tokenSizeSchema = z.union([
  z.number().int().nonnegative(),
  z.discriminatedUnion("type", [
    fixedSizeSchema,
    uniformSizeSchema,
    lognormalSizeSchema,
    mixtureSizeSchema,
  ]),
]);

/** Problems zod cannot see: a uniform whose min is above its max, at any depth. */
export function tokenSizeProblems(size: TokenSize): { path: PropertyKey[]; message: string }[] {
  if (typeof size === "number") return [];
  if (size.type === "uniform" && size.min > size.max) {
    return [{ path: [], message: `min (${size.min}) is above max (${size.max})` }];
  }
  if (size.type === "mixture") {
    return size.of.flatMap((part, i) =>
      tokenSizeProblems(part.size).map((p) => ({ ...p, path: ["of", i, "size", ...p.path] })),
    );
  }
  return [];
}

export type TokenSize = z.infer<typeof tokenSizeSchema>;

/** A span that must be above zero (a timeout of 0 would fail every attempt). */
export const positiveDurationSchema = durationSchema.refine((value) => parseDuration(value) > 0, {
  error: "expected a duration above zero",
});
