import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { describe, expect, it } from "vitest";
import { wireConformance } from "../../test-support/wire-conformance.js";
import { eventFrame } from "./aws-event-stream.js";
import { bedrockFormat as bedrock, QUOTA_STATUS, requestId } from "./bedrock.js";
import type { WireRequest, WireResponse } from "./wire-format.js";

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const completion = {
  id: "gw1",
  model: MODEL,
  createdS: NOW / 1000 - 2,
  promptTokens: 10,
  completionTokens: 3,
  truncated: false,
};
const budget = {
  requests: { limit: 50, remaining: 49, resetMs: 1_200 },
  tokens: { limit: 200_000, remaining: 199_000, resetMs: 300 },
};
const request: WireRequest = {
  model: MODEL,
  promptTokens: 10,
  maxTokens: 3,
  stream: true,
  includeUsage: false,
};
const json = (res: WireResponse) => JSON.parse(res.body);
const haiku = { modelInPath: MODEL, streamByPath: false };
/** Decodes binary event-stream frames with AWS's own codec: {eventType: payload} each. */
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const lines = (text: string) => {
  const bytes = Buffer.from(text, "latin1");
  const events: Record<string, unknown>[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const message = codec.decode(bytes.subarray(at, at + length)); // checks both CRCs
    const type = message.headers[":event-type"] ?? message.headers[":exception-type"];
    events.push({ [String(type?.value)]: JSON.parse(toUtf8(message.body)) });
    at += length;
  }
  return events;
};

