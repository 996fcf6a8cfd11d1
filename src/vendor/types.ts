import type { LimiterAlgorithm } from "./limiters/limiter.js";

/** What the vendor model needs to know about one model of one vendor account. */
export interface ModelSpec {
  name: string;
  limits: {
    rpm: number;
    tpm: number;
    /** How the per-minute limits refill (P3: the router must not assume one shape). */
    algorithm: LimiterAlgorithm;
    /** When set, the per-minute limits are also enforced per slice of this many ms. */
    enforcedPerMs?: number;
    /** Input and output tokens per minute, where the vendor limits them apart. */
    inputTpm?: number;
    outputTpm?: number;
    /** Requests in flight at once. */
    concurrent?: number;
    /** Requests per day. */
    rpd?: number;
    /** up-front: prompt + max tokens at admission; input-up-front: output charged as generated. */
    charge: "up-front" | "input-up-front";
  };
  latency: {
    ttftMedianMs: number;
    ttftSigma: number;
    tokensPerSecond: number;
    /** In-flight requests at which the model runs at half speed; no slowdown when absent. */
    halfSpeedAt?: number;
  };
  price: { inputPerMTok: number; outputPerMTok: number };
  defaultCompletionTokens: number;
}

/** Wire formats the mocks speak (vendor/wire/formats.ts). */
export type WireFormatName = "openai" | "azure" | "anthropic" | "gemini" | "bedrock";

export interface VendorSpec {
  name: string;
  profile: string;
  format: WireFormatName;
  models: ModelSpec[];
}

export type { FaultKind, FaultSpec } from "./faults/fault.js";
