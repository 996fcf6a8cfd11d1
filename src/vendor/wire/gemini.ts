import {
  answerText,
  type Completion,
  contentChars,
  estimateTokens,
  type Refusal,
  type RequestHeaders,
  retryAfterSeconds,
  SSE_HEADERS,
  type StreamWriter,
  tokenText,
  type WireFormat,
  type WireRequest,
  type WireResponse,
} from "./wire-format.js";

/**
 * Google's Gemini API (VENDOR-WIRE.md): `POST /v1beta/models/{model}:generateContent`
 * and `:streamGenerateContent`, keys in `x-goog-api-key`. The model and whether to
 * stream come from the path, not the body. No rate-limit headers: a 429 says when
 * to retry in its body (google.rpc.RetryInfo).
 */
const MODEL_PATH = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** The JSON of a Google API error: `{"error":{"code","message","status","details"?}}`. */
function googleError(
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): WireResponse {
  const error: Record<string, unknown> = { code, message, status };
  if (details) error.details = details;
  return {
    status: code,
    headers: { "content-type": "application/json; charset=UTF-8" },
    body: JSON.stringify({ error }),
  };
}

const invalid = (message: string) => googleError(400, "INVALID_ARGUMENT", message);

const OVERLOADED = "The model is overloaded. Please try again later.";
const INTERNAL =
  "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
const RATE_LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits";

/** A path segment as sent, %-decoded; undefined when the escape is malformed. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Proto JSON accepts a field by its lowerCamel and its snake_case name. */
function field(obj: Record<string, unknown>, camel: string, snake: string): unknown {
  return obj[camel] ?? obj[snake];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** Characters of text in one Content (`{role?, parts:[{text}]}`); a string is the 400's message. */
function contentTextChars(content: unknown, where: string): number | string {
  if (!isObject(content))
    return `Invalid value at '${where}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)`;
  const { role, parts } = content;
  if (role !== undefined && role !== "user" && role !== "model" && role !== "function") {
    return "Please use a valid role: user, model.";
  }
  if (!Array.isArray(parts) || parts.length === 0) {
    return `* GenerateContentRequest.${where}.parts: contents.parts must not be empty.\n`;
  }
  return contentChars(parts);
}

export function parseGeminiRequest(
  body: unknown,
  model: string | undefined,
  stream: boolean,
): WireRequest | WireResponse {
  if (!isObject(body)) {
    return invalid(
      'Invalid JSON payload received. Unknown name "": Root element must be a message.',
    );
  }
  if (!model) return invalid("* GenerateContentRequest.model: unexpected model name format\n");
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return invalid("* GenerateContentRequest.contents: contents is not specified\n");
  }
  let chars = 0;
  for (const [i, content] of contents.entries()) {
    const counted = contentTextChars(content, `contents[${i}]`);
    if (typeof counted === "string") return invalid(counted);
    chars += counted;
  }
  const system = field(body, "systemInstruction", "system_instruction");
  if (system !== undefined) {
    const counted = contentTextChars(system, "system_instruction");
    if (typeof counted === "string") return invalid(counted);
    chars += counted;
  }
  const config = field(body, "generationConfig", "generation_config");
  let maxTokens: number | undefined;
  if (config !== undefined && config !== null) {
    if (!isObject(config)) {
      return invalid(
        "Invalid value at 'generation_config' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig)",
      );
    }
    const max = field(config, "maxOutputTokens", "max_output_tokens");
    if (max !== undefined && max !== null) {
      if (typeof max !== "number" || !Number.isInteger(max)) {
        return invalid(
          `Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(max)}`,
        );
      }
      if (max < 1) {
        return invalid(
          "* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n",
        );
      }
      maxTokens = max;
    }
  }
  return {
    model,
    promptTokens: estimateTokens(chars),
    maxTokens,
    stream,
    includeUsage: false,
  };
}

const finishReason = (c: Completion) => (c.truncated ? "MAX_TOKENS" : "STOP");

function usageMetadata(c: Completion) {
  return {
    promptTokenCount: c.promptTokens,
    candidatesTokenCount: c.completionTokens,
    totalTokenCount: c.promptTokens + c.completionTokens,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: c.promptTokens }],
  };
}

/** Gemini ends each SSE frame with CRLF CRLF (older Google SDKs match `data: …\r\n` only). */
const frame = (json: string) => `data: ${json}\r\n\r\n`;

const STREAM_ERRORS = {
  overload: { code: 503, message: OVERLOADED, status: "UNAVAILABLE" },
  "server-error": { code: 500, message: INTERNAL, status: "INTERNAL" },
} as const;

/**
 * `?alt=sse`: every frame a whole GenerateContentResponse holding the next piece
 * of text; the last one carries finishReason and usageMetadata. No end marker:
 * the stream just ends. An error after the 200 is a frame with an `error` object.
 */
class GeminiStreamWriter implements StreamWriter {
  readonly headers: Record<string, string> = { ...SSE_HEADERS };

  /** Every token frame is the same text around its piece: built once per stream. */
  private readonly head = 'data: {"candidates":[{"content":{"parts":[{"text":';
  private readonly tail: string;

  constructor(private readonly c: Completion) {
    this.tail =
      `}],"role":"model"},"index":0}],"modelVersion":${JSON.stringify(c.model)},` +
      `"responseId":${JSON.stringify(c.id)}}\r\n\r\n`;
  }

  start(): string {
    return "";
  }