describe("Bedrock Converse wire format", () => {
  it("serves /model/{id}/converse and /converse-stream, the model id %-decoded", () => {
    const encoded = encodeURIComponent(MODEL); // the SDKs send the ":" as %3A
    expect(bedrock.match("POST", `/model/${encoded}/converse`)).toEqual({
      modelInPath: MODEL,
      streamByPath: false,
    });
    expect(bedrock.match("POST", `/model/${MODEL}/converse-stream`)).toEqual({
      modelInPath: MODEL,
      streamByPath: true,
    });
    const arn = "arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude";
    expect(bedrock.match("POST", `/model/${encodeURIComponent(arn)}/converse`)).toMatchObject({
      modelInPath: arn,
    });
    expect(bedrock.match("GET", `/model/${MODEL}/converse`)).toBeUndefined();
    expect(bedrock.match("POST", `/model/${MODEL}/invoke`)).toBeUndefined();
    expect(bedrock.match("POST", "/model//converse")).toBeUndefined();
    expect(bedrock.match("POST", "/model/%E0%A4%A/converse")).toBeUndefined();
    expect(bedrock.basePath).toBe("");
  });

  it("reads messages, system and inferenceConfig.maxTokens; streaming from the match", () => {
    const body = {
      system: [{ text: "abcd" }],
      messages: [
        { role: "user", content: [{ text: "efgh" }] },
        { role: "assistant", content: [{ text: "ijkl" }] },
        { role: "user", content: [{ text: "m" }, { image: { format: "png" } }] },
      ],
      inferenceConfig: { maxTokens: 64, temperature: 0.5 },
    };
    expect(bedrock.parseRequest(body, haiku)).toEqual({
      model: MODEL,
      promptTokens: 4,
      maxTokens: 64,
      stream: false,
      includeUsage: false,
    });
    expect(
      bedrock.parseRequest(
        { messages: [{ role: "user", content: [{ text: "x" }] }] },
        { ...haiku, streamByPath: true },
      ),
    ).toMatchObject({ maxTokens: undefined, stream: true });
  });

  it("answers invalid requests with 400 ValidationException in Smithy's words", () => {
    const refuse = (body: unknown) => {
      const res = bedrock.parseRequest(body, haiku) as WireResponse;
      expect(res.status).toBe(400);
      expect(res.headers["x-amzn-ErrorType"]).toBe("ValidationException");
      return json(res).message as string;
    };
    expect(refuse({})).toBe(
      "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null",
    );
    expect(refuse({ messages: [{ role: "system", content: [{ text: "x" }] }] })).toBe(
      "1 validation error detected: Value 'system' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
    );
    expect(refuse({ messages: [{ role: "user", content: "x" }] })).toMatch(
      /'messages\.1\.member\.content'/,
    );
    expect(refuse({ messages: [] })).toMatch(/^A conversation must start with a user message/);
    expect(refuse({ messages: [{ role: "assistant", content: [{ text: "x" }] }] })).toMatch(
      /^A conversation must start with a user message/,
    );
    expect(
      refuse({
        messages: [{ role: "user", content: [{ text: "x" }] }],
        inferenceConfig: { maxTokens: 0 },
      }),
    ).toMatch(
      /'inferenceConfig\.maxTokens' failed to satisfy constraint: .*greater than or equal to 1$/,
    );
    expect(refuse("text")).toMatch(/^Malformed input request/);
  });

  it("wants a SigV4 Authorization header (or a Bedrock API key), else 403 Missing Authentication Token", () => {
    const sigv4 =
      "AWS4-HMAC-SHA256 Credential=AKIA/20261124/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
    expect(bedrock.checkAuth({ authorization: sigv4 })).toBeUndefined();
    expect(bedrock.checkAuth({ authorization: "Bearer ABSK-key" })).toBeUndefined();
    for (const headers of [{}, { authorization: "AWS4-HMAC-SHA256" }, { "x-api-key": "k" }]) {
      const refused = bedrock.checkAuth(headers)!;
      expect(refused.status).toBe(403);
      expect(refused.headers["x-amzn-ErrorType"]).toBe("MissingAuthenticationTokenException");
      expect(json(refused)).toEqual({ message: "Missing Authentication Token" });
    }
  });

  it("sends no rate-limit headers", () => {
    expect(bedrock.budgetHeaders(budget, NOW)).toEqual({});
  });

  it("writes output.message, stopReason, usage and metrics", () => {
    const res = bedrock.completion(completion, budget, NOW);
    expect(res.status).toBe(200);
    expect(res.headers["x-amzn-RequestId"]).toBe(requestId("gw1"));
    expect(res.headers["x-amzn-RequestId"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(json(res)).toEqual({
      output: { message: { role: "assistant", content: [{ text: "the gateway " }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 },
      metrics: { latencyMs: 2000 },
    });
    const cut = json(bedrock.completion({ ...completion, truncated: true }, budget, NOW));
    expect(cut.stopReason).toBe("max_tokens");
  });

  it("streams binary event-stream frames: messageStart, deltas, contentBlockStop, messageStop, metadata", () => {
    const w = bedrock.streamWriter({ ...completion, truncated: true }, request, budget, NOW);
    expect(w.headers["content-type"]).toBe("application/vnd.amazon.eventstream");
    expect(w.encoding).toBe("latin1");
    const events = lines(w.start() + w.token(0) + w.token(1) + w.token(2) + w.end());
    expect(events).toEqual([
      { messageStart: { role: "assistant" } },
      { contentBlockDelta: { delta: { text: "the " }, contentBlockIndex: 0 } },
      { contentBlockDelta: { delta: { text: "gate" }, contentBlockIndex: 0 } },
      { contentBlockDelta: { delta: { text: "way " }, contentBlockIndex: 0 } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: "max_tokens" } },
      {
        metadata: {
          usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 },
          metrics: { latencyMs: 2000 },
        },
      },
    ]);
    const stop = lines(bedrock.streamWriter(completion, request, budget, NOW).end());
    expect(stop[1]).toEqual({ messageStop: { stopReason: "end_turn" } });
  });

  it("breaks off a stream with an exception event", () => {
    const w = bedrock.streamWriter(completion, request, budget, NOW);
    expect(lines(w.error("overload"))).toEqual([
      { serviceUnavailableException: { message: "Bedrock is unable to process your request." } },
    ]);
    expect(Object.keys(lines(w.error("server-error"))[0]!)).toEqual(["internalServerException"]);
  });

  it("throttles with 429 ThrottlingException and no Retry-After", () => {
    const throttle = (limitType: "requests" | "tokens") =>
      bedrock.refusal(
        {
          kind: "throttle",
          model: MODEL,
          limitType,
          limit: 50,
          used: 50,
          requested: 1,
          retryAfterMs: 1_200,
          budget,
        },
        NOW,
      );
    const res = throttle("requests");
    expect(res.status).toBe(429);
    expect(res.headers["x-amzn-ErrorType"]).toBe("ThrottlingException");
    expect(res.headers["retry-after"]).toBeUndefined();
    expect(res.headers["retry-after-ms"]).toBeUndefined();
    expect(Object.keys(res.headers).some((h) => h.startsWith("x-ratelimit"))).toBe(false);
    expect(json(res)).toEqual({ message: "Too many requests, please wait before trying again." });
    expect(json(throttle("tokens"))).toEqual({
      message: "Too many tokens, please wait before trying again.",
    });
  });

  it("names every refusal in x-amzn-ErrorType", () => {
    const cases = [
      [{ kind: "quota", model: MODEL }, QUOTA_STATUS, "ServiceQuotaExceededException"],
      [{ kind: "overload", model: MODEL }, 503, "ServiceUnavailableException"],
      [{ kind: "server-error", model: MODEL }, 500, "InternalServerException"],
      [{ kind: "unknown-model", model: "nope" }, 400, "ValidationException"],
    ] as const;
    for (const [refusal, status, type] of cases) {
      const res = bedrock.refusal(refusal, NOW);
      expect(res.status).toBe(status);
      expect(res.headers["x-amzn-ErrorType"]).toBe(type);
      expect(res.headers["retry-after"]).toBeUndefined();
      expect(Object.keys(json(res))).toEqual(["message"]);
    }
    expect(QUOTA_STATUS).toBe(400);
    expect(json(bedrock.refusal({ kind: "unknown-model", model: "nope" }, NOW)).message).toBe(
      "The provided model identifier is invalid.",
    );
  });

  it("frames any payload whole, one beyond the reused 64 KB buffer and the ones after it alike", () => {
    const big = { delta: { text: "é".repeat(40_000) }, contentBlockIndex: 0 }; // 80 KB of UTF-8
    const text =
      eventFrame("contentBlockDelta", { delta: { text: "a" }, contentBlockIndex: 0 }) +
      eventFrame("contentBlockDelta", big) +
      eventFrame("messageStop", { stopReason: "end_turn" });
    expect(lines(text)).toEqual([
      { contentBlockDelta: { delta: { text: "a" }, contentBlockIndex: 0 } },
      { contentBlockDelta: big },
      { messageStop: { stopReason: "end_turn" } },
    ]);
  });

  it("answers 400, 404 and 413 as {message} with the error type in a header", () => {
    const bad = bedrock.invalidRequest("bad");
    expect([bad.status, bad.headers["x-amzn-ErrorType"], json(bad)]).toEqual([
      400,
      "ValidationException",
      { message: "bad" },
    ]);
    expect(bedrock.notFound("where").headers["x-amzn-ErrorType"]).toBe("UnknownOperationException");
    const large = bedrock.tooLarge();
    expect([large.status, large.headers["x-amzn-ErrorType"]]).toEqual([413, "ValidationException"]);
  });
});

wireConformance(bedrock, {
  endpoint: (model, stream) => ({
    method: "POST",
    path: `/model/${encodeURIComponent(model)}/${stream ? "converse-stream" : "converse"}`,
  }),
  authHeaders: {
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIA/20261124/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0",
  },
  body: (_model, text, maxTokens) => ({
    system: [{ text: "be brief" }],
    messages: [{ role: "user", content: [{ text }] }],
    inferenceConfig: { maxTokens },
  }),
  usageOf: (body) => {
    const u = (body as { usage: { inputTokens: number; outputTokens: number } }).usage;
    return { prompt: u.inputTokens, completion: u.outputTokens };
  },
});
