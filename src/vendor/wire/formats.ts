import type { WireFormatName } from "../types.js";
import { anthropicFormat } from "./anthropic.js";
import { azureFormat } from "./azure.js";
import { bedrockFormat } from "./bedrock.js";
import { geminiFormat } from "./gemini.js";
import { openAiFormat } from "./openai.js";
import type { WireFormat } from "./wire-format.js";

/** Every wire format by name; a vendor profile's `format` picks one. */
const FORMATS: Record<WireFormatName, WireFormat> = {
  openai: openAiFormat,
  azure: azureFormat,
  anthropic: anthropicFormat,
  gemini: geminiFormat,
  bedrock: bedrockFormat,
};

export const FORMAT_NAMES = Object.keys(FORMATS) as WireFormatName[];

export function formatFor(name: WireFormatName): WireFormat {
  return FORMATS[name];
}
