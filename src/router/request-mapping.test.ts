import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anthropicFormat } from "../vendor/wire/anthropic.js";
import { bedrockFormat } from "../vendor/wire/bedrock.js";
import { geminiFormat } from "../vendor/wire/gemini.js";
import { openAiFormat } from "../vendor/wire/openai.js";
import { isWireResponse, type WireFormat } from "../vendor/wire/wire-format.js";
import {
  type ChatRequestShape,
  DEFAULT_MAX_TOKENS,
  fromVendorRequest,
  type RequestFormat,
  toVendorRequest,
} from "./request-mapping.js";

const request: ChatRequestShape = {
  model: "m-1",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
    { role: "assistant", content: "Hi. What do you need?" },
    { role: "user", content: "A summary" },
  ],
  temperature: 1.5,
  maxTokens: 200,
};

describe("P12 request mapping between vendors", () => {
  it("P12 OpenAI to Anthropic: system apart, max_tokens, temperature clamped to 1", () => {
    expect(toVendorRequest(request, "anthropic")).toEqual({
      path: "/v1/messages",
      body: {
        model: "m-1",
        max_tokens: 200,
        system: "Be brief.",
        messages: [
          { role: "user", content: "Hello" },
          { role: "assistant", content: "Hi. What do you need?" },
          { role: "user", content: "A summary" },
        ],
        temperature: 1,
      },
    });
  });

  it("P12 OpenAI to Gemini: model in the path, role model, systemInstruction, generationConfig", () => {
    expect(toVendorRequest({ ...request, stream: true }, "gemini")).toEqual({
      path: "/v1beta/models/m-1:streamGenerateContent?alt=sse",
      body: {
        contents: [
          { role: "user", parts: [{ text: "Hello" }] },
          { role: "model", parts: [{ text: "Hi. What do you need?" }] },
          { role: "user", parts: [{ text: "A summary" }] },
        ],
        systemInstruction: { parts: [{ text: "Be brief." }] },
        generationConfig: { temperature: 1.5, maxOutputTokens: 200 },
      },
    });
  });

  it("P12 OpenAI to Bedrock Converse: text blocks, system blocks, inferenceConfig", () => {
    expect(toVendorRequest(request, "bedrock")).toEqual({
      path: "/model/m-1/converse",
      body: {
        messages: [
          { role: "user", content: [{ text: "Hello" }] },
          { role: "assistant", content: [{ text: "Hi. What do you need?" }] },
          { role: "user", content: [{ text: "A summary" }] },
        ],
        system: [{ text: "Be brief." }],
        inferenceConfig: { maxTokens: 200, temperature: 1 },
      },
    });
  });

  it("P12 Anthropic and Bedrock get turns that alternate and start with the user", () => {
    const ragged: ChatRequestShape = {
      model: "m",
      messages: [
        { role: "assistant", content: "Earlier answer" },
        { role: "user", content: "one" },
        { role: "user", content: "two" },
      ],
    };
    const body = toVendorRequest(ragged, "anthropic").body as {
      messages: unknown[];
      max_tokens: number;
    };
    expect(body.messages).toEqual([
      { role: "user", content: "(continue)" },
      { role: "assistant", content: "Earlier answer" },
      { role: "user", content: "one\n\ntwo" },
    ]);
    expect(body.max_tokens).toBe(DEFAULT_MAX_TOKENS);
  });

  it.each<[RequestFormat, WireFormat]>([
    ["openai", openAiFormat],
    ["anthropic", anthropicFormat],
    ["gemini", geminiFormat],
    ["bedrock", bedrockFormat],
  ])("P12 the %s request it makes is one that vendor's wire format accepts", (format, wire) => {
    const { path, body } = toVendorRequest(request, format);
    const match = wire.match("POST", path.split("?")[0]!);
    expect(match).toBeDefined();
    const parsed = wire.parseRequest(body, match!);
    if (isWireResponse(parsed))
      throw new Error(`${format} refused the mapped request: ${parsed.body}`);
    expect(parsed).toMatchObject({ model: "m-1", maxTokens: 200 });
    // Every character of every message arrives: the prompt size is the same everywhere.
    const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
    expect(parsed.promptTokens).toBe(Math.ceil(chars / 4));
  });

  it("P12 reads each vendor's request back into the common shape", () => {
    for (const format of ["openai", "anthropic", "gemini", "bedrock"] as const) {
      const { body } = toVendorRequest(request, format);
      const back = fromVendorRequest(body, format, "m-1");
      expect(back.messages).toEqual(request.messages);
      expect(back.maxTokens).toBe(200);
      expect(back.temperature).toBe(format === "anthropic" || format === "bedrock" ? 1 : 1.5);
    }
  });

  it("property: P12 a request survives a trip to any vendor and back", () => {
    const turn = (role: "user" | "assistant") =>
      fc.string({ minLength: 1, maxLength: 30 }).map((content) => ({ role, content }));
    const conversation = fc
      .integer({ min: 1, max: 6 })
      .chain((n) =>
        fc.tuple(...Array.from({ length: n }, (_, i) => turn(i % 2 === 0 ? "user" : "assistant"))),
      );
    fc.assert(
      fc.property(
        fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
        conversation,
        fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
        fc.constantFrom<RequestFormat>("openai", "anthropic", "gemini", "bedrock"),
        (system, turns, temperature, maxTokens, format) => {
          const req: ChatRequestShape = {
            model: "m",
            messages: [...(system ? [{ role: "system" as const, content: system }] : []), ...turns],
            ...(temperature !== undefined ? { temperature } : {}),
            ...(maxTokens !== undefined ? { maxTokens } : {}),
          };
          const back = fromVendorRequest(toVendorRequest(req, format).body, format, "m");
          expect(back.messages).toEqual(req.messages);
          const expectedMax =
            maxTokens ?? (format === "anthropic" ? DEFAULT_MAX_TOKENS : undefined);
          expect(back.maxTokens).toBe(expectedMax);
          if (temperature !== undefined) {
            expect(back.temperature).toBe(
              format === "anthropic" || format === "bedrock"
                ? Math.min(temperature, 1)
                : temperature,
            );
          }
        },
      ),
    );
  });
});
