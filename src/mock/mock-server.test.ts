import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { createRng } from "../random/rng.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { OpenAiSseReader } from "../upstream/sse-reader.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { attemptsOf } from "./attempt-log.js";
import { type MockServer, startMockServer } from "./mock-server.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;
const json = async (res: Response): Promise<Json> => res.json();

let server: MockServer | undefined;
let scheduler: RealScheduler | undefined;

afterEach(async () => {
  await server?.close();
  scheduler?.dispose();
  server = undefined;
});

/**
 * A mock on a real loopback port; speed 100 keeps latencies to a few ms of wall time.
 * At 1x (for budgets that must not refill between calls) the vendor answers at once.
 */
async function start(rpm = 60, speed = 100) {
  scheduler = new RealScheduler(speed);
  const latency =
    speed === 1 ? { latency: { ttftMedianMs: 0, ttftSigma: 0, tokensPerSecond: 1e6 } } : {};
  const model = new VendorModel(
    testVendor("vendor-a", [testModel({ limits: { rpm, tpm: 1_000_000 }, ...latency })]),
    [],
    createRng(1),
  );
  server = await startMockServer({ model, scheduler });
  return server;
}

/**
 * A mock whose vendor takes ttftMs to its first token (then a million tokens a
 * second), with every charge of output tokens listed (closing an exchange books 0,
 * left out): what a caller who hung up must not be charged.
 */
async function startCharging(ttftMs: number, speed: number, rpm: number) {
  scheduler = new RealScheduler(speed);
  const latency = { ttftMedianMs: ttftMs, ttftSigma: 0, tokensPerSecond: 1e6 };
  const model = new VendorModel(
    testVendor("vendor-a", [testModel({ limits: { rpm, tpm: 1_000_000 }, latency })]),
    [],
    createRng(1),
  );
  const charged: number[] = [];
  const generate = model.generated.bind(model);
  model.generated = (name, tokens, nowMs) => {
    if (tokens > 0) charged.push(tokens);
    generate(name, tokens, nowMs);
  };
  server = await startMockServer({ model, scheduler });
  return { server, charged };
}

const chat = (
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) =>
  fetch(`${server!.baseUrl}/chat/completions`, {
    method: "POST",
    ...(signal ? { signal } : {}),
    headers: { authorization: "Bearer sk-test", "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello there" }],
      ...body,
    }),
  });

