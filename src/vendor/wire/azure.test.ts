import { describe, expect, it } from "vitest";
import { wireConformance } from "../../test-support/wire-conformance.js";
import { azureFormat as azure } from "./azure.js";
import { openAiFormat } from "./openai.js";
import type { WireRequest, WireResponse } from "./wire-format.js";

const PATH = "/openai/deployments/gpt-4o-prod/chat/completions";
const completion = {
  id: "chatcmpl-1",
  model: "gpt-4o-prod",
  createdS: 1,
  promptTokens: 10,
  completionTokens: 3,
  truncated: false,
};
const budget = {
  requests: { limit: 600, remaining: 599, resetMs: 100 },
  tokens: { limit: 100_000, remaining: 99_000, resetMs: 6_500 },
};
const json = (res: WireResponse) => JSON.parse(res.body);

describe("Azure OpenAI wire format", () => {
  it("serves POST /openai/deployments/{deployment}/chat/completions, the deployment as model", () => {
    expect(azure.match("POST", PATH)).toEqual({ modelInPath: "gpt-4o-prod" });
    expect(azure.match("POST", "/openai/deployments/my%20dep/chat/completions")).toEqual({
      modelInPath: "my dep",
    });
    expect(azure.match("GET", PATH)).toBeUndefined();
    expect(azure.match("POST", "/openai/deployments//chat/completions")).toBeUndefined();
    expect(azure.match("POST", "/openai/deployments/a/completions")).toBeUndefined();
    expect(azure.match("POST", "/v1/chat/completions")).toBeUndefined();
    expect(azure.basePath).toBe("/openai");
  });

  it("takes the model from the path, with or without a model in the body", () => {
    const withModel = azure.parseRequest(
      {
        model: "ignored",
        messages: [{ role: "user", content: "abcdefgh" }],
        max_tokens: 20,
        stream: true,
        stream_options: { include_usage: true },
      },
      { modelInPath: "gpt-4o-prod" },
    );
    expect(withModel).toEqual({
      model: "gpt-4o-prod",
      promptTokens: 2,
      maxTokens: 20,
      stream: true,
      includeUsage: true,
    });
    const without = azure.parseRequest(
      { messages: [{ role: "user", content: "abcd" }] },
      { modelInPath: "gpt-4o-prod" },
    );
    expect(without).toMatchObject({ model: "gpt-4o-prod", maxTokens: undefined, stream: false });
  });

  it("answers a body without messages with a 400 naming the parameter", () => {
    const res = azure.parseRequest({ model: "x" }, { modelInPath: "gpt-4o-prod" }) as WireResponse;
    expect(res.status).toBe(400);
    expect(json(res).error).toMatchObject({ param: "messages" });
  });

  it("wants an api-key header or a Bearer token, else Azure's 401", () => {
    expect(azure.checkAuth({ "api-key": "k1" })).toBeUndefined();
    expect(azure.checkAuth({ authorization: "Bearer eyJ0" })).toBeUndefined();
    expect(azure.checkAuth({ "api-key": "" })?.status).toBe(401);
    const refused = azure.checkAuth({ authorization: "Basic abc" })!;
    expect(refused.status).toBe(401);
    expect(json(refused)).toEqual({
      error: {
        code: "401",
        message: expect.stringMatching(
          /^Access denied due to invalid subscription key or wrong API endpoint\. /,
        ),
      },
    });
  });

  it("states budgets in OpenAI's x-ratelimit-* headers with resets in whole seconds", () => {
    expect(azure.budgetHeaders(budget, 0)).toEqual({
      "x-ratelimit-limit-requests": "600",
      "x-ratelimit-limit-tokens": "100000",
      "x-ratelimit-remaining-requests": "599",
      "x-ratelimit-remaining-tokens": "99000",
      "x-ratelimit-reset-requests": "1",
      "x-ratelimit-reset-tokens": "7",
    });
    const drained = {
      requests: { limit: 6, remaining: -1, resetMs: 0 },
      tokens: { limit: 1000, remaining: 0, resetMs: 60_000 },
    };
    expect(azure.budgetHeaders(drained, 0)).toMatchObject({
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "0",
      "x-ratelimit-reset-tokens": "60",
    });
  });

  it("writes OpenAI's chat.completion under Azure's budget headers", () => {
    const res = azure.completion(completion, budget, 0);
    expect(res.status).toBe(200);
    expect(res.body).toBe(openAiFormat.completion(completion, budget, 0).body);
    expect(res.headers["x-ratelimit-reset-tokens"]).toBe("7");
    expect(json(res)).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o-prod",
      choices: [{ finish_reason: "stop", message: { role: "assistant" } }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    });
    const cut = json(azure.completion({ ...completion, truncated: true }, budget, 0));
    expect(cut.choices[0].finish_reason).toBe("length");
  });

  it("streams OpenAI's data-only frames and [DONE], with Azure's headers", () => {
    const request: WireRequest = {
      model: "gpt-4o-prod",
      promptTokens: 10,
      maxTokens: 3,
      stream: true,
      includeUsage: true,
    };
    const w = azure.streamWriter({ ...completion, truncated: true }, request, budget, 0);
    const o = openAiFormat.streamWriter({ ...completion, truncated: true }, request, budget, 0);
    expect(w.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(w.headers["x-ratelimit-reset-requests"]).toBe("1");
    const text = w.start() + w.token(0) + w.token(1) + w.token(2) + w.end();
    expect(text).toBe(o.start() + o.token(0) + o.token(1) + o.token(2) + o.end());
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(text).toContain('"finish_reason":"length"');
    expect(w.error("overload")).toMatch(/^data: \{"error":/);
  });

  it("throttles with Azure's 429 body, retry-after in seconds and retry-after-ms", () => {
    const res = azure.refusal(
      {
        kind: "throttle",
        model: "gpt-4o-prod",
        limitType: "tokens",
        limit: 1000,
        used: 990,
        requested: 50,
        retryAfterMs: 5_200,
        budget,
      },
      0,
    );
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("6");
    expect(res.headers["retry-after-ms"]).toBe("5200");
    expect(res.headers["x-ratelimit-reset-tokens"]).toBe("7");
    const error = json(res).error;
    expect(error.code).toBe("429");
    expect(Object.keys(error)).toEqual(["code", "message"]);
    expect(error.message).toMatch(
      /^Requests to the ChatCompletions_Create Operation under Azure OpenAI API version \S+ have exceeded token rate limit of your current AIServices S0 pricing tier\. Please retry after 6 seconds\. /,
    );
    const rpm = azure.refusal(
      {
        kind: "throttle",
        model: "gpt-4o-prod",
        limitType: "requests",
        limit: 6,
        used: 6,
        requested: 1,
        retryAfterMs: 300,
        budget,
      },
      0,
    );
    expect(rpm.headers["retry-after"]).toBe("1");
    expect(json(rpm).error.message).toMatch(/exceeded call rate limit .* retry after 1 second\./);
  });

  it("answers quota without Retry-After, and 503, 500 and unknown deployments in Azure's shape", () => {
    const quota = azure.refusal({ kind: "quota", model: "gpt-4o-prod" }, 0);
    expect(quota.status).toBe(429);
    expect(quota.headers["retry-after"]).toBeUndefined();
    expect(quota.headers["retry-after-ms"]).toBeUndefined();
    expect(quota.headers["x-should-retry"]).toBe("false");
    expect(json(quota).error.code).toBe("insufficient_quota");

    const overload = azure.refusal({ kind: "overload", model: "gpt-4o-prod", budget }, 0);
    expect(overload.status).toBe(503);
    expect(overload.headers["x-ratelimit-reset-requests"]).toBe("1");
    expect(azure.refusal({ kind: "server-error", model: "gpt-4o-prod" }, 0).status).toBe(500);

    const missing = azure.refusal({ kind: "unknown-model", model: "nope" }, 0);
    expect(missing.status).toBe(404);
    expect(json(missing).error).toMatchObject({ code: "DeploymentNotFound" });
  });

  it("answers 400, 404 and 413 as {error:{code,message}}", () => {
    expect(json(azure.invalidRequest("bad")).error).toEqual({ code: "BadRequest", message: "bad" });
    expect(json(azure.notFound("where")).error).toEqual({ code: "404", message: "where" });
    expect(azure.tooLarge().status).toBe(413);
  });
});

wireConformance(azure, {
  endpoint: (model) => ({ method: "POST", path: `/openai/deployments/${model}/chat/completions` }),
  authHeaders: { "api-key": "test-key" },
  body: (_model, text, maxTokens, stream) => ({
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: text },
    ],
    max_tokens: maxTokens,
    stream,
  }),
  usageOf: (body) => {
    const u = (body as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    return { prompt: u.prompt_tokens, completion: u.completion_tokens };
  },
});
