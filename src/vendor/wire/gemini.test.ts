import { describe, expect, it } from "vitest";
import { wireConformance } from "../../test-support/wire-conformance.js";
import { geminiFormat as gemini } from "./gemini.js";
import type { WireRequest, WireResponse } from "./wire-format.js";

const completion = {
  id: "resp-1",
  model: "gemini-2.0-flash",
  createdS: 1,
  promptTokens: 10,
  completionTokens: 3,
  truncated: false,
};
const budget = {
  requests: { limit: 10, remaining: 9, resetMs: 6_000 },
  tokens: { limit: 250_000, remaining: 249_000, resetMs: 1_000 },
};
const request: WireRequest = {
  model: "gemini-2.0-flash",
  promptTokens: 10,
  maxTokens: undefined,
  stream: true,
  includeUsage: false,
};
const json = (res: WireResponse) => JSON.parse(res.body);
const flash = { modelInPath: "gemini-2.0-flash", streamByPath: false };

/** The JSON of each SSE frame, which Gemini ends with CRLF CRLF. */
function frames(text: string): Record<string, unknown>[] {
  expect(text.endsWith("\r\n\r\n")).toBe(true);
  return text
    .split("\r\n\r\n")
    .filter((f) => f !== "")
    .map((f) => {
      expect(f.startsWith("data: ")).toBe(true);
      return JSON.parse(f.slice("data: ".length));
    });
}

