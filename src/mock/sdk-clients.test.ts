import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { createRng } from "../random/rng.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import type { WireFormatName } from "../vendor/types.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { type MockServer, startMockServer } from "./mock-server.js";

/**
 * The official SDKs against the mocks over loopback: if they parse the answers,
 * retry where they retry in production and fail where they fail, the mocks pass
 * for the real vendors on the wire.
 */
let server: MockServer | undefined;
let scheduler: RealScheduler | undefined;

afterEach(async () => {
  await server?.close();
  scheduler?.dispose();
  server = undefined;
});

async function start(format: WireFormatName, model: string) {
  scheduler = new RealScheduler(100);
  const vendor = {
    ...testVendor("vendor-a", [testModel({ name: model, limits: { rpm: 6000, tpm: 1_000_000 } })]),
    format,
  };
  server = await startMockServer({ model: new VendorModel(vendor, [], createRng(1)), scheduler });
  return server;
}

async function addFault(fault: Record<string, unknown>) {
  const res = await fetch(`${server!.origin}/_gw/faults`, {
    method: "POST",
    body: JSON.stringify(fault),
  });
  expect(res.status).toBe(201);
}

async function mockState() {
  return (await (await fetch(`${server!.origin}/_gw/state`)).json()) as {
    models: Record<string, { statuses: Record<string, number> }>;
    clientRetries: number;
  };
}

describe("the official openai SDK against the OpenAI mock", () => {
  const client = () =>
    new OpenAI({ baseURL: server!.baseUrl, apiKey: "sk-test", maxRetries: 2, timeout: 10_000 });

  it("parses a plain answer", async () => {
    await start("openai", "gpt-4o-mini");
    const answer = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello" }],
      max_tokens: 20,
    });
    expect(answer.choices[0]?.message.content).toEqual(expect.any(String));
    expect(answer.choices[0]?.finish_reason).toBe("length");
    expect(answer.usage?.completion_tokens).toBe(20);
  });

  it("parses a streamed answer with its usage chunk", async () => {
    await start("openai", "gpt-4o-mini");
    const stream = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello" }],
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: { completion_tokens: number } | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(12);
  });

  it("retries a 429 after retry-after-ms, counting its attempts in x-stainless-retry-count", async () => {
    await start("openai", "gpt-4o-mini");
    await addFault({ kind: "throttle", count: 2 });
    const started = performance.now();
    const answer = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 5,
    });
    expect(answer.object).toBe("chat.completion");
    // Two waits of retry-after-ms (1000 each); the SDK's own backoff would total at most 1.5 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    const state = await mockState();
    expect(state.models["gpt-4o-mini"]?.statuses).toEqual({ "200": 1, "429": 2 });
    expect(state.clientRetries).toBe(2);
  });

  it("does not retry an exhausted quota", async () => {
    await start("openai", "gpt-4o-mini");
    await addFault({ kind: "quota" });
    await expect(
      client().chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
      }),
    ).rejects.toMatchObject({ status: 429, code: "insufficient_quota" });
    expect((await mockState()).models["gpt-4o-mini"]?.statuses).toEqual({ "429": 1 });
  });

  it("surfaces an error in the middle of a stream as an error", async () => {
    await start("openai", "gpt-4o-mini");
    await addFault({ kind: "stream-error", afterTokens: 2 });
    const stream = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 30,
      stream: true,
    });
    const read = async () => {
      for await (const _chunk of stream) {
        // reading until the error frame
      }
    };
    await expect(read()).rejects.toThrow();
  });
});

describe("the official @anthropic-ai/sdk against the Anthropic mock", () => {
  const client = () =>
    new Anthropic({
      baseURL: server!.origin,
      apiKey: "sk-ant-test",
      maxRetries: 2,
      timeout: 10_000,
    });

  it("parses a plain answer", async () => {
    await start("anthropic", "claude-sonnet-4-5");
    const message = await client().messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 20,
      system: "Be brief.",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(message.type).toBe("message");
    expect(message.content[0]?.type).toBe("text");
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(20);
  });

  it("parses a streamed answer, event by event", async () => {
    await start("anthropic", "claude-sonnet-4-5");
    const stream = client().messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 12,
      messages: [{ role: "user", content: "Say hello" }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]?.type).toBe("text");
    expect(final.usage.output_tokens).toBe(12);
  });

  it("retries a 429 after its retry-after", async () => {
    await start("anthropic", "claude-sonnet-4-5");
    await addFault({ kind: "throttle", count: 1 });
    const started = performance.now();
    const message = await client().messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(message.type).toBe("message");
    // retry-after: 1 (a second); the SDK's own first backoff is at most 0.5 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect((await mockState()).models["claude-sonnet-4-5"]?.statuses).toEqual({
      "200": 1,
      "429": 1,
    });
  });

  it("surfaces an error event in the middle of a stream as an error", async () => {
    await start("anthropic", "claude-sonnet-4-5");
    await addFault({ kind: "stream-error", afterTokens: 2 });
    const stream = client().messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 30,
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });
});
