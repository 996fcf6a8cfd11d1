import type { WireFormat } from "./wire-format.js";
import { openAiFormat } from "./openai.js";
import type { WireFormatName } from "../types.js";

/** Every wire format by name; a vendor profile's `format` picks one. */
const FORMATS: Record<WireFormatName, WireFormat> = {
  openai: openAiFormat,
};

export function formatFor(name: WireFormatName): WireFormat {
  return FORMATS[name];
}
