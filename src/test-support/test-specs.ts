import type { ModelSpec, VendorSpec } from "../vendor/types.js";

type ModelOverrides = Omit<Partial<ModelSpec>, "limits"> & {
  limits?: Partial<ModelSpec["limits"]>;
};

/** A model with round numbers, for tests of the vendor model and what uses it. */
export function testModel(overrides: ModelOverrides = {}): ModelSpec {
  const { limits, ...rest } = overrides;
  return {
    name: "gpt-4o-mini",
    latency: { ttftMedianMs: 500, ttftSigma: 0, tokensPerSecond: 100 },
    price: { inputPerMTok: 1, outputPerMTok: 2 },
    defaultCompletionTokens: 50,
    ...rest,
    limits: { rpm: 60, tpm: 100_000, algorithm: "token-bucket", charge: "up-front", ...limits },
  };
}

export function testVendor(name = "vendor-a", models: ModelSpec[] = [testModel()]): VendorSpec {
  return { name, profile: "test", format: "openai", models };
}
