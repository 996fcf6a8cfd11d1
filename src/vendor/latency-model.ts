import { lognormal, type Rng } from "../random/rng.js";
import type { ModelSpec } from "./types.js";

export interface LatencyDraw {
  /** Time to first token, scenario ms. */
  ttftMs: number;
  /** Output tokens per second once streaming. */
  tokensPerSecond: number;
}

/** Time to first token from a lognormal, then output tokens at a steady rate. */
export function drawLatency(model: ModelSpec, rng: Rng): LatencyDraw {
  const { ttftMedianMs, ttftSigma, tokensPerSecond } = model.latency;
  return { ttftMs: lognormal(rng, ttftMedianMs, ttftSigma), tokensPerSecond };
}

/** Scenario ms from the first token to the last. */
export function generationMs(completionTokens: number, tokensPerSecond: number): number {
  return completionTokens <= 1 ? 0 : ((completionTokens - 1) / tokensPerSecond) * 1000;
}