describe("Gemini wire format", () => {
  it("serves :generateContent and :streamGenerateContent, the model and streaming by path", () => {
    expect(gemini.match("POST", "/v1beta/models/gemini-2.0-flash:generateContent")).toEqual({
      modelInPath: "gemini-2.0-flash",
      streamByPath: false,
    });
    expect(gemini.match("POST", "/v1beta/models/gemini-2.0-flash:streamGenerateContent")).toEqual({
      modelInPath: "gemini-2.0-flash",
      streamByPath: true,
    });
    expect(gemini.match("GET", "/v1beta/models/gemini-2.0-flash:generateContent")).toBeUndefined();
    expect(gemini.match("POST", "/v1beta/models/gemini-2.0-flash:countTokens")).toBeUndefined();
    expect(gemini.match("POST", "/v1beta/models/:generateContent")).toBeUndefined();
    expect(gemini.match("POST", "/v1/chat/completions")).toBeUndefined();
    expect(gemini.basePath).toBe("");
  });

  it("reads contents, systemInstruction and maxOutputTokens; streaming from the match", () => {
    const body = {
      systemInstruction: { parts: [{ text: "abcd" }] },
      contents: [
        { role: "user", parts: [{ text: "efgh" }] },
        { role: "model", parts: [{ text: "ijkl" }, { text: "mnop" }] },
        { parts: [{ text: "q" }] },
      ],
      generationConfig: { maxOutputTokens: 64, temperature: 0.2 },
    };
    expect(gemini.parseRequest(body, flash)).toEqual({
      model: "gemini-2.0-flash",
      promptTokens: 5,
      maxTokens: 64,
      stream: false,
      includeUsage: false,
    });
    expect(gemini.parseRequest(body, { ...flash, streamByPath: true })).toMatchObject({
      stream: true,
    });
    // Proto JSON takes snake_case names too; body "stream" flags mean nothing.
    const snake = gemini.parseRequest(
      {
        system_instruction: { parts: [{ text: "abcd" }] },
        contents: [{ role: "user", parts: [{ text: "efgh" }] }],
        generation_config: { max_output_tokens: 8 },
        stream: true,
      },
      flash,
    );
    expect(snake).toMatchObject({ promptTokens: 2, maxTokens: 8, stream: false });
  });

  it("answers bad requests with 400 INVALID_ARGUMENT", () => {
    const cases: unknown[] = [
      { contents: [] },
      { contents: [{ role: "user", parts: [] }] },
      { contents: [{ role: "assistant", parts: [{ text: "x" }] }] },
      { contents: [{ parts: [{ text: "x" }] }], generationConfig: { maxOutputTokens: "many" } },
      { contents: [{ parts: [{ text: "x" }] }], generationConfig: { maxOutputTokens: 0 } },
      { contents: [{ parts: [{ text: "x" }] }], systemInstruction: "be brief" },
      [],
    ];
    for (const body of cases) {
      const res = gemini.parseRequest(body, flash) as WireResponse;
      expect(res.status).toBe(400);
      expect(json(res).error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    }
    expect(json(gemini.parseRequest({}, flash) as WireResponse).error.message).toBe(
      "* GenerateContentRequest.contents: contents is not specified\n",
    );
    const role = gemini.parseRequest(
      { contents: [{ role: "assistant", parts: [{ text: "x" }] }] },
      flash,
    ) as WireResponse;
    expect(json(role).error.message).toBe("Please use a valid role: user, model.");
  });

  it("wants x-goog-api-key, else 403 PERMISSION_DENIED", () => {
    expect(gemini.checkAuth({ "x-goog-api-key": "AIza1" })).toBeUndefined();
    expect(gemini.checkAuth({ "x-goog-api-key": ["AIza1"] })).toBeUndefined();
    expect(gemini.checkAuth({}, new URLSearchParams("key=AIza1&alt=sse"))).toBeUndefined();
    expect(gemini.checkAuth({}, new URLSearchParams("alt=sse"))?.status).toBe(403);
    const refused = gemini.checkAuth({ authorization: "Bearer sk-1" })!;
    expect(refused.status).toBe(403);
    expect(json(refused)).toEqual({
      error: {
        code: 403,
        message: expect.stringMatching(/^Method doesn't allow unregistered callers/),
        status: "PERMISSION_DENIED",
      },
    });
  });

  it("sends no rate-limit headers", () => {
    expect(gemini.budgetHeaders(budget, 0)).toEqual({});
    expect(Object.keys(gemini.completion(completion, budget, 0).headers)).toEqual(["content-type"]);
  });

  it("writes candidates, finishReason and usageMetadata", () => {
    const body = json(gemini.completion(completion, budget, 0));
    expect(body).toEqual({
      candidates: [
        {
          content: { parts: [{ text: "the gateway " }], role: "model" },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 3,
        totalTokenCount: 13,
        promptTokensDetails: [{ modality: "TEXT", tokenCount: 10 }],
      },
      modelVersion: "gemini-2.0-flash",
      responseId: "resp-1",
    });
    const cut = json(gemini.completion({ ...completion, truncated: true }, budget, 0));
    expect(cut.candidates[0].finishReason).toBe("MAX_TOKENS");
  });

  it("streams SSE data frames of text, the last with finishReason and usage, no [DONE]", () => {
    const w = gemini.streamWriter({ ...completion, truncated: true }, request, budget, 0);
    expect(w.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(w.start()).toBe("");
    const text = w.start() + w.token(0) + w.token(1) + w.token(2) + w.end();
    expect(text).not.toContain("[DONE]");
    expect(text).not.toMatch(/^event:/m);
    const chunks = frames(text);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toEqual({
      candidates: [{ content: { parts: [{ text: "the " }], role: "model" }, index: 0 }],
      modelVersion: "gemini-2.0-flash",
      responseId: "resp-1",
    });
    expect(chunks.slice(0, 3).every((c) => !("usageMetadata" in c))).toBe(true);
    expect(chunks[3]).toMatchObject({
      candidates: [{ finishReason: "MAX_TOKENS", index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 3, totalTokenCount: 13 },
    });
    const stop = gemini.streamWriter(completion, request, budget, 0).end();
    expect(frames(stop)[0]).toMatchObject({ candidates: [{ finishReason: "STOP" }] });
  });

  it("breaks off a stream with a data frame holding an error object", () => {
    const w = gemini.streamWriter(completion, request, budget, 0);
    expect(frames(w.error("overload"))).toEqual([
      {
        error: {
          code: 503,
          message: "The model is overloaded. Please try again later.",
          status: "UNAVAILABLE",
        },
      },
    ]);
    expect(frames(w.error("server-error"))[0]).toMatchObject({
      error: { code: 500, status: "INTERNAL" },
    });
  });

  it("throttles with 429 RESOURCE_EXHAUSTED, QuotaFailure and RetryInfo in whole seconds", () => {
    const res = gemini.refusal(
      {
        kind: "throttle",
        model: "gemini-2.0-flash",
        limitType: "requests",
        limit: 10,
        used: 10,
        requested: 1,
        retryAfterMs: 57_200,
        budget,
      },
      0,
    );
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBeUndefined();
    const error = json(res).error;
    expect(error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
    expect(error.message).toMatch(/^You exceeded your current quota/);
    expect(error.message).toMatch(/limit: 10, model: gemini-2\.0-flash\nPlease retry in 57\.2s\.$/);
    const types = error.details.map((d: { "@type": string }) => d["@type"]);
    expect(types).toContain("type.googleapis.com/google.rpc.QuotaFailure");
    const retry = error.details.find(
      (d: { "@type": string }) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo",
    );
    expect(retry).toEqual({
      "@type": "type.googleapis.com/google.rpc.RetryInfo",
      retryDelay: "58s",
    });
    expect(error.details[0].violations[0]).toMatchObject({
      quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
      quotaDimensions: { model: "gemini-2.0-flash" },
      quotaValue: "10",
    });

    const tokens = gemini.refusal(
      {
        kind: "throttle",
        model: "gemini-2.0-flash",
        limitType: "input-tokens",
        limit: 250_000,
        used: 249_000,
        requested: 2_000,
        retryAfterMs: 2_500,
        budget,
      },
      0,
    );
    const tokenError = json(tokens).error;
    expect(tokenError.message).toMatch(/input_token_count.*\nPlease retry in 2\.5s\.$/s);
    expect(tokenError.details.at(-1).retryDelay).toBe("3s");
  });

  it("answers a daily quota with 429 RESOURCE_EXHAUSTED and no RetryInfo", () => {
    const error = json(gemini.refusal({ kind: "quota", model: "gemini-2.0-flash" }, 0)).error;
    expect(error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
    expect(error.message).not.toMatch(/retry in/);
    const types = error.details.map((d: { "@type": string }) => d["@type"]);
    expect(types).toContain("type.googleapis.com/google.rpc.QuotaFailure");
    expect(types).not.toContain("type.googleapis.com/google.rpc.RetryInfo");
    expect(error.details[0].violations[0].quotaId).toMatch(/PerDay/);
  });

  it("answers 503 UNAVAILABLE, 500 INTERNAL and 404 NOT_FOUND for an unknown model", () => {
    const overload = gemini.refusal({ kind: "overload", model: "gemini-2.0-flash" }, 0);
    expect(overload.status).toBe(503);
    expect(json(overload).error).toEqual({
      code: 503,
      message: "The model is overloaded. Please try again later.",
      status: "UNAVAILABLE",
    });
    const internal = gemini.refusal({ kind: "server-error", model: "gemini-2.0-flash" }, 0);
    expect(json(internal).error).toMatchObject({ code: 500, status: "INTERNAL" });
    const missing = gemini.refusal({ kind: "unknown-model", model: "gemini-9" }, 0);
    expect(missing.status).toBe(404);
    expect(json(missing).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
    expect(json(missing).error.message).toMatch(/^models\/gemini-9 is not found/);
  });

  it("answers 400, 404 and 413 in Google's error shape", () => {
    expect(json(gemini.invalidRequest("bad")).error).toEqual({
      code: 400,
      message: "bad",
      status: "INVALID_ARGUMENT",
    });
    expect(json(gemini.notFound("where")).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
    expect(json(gemini.tooLarge()).error).toMatchObject({ code: 413 });
  });
});

wireConformance(gemini, {
  endpoint: (model, stream) => ({
    method: "POST",
    path: `/v1beta/models/${model}:${stream ? "streamGenerateContent" : "generateContent"}`,
  }),
  authHeaders: { "x-goog-api-key": "AIza-test" },
  body: (_model, text, maxTokens) => ({
    systemInstruction: { parts: [{ text: "be brief" }] },
    contents: [{ role: "user", parts: [{ text }] }],
    generationConfig: { maxOutputTokens: maxTokens },
  }),
  usageOf: (body) => {
    const u = (
      body as { usageMetadata: { promptTokenCount: number; candidatesTokenCount: number } }
    ).usageMetadata;
    return { prompt: u.promptTokenCount, completion: u.candidatesTokenCount };
  },
});
