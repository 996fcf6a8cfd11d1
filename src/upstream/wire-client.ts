import {
  type ChatRequestShape,
  type RequestFormat,
  toVendorRequest,
} from "../router/request-mapping.js";
import type { WireFormatName } from "../vendor/types.js";
import { EVENT_STREAM_CONTENT_TYPE } from "../vendor/wire/aws-event-stream.js";
import { AZURE_API_VERSION } from "../vendor/wire/azure.js";
import { COMPLETION_HINT_HEADER } from "../vendor/wire/wire-format.js";
import { EventStreamReader } from "./event-stream-reader.js";
import {
  AnthropicSseReader,
  GeminiSseReader,
  OpenAiSseReader,
  type StreamReader,
} from "./sse-reader.js";
import type { Attempt, Usage } from "./upstream.js";

/** The key the harness sends; mocks accept any key in the right header and never echo it. */
export const HARNESS_KEY = "sk-gw-chaos-harness";
/** The API version every Anthropic SDK sends. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** One HTTP request in a vendor's own shape. */
export interface WireCall {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The client side of one wire format: the request a harness sends for an
 * attempt (path, auth header, body mapped by P12's toVendorRequest from one
 * neutral chat request), and how to read the answer back.
 */
export interface WireClient {
  readonly format: WireFormatName;
  request(attempt: Attempt, prompt: string): WireCall;
  /** The billed tokens of a whole (unstreamed) JSON answer; undefined when it states none. */
  usage(json: unknown): Usage | undefined;
  /** A reader for one streamed answer. */
  streamReader(): StreamReader;
}

/** Azure takes OpenAI's body; the rest map to themselves. */
const REQUEST_FORMAT: Record<WireFormatName, RequestFormat> = {
  openai: "openai",
  azure: "openai",
  anthropic: "anthropic",
  gemini: "gemini",
  bedrock: "bedrock",
};

/** The header each vendor's mock (and the vendor) reads the key from. */
const AUTH_HEADERS: Record<WireFormatName, Readonly<Record<string, string>>> = {
  openai: { authorization: `Bearer ${HARNESS_KEY}` },
  azure: { "api-key": HARNESS_KEY },
  anthropic: { "x-api-key": HARNESS_KEY, "anthropic-version": ANTHROPIC_VERSION },
  gemini: { "x-goog-api-key": HARNESS_KEY },
  // A Bedrock API key; the AWS SDKs sign with SigV4 instead, the mock takes either.
  bedrock: { authorization: `Bearer ${HARNESS_KEY}` },
};

const STREAM_ACCEPT: Record<WireFormatName, string> = {
  openai: "text/event-stream",
  azure: "text/event-stream",
  anthropic: "text/event-stream",
  gemini: "text/event-stream",
  bedrock: EVENT_STREAM_CONTENT_TYPE,
};

type Loose = Record<string, unknown> | undefined;

function counts(usage: unknown, promptKey: string, completionKey: string): Usage | undefined {
  const u = usage as Loose;
  const prompt = u?.[promptKey];
  const completion = u?.[completionKey];
  if (typeof prompt !== "number" && typeof completion !== "number") return undefined;
  return {
    prompt: typeof prompt === "number" ? prompt : 0,
    completion: typeof completion === "number" ? completion : 0,
  };
}

/** Where each format states the billed tokens of a whole answer. */
const USAGE: Record<WireFormatName, (json: unknown) => Usage | undefined> = {
  openai: (json) => counts((json as Loose)?.usage, "prompt_tokens", "completion_tokens"),
  azure: (json) => counts((json as Loose)?.usage, "prompt_tokens", "completion_tokens"),
  anthropic: (json) => counts((json as Loose)?.usage, "input_tokens", "output_tokens"),
  gemini: (json) =>
    counts((json as Loose)?.usageMetadata, "promptTokenCount", "candidatesTokenCount"),
  bedrock: (json) => counts((json as Loose)?.usage, "inputTokens", "outputTokens"),
};

const READERS: Record<WireFormatName, () => StreamReader> = {
  openai: () => new OpenAiSseReader(),
  azure: () => new OpenAiSseReader(),
  anthropic: () => new AnthropicSseReader(),
  gemini: () => new GeminiSseReader(),
  bedrock: () => new EventStreamReader(),
};

/** The path an attempt goes to: toVendorRequest's, or Azure's deployment path. */
function pathFor(format: WireFormatName, model: string, mapped: string): string {
  if (format !== "azure") return mapped;
  return `/openai/deployments/${encodeURIComponent(model)}/chat/completions?api-version=${AZURE_API_VERSION}`;
}

export function wireClientFor(format: WireFormatName): WireClient {
  const requestFormat = REQUEST_FORMAT[format];
  const auth = AUTH_HEADERS[format];
  return {
    format,
    request(attempt, prompt) {
      const shape: ChatRequestShape = {
        model: attempt.model,
        messages: [{ role: "user", content: prompt }],
        maxTokens: attempt.maxTokens,
        stream: attempt.stream,
      };
      const { path, body } = toVendorRequest(shape, requestFormat);
      return {
        path: pathFor(format, attempt.model, path),
        headers: {
          ...auth,
          "content-type": "application/json",
          accept: attempt.stream ? STREAM_ACCEPT[format] : "application/json",
          [COMPLETION_HINT_HEADER]: String(attempt.completionHint),
        },
        body: JSON.stringify(body),
      };
    },
    usage: USAGE[format],
    streamReader: READERS[format],
  };
}
