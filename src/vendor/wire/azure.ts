import type { BudgetSnapshot } from "../vendor-model.js";
import { openAiBudgetHeaders, openAiFormat, parseOpenAiRequest } from "./openai.js";
import {
  type Refusal,
  type RequestHeaders,
  retryAfterSeconds,
  type StreamWriter,
  type WireFormat,
  type WireRequest,
  type WireResponse,
} from "./wire-format.js";

/**
 * Azure OpenAI (VENDOR-WIRE.md): OpenAI's chat completions behind
 * `POST /openai/deployments/{deployment}/chat/completions?api-version=…`. The
 * deployment names the model; bodies, answers and streams are OpenAI's, the
 * rate-limit headers OpenAI's names with resets in plain seconds, and Azure's own
 * errors are `{"error":{"code","message"}}`.
 */
const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

/** The query (api-version) is not visible to a format; every message names this GA version. */
export const AZURE_API_VERSION = "2024-10-21";

const QUOTA_INCREASE =
  "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.";

function azureError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): WireResponse {
  return {
    status,
    headers: Object.assign({ "content-type": "application/json" }, headers),
    body: JSON.stringify({ error: { code, message } }),
  };
}

/** A path segment as sent, %-decoded; undefined when the escape is malformed. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Whole seconds, rounded up: a client that sleeps that long must not wake early. */
const ceilSeconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** OpenAI's x-ratelimit-* names and integers, but resets in plain seconds ("6", not "6m0s"). */
export function azureBudgetHeaders(budget: BudgetSnapshot): Record<string, string> {
  // Overwritten in place: the names keep OpenAI's order, as the spread they replace did.
  const headers = openAiBudgetHeaders(budget);
  headers["x-ratelimit-reset-requests"] = String(ceilSeconds(budget.requests.resetMs));
  headers["x-ratelimit-reset-tokens"] = String(ceilSeconds(budget.tokens.resetMs));
  return headers;
}

/**
 * OpenAI's body, but the model comes from the path: Azure ignores a `model` in
 * the body (SDKs still send one) and answers for the deployment it was sent to.
 */
export function parseAzureRequest(
  body: unknown,
  deployment: string | undefined,
): WireRequest | WireResponse {
  if (deployment === undefined || !body || typeof body !== "object" || Array.isArray(body)) {
    return parseOpenAiRequest(body);
  }
  // A spread, not Object.assign: a parsed body may own a "__proto__" key, which
  // Object.assign would turn into the copy's prototype.
  return parseOpenAiRequest({ ...(body as Record<string, unknown>), model: deployment });
}

/** OpenAI's frames and end marker under Azure's budget headers. */
function azureStream(inner: StreamWriter, budgetHeaders: Record<string, string>): StreamWriter {
  return {
    headers: Object.assign({}, inner.headers, budgetHeaders),
    encoding: inner.encoding,
    start: () => inner.start(),
    token: (index) => inner.token(index),
    end: () => inner.end(),
    error: (kind) => inner.error(kind),
  };
}

function throttleMessage(limitType: string, retryAfterS: number): string {
  const limit = limitType === "requests" ? "call rate limit" : "token rate limit";
  return (
    `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${AZURE_API_VERSION} ` +
    `have exceeded ${limit} of your current AIServices S0 pricing tier. ` +
    `Please retry after ${retryAfterS} second${retryAfterS === 1 ? "" : "s"}. ${QUOTA_INCREASE}`
  );
}

export const azureFormat: WireFormat = {
  name: "azure",
  /** AzureOpenAI's baseURL is `{endpoint}/openai`; it appends /deployments/{deployment}/…. */
  basePath: "/openai",

  match(method, path) {
    if (method !== "POST") return undefined;
    const m = DEPLOYMENT_PATH.exec(path);
    const deployment = m ? decodeSegment(m[1]!) : undefined;
    return deployment ? { modelInPath: deployment } : undefined;
  },

  /** An `api-key` header, or an Entra ID token as `Authorization: Bearer`. */
  checkAuth(headers: RequestHeaders) {
    const key = headers["api-key"];
    const value = Array.isArray(key) ? key[0] : key;
    if (typeof value === "string" && value.trim() !== "") return undefined;
    const auth = headers.authorization;
    if (typeof auth === "string" && /^Bearer \S+/.test(auth)) return undefined;
    return azureError(
      401,
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    );
  },

  parseRequest: (body, match) => parseAzureRequest(body, match.modelInPath),

  budgetHeaders: (budget) => azureBudgetHeaders(budget),

  completion(c, budget, nowEpochMs) {
    const res = openAiFormat.completion(c, budget, nowEpochMs);
    return { ...res, headers: { ...res.headers, ...azureBudgetHeaders(budget) } };
  },

  streamWriter(c, request, budget, nowEpochMs) {
    return azureStream(
      openAiFormat.streamWriter(c, request, budget, nowEpochMs),
      azureBudgetHeaders(budget),
    );
  },

  refusal(refusal: Refusal) {
    const budget = "budget" in refusal && refusal.budget ? azureBudgetHeaders(refusal.budget) : {};
    switch (refusal.kind) {
      case "unknown-model":
        return azureError(
          404,
          "DeploymentNotFound",
          "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
        );
      case "server-error":
        return azureError(
          500,
          "InternalServerError",
          "The server had an error processing your request. Sorry about that! You can retry your request, or contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error.",
          budget,
        );
      case "overload":
        return azureError(
          503,
          "ServiceUnavailable",
          "The service is temporarily unable to process your request. Please try again later.",
          budget,
        );
      case "quota":
        // Exhausted, not rate limited: no Retry-After, and x-should-retry stops the
        // official SDKs (which retry every 429 otherwise), as for OpenAI.
        return azureError(
          429,
          "insufficient_quota",
          "You exceeded your current quota, please check your plan and billing details.",
          { ...budget, "x-should-retry": "false" },
        );
      case "throttle": {
        const retryAfterS = retryAfterSeconds(refusal);
        return azureError(429, "429", throttleMessage(refusal.limitType, retryAfterS), {
          ...budget,
          "retry-after": String(retryAfterS),
          "retry-after-ms": String(Math.round(refusal.retryAfterMs)),
        });
      }
    }
  },

  invalidRequest: (message) => azureError(400, "BadRequest", message),
  notFound: (message) => azureError(404, "404", message),
  tooLarge: () => azureError(413, "RequestEntityTooLarge", "Request body too large."),
};