describe("mock vendor server (OpenAI wire format, real loopback)", () => {
  it("listens on 127.0.0.1 on a free port and gives an SDK-style base URL", async () => {
    const s = await start();
    expect(s.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("answers a chat completion with usage and x-ratelimit headers", async () => {
    await start();
    const res = await chat({ max_tokens: 20 }, { "x-gw-chaos-completion-tokens": "12" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("59");
    expect(res.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?(ms|s)$/);
    const body = await json(res);
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o-mini",
      usage: { prompt_tokens: 3, completion_tokens: 12, total_tokens: 15 },
      choices: [{ finish_reason: "stop" }],
    });
  });

  it("streams server-sent events ending with a usage chunk and [DONE]", async () => {
    await start();
    const res = await chat(
      { stream: true, stream_options: { include_usage: true } },
      { "x-gw-chaos-completion-tokens": "30" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const reader = new OpenAiSseReader();
    reader.push(text);
    expect(reader.sawContent).toBe(true);
    expect(reader.sawDone).toBe(true);
    expect(reader.sawError).toBe(false);
    expect(reader.usage).toEqual({ prompt: 3, completion: 30 });
    // One content frame per token, plus the finish and usage frames and [DONE].
    expect(text.match(/^data: /gm)?.length).toBe(33);
  });

  it("answers and streams a model whose name is not ASCII with its name intact", async () => {
    scheduler = new RealScheduler(100);
    const name = "modèle-é 模型";
    const model = new VendorModel(
      testVendor("vendor-a", [testModel({ name, limits: { rpm: 60, tpm: 1_000_000 } })]),
      [],
      createRng(1),
    );
    server = await startMockServer({ model, scheduler });
    const plain = await chat({ model: name }, { "x-gw-chaos-completion-tokens": "5" });
    expect(plain.status).toBe(200);
    expect((await json(plain)).model).toBe(name);
    const streamed = await chat(
      { model: name, stream: true, stream_options: { include_usage: true } },
      { "x-gw-chaos-completion-tokens": "5" },
    );
    expect(streamed.status).toBe(200);
    const frames = (await streamed.text()).split("\n\n").filter((f) => f.startsWith("data: {"));
    // Every frame's JSON names the model: five tokens, the finish and the usage frame.
    expect(frames.map((f) => JSON.parse(f.slice(6)).model)).toEqual(Array(7).fill(name));
  });

  it("throttles past its requests per minute with a 429, Retry-After and OpenAI's body", async () => {
    // At 1x with an instant vendor: the budget refills one request in 12 s of wall time,
    // so however slow the machine, the sixth call finds it empty (at speed 100 a busy
    // machine let it refill between calls).
    await start(5, 1);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await chat({ max_tokens: 5 });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get("retry-after-ms"))).toBeGreaterThan(0);
        expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
        const body = await json(res);
        expect(body.error).toMatchObject({ code: "rate_limit_exceeded", type: "requests" });
      } else {
        await res.arrayBuffer();
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("answers bad requests with OpenAI-shaped 4xx errors and keeps serving", async () => {
    await start();
    const noKey = await fetch(`${server!.baseUrl}/chat/completions`, {
      method: "POST",
      body: "{}",
    });
    expect(noKey.status).toBe(401);
    const badJson = await fetch(`${server!.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k" },
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect((await json(badJson)).error.type).toBe("invalid_request_error");
    const unknownModel = await chat({ model: "gpt-9" });
    expect(unknownModel.status).toBe(404);
    expect((await json(unknownModel)).error.code).toBe("model_not_found");
    const wrongPath = await fetch(`${server!.origin}/v2/anything`);
    expect(wrongPath.status).toBe(404);
    await wrongPath.arrayBuffer();
    const ok = await chat({});
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it("a caller that hangs up before its answer is logged abandoned, charged nothing more, and frees its slot", async () => {
    // Two minutes to the first token at speed 100: 1.2 s of wall time to hang up in.
    const { server, charged } = await startCharging(120_000, 100, 60);
    const hangUp = new AbortController();
    const call = chat({ max_tokens: 20 }, {}, hangUp.signal).catch((error: Error) => error.name);
    await new Promise((resolve) => setTimeout(resolve, 100));
    hangUp.abort();
    expect(await call).toBe("AbortError");
    // Past the answer's time: had its timer survived the hang-up, it would have charged the tokens.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(charged).toEqual([]);
    const [attempt] = attemptsOf(server.attempts.columns());
    expect(attempt).toMatchObject({ outcome: "abandoned", status: 0 });
    const state = await json(await fetch(`${server.origin}/_gw/state`));
    expect(state.models["gpt-4o-mini"].inFlight).toBe(0);
    expect(state.models["gpt-4o-mini"].statuses).toEqual({ "0": 1 });
  });

  it("callers who reset the connection right after their request, before an instant answer, are logged abandoned and charged nothing", async () => {
    const { server, charged } = await startCharging(0, 1, 6000);
    const { port } = new URL(server.origin);
    const CALLERS = 20;
    for (let i = 0; i < CALLERS; i++) {
      const stream = i % 2 === 1;
      const body = JSON.stringify({
        model: "gpt-4o-mini",
        stream,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 20,
      });
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1", () => {
          socket.write(
            "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-test\r\n" +
              `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
          );
          // The request and the reset reach the server together, in one turn of its reads.
          socket.resetAndDestroy();
          resolve();
        });
        socket.on("error", () => {});
      });
    }
    for (let wait = 0; server.attempts.size < CALLERS && wait < 200; wait++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const attempts = attemptsOf(server.attempts.columns());
    expect(attempts).toHaveLength(CALLERS);
    // An answer the server did write before it read the reset is a served call; every
    // other is abandoned, uncharged. The reset comes with the request, so most are.
    const abandoned = attempts.filter((a) => a.outcome === "abandoned" && a.status === 0);
    const served = attempts.filter((a) => a.outcome === "ok" && a.status === 200);
    expect(abandoned.length + served.length).toBe(CALLERS);
    expect(abandoned.length).toBeGreaterThan(CALLERS / 2);
    expect(charged).toHaveLength(served.length);
  });

  it("reports its state: remaining budgets and counts by status", async () => {
    await start();
    await (await chat({})).arrayBuffer();
    const state = await json(await fetch(`${server!.origin}/_gw/state`));
    expect(state.vendor).toBe("vendor-a");
    // The budget refills as scenario time runs (fast at speed 100): its limit is fixed.
    expect(state.models["gpt-4o-mini"].requests).toMatchObject({ limit: 60 });
    expect(state.models["gpt-4o-mini"].inFlight).toBe(0);
    expect(state.models["gpt-4o-mini"].statuses).toEqual({ "200": 1 });
  });
});

describe("faults over real HTTP, added at run time through POST /_gw/faults", () => {
  const postFault = async (fault: Record<string, unknown>) => {
    const res = await fetch(`${server!.origin}/_gw/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault),
    });
    return { status: res.status, body: await json(res) };
  };

  it("scripts exactly two 429s, then success, with count", async () => {
    await start(600);
    expect((await postFault({ kind: "throttle", count: 2 })).status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await chat({});
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([429, 429, 200]);
  });

  it.each([
    ["quota", 429, "insufficient_quota"],
    ["overload", 503, "server_error"],
    ["server-error", 500, "server_error"],
  ])("%s answers %d in the vendor's shape", async (kind, status, type) => {
    await start();
    await postFault({ kind, count: 1 });
    const res = await chat({});
    expect(res.status).toBe(status);
    expect((await json(res)).error.type).toBe(type);
  });

  it("stall: the request is never answered", async () => {
    await start();
    await postFault({ kind: "stall" });
    await expect(chat({}, {}, AbortSignal.timeout(300))).rejects.toThrow();
  });

  it("outage: the connection fails without an answer, and the control API stays up", async () => {
    await start();
    await postFault({ kind: "outage" });
    const failure = (await chat({}).then(
      () => undefined,
      (error: unknown) => error,
    )) as { cause?: { code?: string } } | undefined;
    expect(failure).toBeInstanceOf(TypeError); // fetch failed: no HTTP answer at all
    expect(["UND_ERR_SOCKET", "ECONNRESET", "ECONNREFUSED"]).toContain(failure?.cause?.code);
    // Not even a request without a key is answered: the vendor is down, not picky.
    const noKey = await fetch(`${server!.baseUrl}/chat/completions`, {
      method: "POST",
      body: "{}",
    }).catch(() => "failed");
    expect(noKey).toBe("failed");
    const faults = await json(await fetch(`${server!.origin}/_gw/faults`));
    expect(faults.faults).toHaveLength(1);
    await fetch(`${server!.origin}/_gw/faults`, { method: "DELETE" });
    const ok = await chat({});
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it("reset: a streamed answer breaks off mid-stream", async () => {
    await start();
    await postFault({ kind: "reset", afterTokens: 3 });
    const res = await chat({ stream: true }, { "x-gw-chaos-completion-tokens": "50" });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("stream-error: after a 200 the stream carries the vendor's error frame and no [DONE]", async () => {
    await start();
    await postFault({ kind: "stream-error", afterTokens: 2 });
    const res = await chat({ stream: true }, { "x-gw-chaos-completion-tokens": "50" });
    expect(res.status).toBe(200);
    const reader = new OpenAiSseReader();
    reader.push(await res.text());
    expect(reader.contentFrames).toBe(2);
    expect(reader.sawError).toBe(true);
    expect(reader.sawDone).toBe(false);
  });

  it("answers a bad fault with a 400 that names the problem, and removes faults by id", async () => {
    await start();
    const bad = await postFault({ kind: "throttle", probabilty: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /unknown key "probabilty" \(did you mean "probability"\?\)/,
    );
    expect((await postFault({ kind: "throttle", model: "gpt-9" })).status).toBe(400);
    const { body } = await postFault({ kind: "throttle" });
    const removed = await fetch(`${server!.origin}/_gw/faults/${body.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    const ok = await chat({});
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});

describe("request size", () => {
  it("refuses a body over its limit with a 413 in the vendor's shape and keeps serving", async () => {
    await start();
    const huge = "x".repeat(9 * 1024 * 1024);
    const res = await fetch(`${server!.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: huge,
    });
    expect(res.status).toBe(413);
    expect((await json(res)).error).toBeDefined();
    const ok = await chat({});
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});

describe("hostile and unusual requests", () => {
  it("answers malformed HTTP with the vendor's 400 shape and keeps serving", async () => {
    const s = await start();
    const { port } = new URL(s.origin);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
        );
      });
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk;
      });
      socket.on("close", () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)).error.type).toBe(
      "invalid_request_error",
    );
    const ok = await chat({});
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it("answers a malformed fault id with a 400, not a crash", async () => {
    await start();
    const res = await fetch(`${server!.origin}/_gw/faults/%E0%A4%A`, { method: "DELETE" });
    expect(res.status).toBe(400);
    const ok = await chat({});
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it("refuses a request larger than the token limit can ever hold with a 400, never a wait", async () => {
    await start();
    const res = await chat({ max_tokens: 2_000_000 });
    expect(res.status).toBe(400);
    expect(res.headers.get("retry-after")).toBeNull();
    expect((await json(res)).error.message).toMatch(/^Request too large for gpt-4o-mini/);
  });

  it("spends a scripted fault's count only on requests it really hit", async () => {
    await start();
    for (const fault of [
      { kind: "throttle", count: 2 },
      { kind: "stall", count: 1 },
    ]) {
      await fetch(`${server!.origin}/_gw/faults`, { method: "POST", body: JSON.stringify(fault) });
    }
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await chat({});
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([429, 429]);
    // The stall was not spent by the 429s: the third request hangs.
    await expect(chat({}, {}, AbortSignal.timeout(300))).rejects.toThrow();
    const fourth = await chat({});
    expect(fourth.status).toBe(200);
    await fourth.arrayBuffer();
  });
});
