import type { ModelSpec, VendorSpec } from "../vendor/types.js";

/** A model with round numbers, for tests of the vendor model and what uses it. */
export function testModel(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    name: "gpt-4o-mini",
    limits: { rpm: 60, tpm: 100_000 },
    latency: { ttftMedianMs: 500, ttftSigma: 0, tokensPerSecond: 100 },
    price: { inputPerMTok: 1, outputPerMTok: 2 },
    defaultCompletionTokens: 50,
    ...overrides,
  };
}

export function testVendor(name = "vendor-a", models: ModelSpec[] = [testModel()]): VendorSpec {
  return { name, profile: "test", format: "openai", models };
}
