import { EVENT_STREAM_CONTENT_TYPE, eventFrame, exceptionFrame } from "./aws-event-stream.js";
import {
  answerText,
  type Completion,
  contentChars,
  estimateTokens,
  type Refusal,
  type RequestHeaders,
  type StreamWriter,
  tokenText,
  type WireFormat,
  type WireRequest,
  type WireResponse,
} from "./wire-format.js";

/**
 * Amazon Bedrock's Converse API (VENDOR-WIRE.md): `POST /model/{modelId}/converse`
 * and `/model/{modelId}/converse-stream`, SigV4-signed. The model and whether to
 * stream come from the path. No rate-limit headers and no Retry-After; errors are
 * `{"message":…}` with the exception named in `x-amzn-ErrorType`, as the AWS SDKs
 * (restJson1) read them.
 */
const MODEL_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

/** FNV-1a, 32 bits: request ids with no randomness, so runs replay byte for byte. */
function fnv1a(text: string, seed = 0x811c9dc5): string {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** A UUID-shaped x-amzn-RequestId derived from a seed (an answer's id, a refusal). */
export function requestId(seed: string): string {
  const hex =
    fnv1a(seed) + fnv1a(seed, 0x01000193) + fnv1a(seed, 0x2545f491) + fnv1a(seed, 0x1b873593);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function awsError(status: number, errorType: string, message: string, seed: string): WireResponse {
  return {
    status,
    headers: {
      "content-type": "application/json",
      "x-amzn-RequestId": requestId(seed),
      "x-amzn-ErrorType": errorType,
    },
    body: JSON.stringify({ message }),
  };
}

const invalid = (message: string) =>
  awsError(400, "ValidationException", message, `400:${message}`);

const MALFORMED = "Malformed input request, please reformat your input and try again.";
const UNAVAILABLE = "Bedrock is unable to process your request.";
const INTERNAL =
  "The system encountered an unexpected error during processing. Try your request again.";

/**
 * An exhausted quota. The Bedrock Runtime model (aws-sdk-js-v3 schemas) declares
 * ServiceQuotaExceededException with HTTP 400, which the AWS SDKs do not retry.
 * (Daily token quotas also surface as 429 ThrottlingException "Too many tokens per
 * day…" on real accounts; that one would be retried.)
 */
export const QUOTA_STATUS = 400;

/** A path segment as sent, %-decoded (SDKs encode the ":" of "…-v1:0"); undefined when malformed. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** Smithy's validation message; list members are numbered from 1. */
const constraint = (value: string, at: string, rule: string) =>
  `1 validation error detected: Value ${value} at '${at}' failed to satisfy constraint: ${rule}`;

export function parseBedrockRequest(
  body: unknown,
  model: string | undefined,
  stream: boolean,
): WireRequest | WireResponse {
  if (!isObject(body)) return invalid(MALFORMED);
  if (!model) return invalid("The provided model identifier is invalid.");
  const { messages, system, inferenceConfig } = body;
  if (messages === undefined || messages === null) {
    return invalid(constraint("null", "messages", "Member must not be null"));
  }
  if (!Array.isArray(messages)) return invalid(MALFORMED);
  let chars = 0;
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) return invalid(MALFORMED);
    const { role, content } = message;
    if (role !== "user" && role !== "assistant") {
      const value = typeof role === "string" ? `'${role}'` : "null";
      return invalid(
        constraint(
          value,
          `messages.${i + 1}.member.role`,
          "Member must satisfy enum value set: [user, assistant]",
        ),
      );
    }
    if (!Array.isArray(content)) {
      return invalid(
        constraint("null", `messages.${i + 1}.member.content`, "Member must not be null"),
      );
    }
    chars += contentChars(content);
  }
  if (messages.length === 0 || (messages[0] as { role: string }).role !== "user") {
    return invalid(
      "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
    );
  }
  if (system !== undefined && system !== null) {
    if (!Array.isArray(system)) return invalid(MALFORMED);
    chars += contentChars(system);
  }
  let maxTokens: number | undefined;
  if (inferenceConfig !== undefined && inferenceConfig !== null) {
    if (!isObject(inferenceConfig)) return invalid(MALFORMED);
    const max = inferenceConfig.maxTokens;
    if (max !== undefined && max !== null) {
      if (typeof max !== "number" || !Number.isInteger(max)) return invalid(MALFORMED);
      if (max < 1) {
        return invalid(
          constraint(
            `'${max}'`,
            "inferenceConfig.maxTokens",
            "Member must have value greater than or equal to 1",
          ),
        );
      }
      maxTokens = max;
    }
  }
  return { model, promptTokens: estimateTokens(chars), maxTokens, stream, includeUsage: false };
}

const stopReason = (c: Completion) => (c.truncated ? "max_tokens" : "end_turn");

function usage(c: Completion) {
  return {
    inputTokens: c.promptTokens,
    outputTokens: c.completionTokens,
    totalTokens: c.promptTokens + c.completionTokens,
  };
}

/** Time since the answer was created (whole seconds, so up to a second short). */
const latencyMs = (c: Completion, nowEpochMs: number) =>
  Math.max(0, Math.round(nowEpochMs - c.createdS * 1000));

const STREAM_ERRORS = {
  overload: ["serviceUnavailableException", { message: UNAVAILABLE }],
  "server-error": ["internalServerException", { message: INTERNAL }],
} as const;

/**
 * ConverseStream, in AWS's binary event-stream framing (aws-event-stream.ts), as
 * the AWS SDKs read it. A text answer is messageStart, contentBlockDelta per
 * piece, contentBlockStop, messageStop, then metadata (usage and latency); text
 * blocks get no contentBlockStart. An error after the 200 is an exception message
 * (serviceUnavailableException, ...).
 */
class BedrockStreamWriter implements StreamWriter {
  readonly headers: Record<string, string>;
  readonly encoding = "latin1" as const;

  constructor(
    private readonly c: Completion,
    private readonly latency: number,
  ) {
    this.headers = {
      "content-type": EVENT_STREAM_CONTENT_TYPE,
      "x-amzn-RequestId": requestId(c.id),
    };
  }

  start(): string {
    return eventFrame("messageStart", { role: "assistant" });
  }

  token(index: number): string {
    return eventFrame("contentBlockDelta", {
      delta: { text: tokenText(index) },
      contentBlockIndex: 0,
    });
  }

  end(): string {
    return (
      eventFrame("contentBlockStop", { contentBlockIndex: 0 }) +
      eventFrame("messageStop", { stopReason: stopReason(this.c) }) +
      eventFrame("metadata", { usage: usage(this.c), metrics: { latencyMs: this.latency } })
    );
  }

  error(kind: "overload" | "server-error"): string {
    const [type, payload] = STREAM_ERRORS[kind];
    return exceptionFrame(type, payload);
  }
}

export const bedrockFormat: WireFormat = {
  name: "bedrock",
  /** The SDK's endpoint is the bare origin (bedrock-runtime.{region}.amazonaws.com). */
  basePath: "",

  match(method, path) {
    if (method !== "POST") return undefined;
    const m = MODEL_PATH.exec(path);
    const model = m ? decodeSegment(m[1]!) : undefined;
    if (!m || !model) return undefined;
    return { modelInPath: model, streamByPath: m[2] === "converse-stream" };
  },

  /**
   * A SigV4 Authorization header (the signature is not verified), or a Bedrock
   * API key sent as `Authorization: Bearer`.
   */
  checkAuth(headers: RequestHeaders) {
    const auth = headers.authorization;
    if (typeof auth === "string" && /^(AWS4-HMAC-SHA256 |Bearer )\S+/.test(auth)) {
      return undefined;
    }
    return awsError(
      403,
      "MissingAuthenticationTokenException",
      "Missing Authentication Token",
      "403",
    );
  },

  parseRequest: (body, match) =>
    parseBedrockRequest(body, match.modelInPath, match.streamByPath === true),

  /** Bedrock states no budgets in headers. */
  budgetHeaders: () => ({}),

  completion(c, _budget, nowEpochMs) {
    return {
      status: 200,
      headers: { "content-type": "application/json", "x-amzn-RequestId": requestId(c.id) },
      body: JSON.stringify({
        output: {
          message: { role: "assistant", content: [{ text: answerText(c.completionTokens) }] },
        },
        stopReason: stopReason(c),
        usage: usage(c),
        metrics: { latencyMs: latencyMs(c, nowEpochMs) },
      }),
    };
  },

  streamWriter(c, _request, _budget, nowEpochMs) {
    return new BedrockStreamWriter(c, latencyMs(c, nowEpochMs));
  },

  refusal(refusal: Refusal, nowEpochMs: number) {
    const seed = `${refusal.kind}:${refusal.model}:${nowEpochMs}`;
    switch (refusal.kind) {
      case "unknown-model":
        // What Bedrock answers for a model id it does not know (not a 404).
        return awsError(
          400,
          "ValidationException",
          "The provided model identifier is invalid.",
          seed,
        );
      case "server-error":
        return awsError(500, "InternalServerException", INTERNAL, seed);
      case "overload":
        return awsError(503, "ServiceUnavailableException", UNAVAILABLE, seed);
      case "quota":
        return awsError(
          QUOTA_STATUS,
          "ServiceQuotaExceededException",
          "Your request exceeds the service quota for your account. You can view your quotas at Viewing service quotas. You can resubmit your request later.",
          seed,
        );
      case "throttle":
        // No Retry-After: the AWS SDKs back off on their own.
        return awsError(
          429,
          "ThrottlingException",
          refusal.limitType === "requests"
            ? "Too many requests, please wait before trying again."
            : "Too many tokens, please wait before trying again.",
          seed,
        );
    }
  },

  invalidRequest: (message) => invalid(message),
  notFound: (message) => awsError(404, "UnknownOperationException", message, `404:${message}`),
  tooLarge: () =>
    awsError(413, "ValidationException", "Request body size exceeds the maximum allowed.", "413"),
};