  token(index: number): string {
    return this.head + JSON.stringify(tokenText(index)) + this.tail;
  }

  end(): string {
    return frame(
      JSON.stringify({
        candidates: [
          {
            content: { parts: [{ text: "" }], role: "model" },
            finishReason: finishReason(this.c),
            index: 0,
          },
        ],
        usageMetadata: usageMetadata(this.c),
        modelVersion: this.c.model,
        responseId: this.c.id,
      }),
    );
  }

  error(kind: "overload" | "server-error"): string {
    return frame(JSON.stringify({ error: STREAM_ERRORS[kind] }));
  }
}

/** Seconds as Google writes them in messages: "57.2s", "2.5s", "1s". */
function retrySeconds(ms: number): string {
  return `${Number((Math.max(0, ms) / 1000).toFixed(3))}s`;
}

/** The free-tier quota a refusal ran into, as QuotaFailure names it. */
function violation(model: string, perDay: boolean, tokens: boolean, limit?: number) {
  const metric = tokens
    ? "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count"
    : "generativelanguage.googleapis.com/generate_content_free_tier_requests";
  const quotaId = tokens
    ? "GenerateContentInputTokensPerModelPerMinute-FreeTier"
    : perDay
      ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
      : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
  const v: Record<string, unknown> = {
    quotaMetric: metric,
    quotaId,
    quotaDimensions: { location: "global", model },
  };
  if (limit !== undefined) v.quotaValue = String(limit);
  return v;
}

function exhausted(
  model: string,
  perDay: boolean,
  tokens: boolean,
  limit: number | undefined,
  retryAfter: { retryAfterMs: number; retryAfterStated?: boolean } | undefined,
): WireResponse {
  const v = violation(model, perDay, tokens, limit);
  const limitText = limit === undefined ? "" : `, limit: ${limit}`;
  let message =
    "You exceeded your current quota, please check your plan and billing details. " +
    `For more information on this error, head to: ${RATE_LIMITS_URL}.\n` +
    `* Quota exceeded for metric: ${v.quotaMetric}${limitText}, model: ${model}`;
  const details: unknown[] = [
    { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [v] },
    {
      "@type": "type.googleapis.com/google.rpc.Help",
      links: [{ description: "Learn more about Gemini API quotas", url: RATE_LIMITS_URL }],
    },
  ];
  if (retryAfter !== undefined) {
    message += `\nPlease retry in ${retrySeconds(retryAfter.retryAfterMs)}.`;
    // Whole seconds, rounded up (never 0 unless stated): a client that waits this long must not be early.
    const delayS = retryAfterSeconds(retryAfter);
    details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${delayS}s` });
  }
  return googleError(429, "RESOURCE_EXHAUSTED", message, details);
}

export const geminiFormat: WireFormat = {
  name: "gemini",
  /** The SDKs' base URL is the bare origin; the path carries the API version. */
  basePath: "",

  match(method, path) {
    if (method !== "POST") return undefined;
    const m = MODEL_PATH.exec(path);
    const model = m ? decodeSegment(m[2]!) : undefined;
    if (!m || !model) return undefined;
    return { modelInPath: model, streamByPath: m[3] === "streamGenerateContent" };
  },

  /** The key in `x-goog-api-key`, or in the query as `?key=` (both are Google's). */
  checkAuth(headers: RequestHeaders, query?: URLSearchParams) {
    const key = headers["x-goog-api-key"];
    const value = Array.isArray(key) ? key[0] : key;
    if (typeof value === "string" && value.trim() !== "") return undefined;
    if ((query?.get("key") ?? "").trim() !== "") return undefined;
    return googleError(
      403,
      "PERMISSION_DENIED",
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  },

  parseRequest: (body, match) =>
    parseGeminiRequest(body, match.modelInPath, match.streamByPath === true),

  /** Gemini states no budgets in headers. */
  budgetHeaders: () => ({}),

  completion(c) {
    return {
      status: 200,
      headers: { "content-type": "application/json; charset=UTF-8" },
      body: JSON.stringify({
        candidates: [
          {
            content: { parts: [{ text: answerText(c.completionTokens) }], role: "model" },
            finishReason: finishReason(c),
            index: 0,
          },
        ],
        usageMetadata: usageMetadata(c),
        modelVersion: c.model,
        responseId: c.id,
      }),
    };
  },

  streamWriter(c) {
    return new GeminiStreamWriter(c);
  },

  refusal(refusal: Refusal) {
    switch (refusal.kind) {
      case "unknown-model":
        return googleError(
          404,
          "NOT_FOUND",
          `models/${refusal.model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
        );
      case "server-error":
        return googleError(500, "INTERNAL", INTERNAL);
      case "overload":
        return googleError(503, "UNAVAILABLE", OVERLOADED);
      case "quota":
        // Requests per day, reset at midnight Pacific: no RetryInfo to wait for.
        return exhausted(refusal.model, true, false, undefined, undefined);
      case "throttle":
        return exhausted(
          refusal.model,
          false,
          refusal.limitType !== "requests",
          refusal.limit,
          refusal,
        );
    }
  },

  invalidRequest: (message) => invalid(message),
  notFound: (message) => googleError(404, "NOT_FOUND", message),
  /** Gemini answers an oversized payload 400 INVALID_ARGUMENT; the mock keeps the status 413. */
  tooLarge: () => googleError(413, "INVALID_ARGUMENT", "Request payload size exceeds the limit."),
};
