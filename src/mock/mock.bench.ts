import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { createRng } from "../random/rng.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { openAiFormat } from "../vendor/wire/openai.js";
import { type MockServer, startMockServer } from "./mock-server.js";

/**
 * The mock server against a bare node:http server answering the same bytes,
 * driven by the same load generator (an undici Pool, 50 connections) in the same
 * run: the ratio is what the vendor model, limiter, headers and wire format cost.
 */
const REQUESTS = 2000;
const CONNECTIONS = 50;
const TOKENS = 50;

const body = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "word".repeat(100) }],
  max_tokens: TOKENS,
});
const streamBody = JSON.stringify({
  ...JSON.parse(body),
  stream: true,
  stream_options: { include_usage: true },
});
const headers = { authorization: "Bearer sk-bench", "content-type": "application/json" };

let bare: Server;
let bareOrigin: string;
let mock: MockServer;
let scheduler: RealScheduler;
const pools = new Map<string, Pool>();

/** The same answer the mock gives, prepared once: a bare server's best case. */
function sameBytes() {
  const budget = {
    requests: { limit: 1e9, remaining: 1e9, resetMs: 0 },
    tokens: { limit: 1e12, remaining: 1e12, resetMs: 0 },
  };
  const completion = {
    id: "gw1",
    model: "gpt-4o-mini",
    createdS: 1,
    promptTokens: 100,
    completionTokens: TOKENS,
    truncated: false,
  };
  const json = openAiFormat.completion(completion, budget, 0);
  const request = {
    model: "gpt-4o-mini",
    promptTokens: 100,
    maxTokens: TOKENS,
    stream: true,
    includeUsage: true,
  };
  const writer = openAiFormat.streamWriter(completion, request, budget, 0);
  let sse = writer.start();
  for (let i = 0; i < TOKENS; i++) sse += writer.token(i);
  sse += writer.end();
  return { json, sse, sseHeaders: writer.headers };
}

/** Wall ms of every timed load, by label: the summary below turns them into rates. */
const timings = new Map<string, number[]>();

async function timed(label: string, origin: string, payload: string): Promise<void> {
  const started = performance.now();
  await load(origin, payload);
  const list = timings.get(label) ?? [];
  list.push(performance.now() - started);
  timings.set(label, list);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Requests/s and streamed tokens/s of each side, and the mock's ratio to the bare server. */
function printSummary(): void {
  const rate = (label: string) => REQUESTS / (median(timings.get(label) ?? []) / 1000);
  const json = { bare: rate("bare-json"), mock: rate("mock-json") };
  const sse = { bare: rate("bare-sse"), mock: rate("mock-sse") };
  const lines = [
    `plain JSON: mock ${Math.round(json.mock)} req/s, bare ${Math.round(json.bare)} req/s, ratio ${(json.mock / json.bare).toFixed(2)} (goal >= 0.7)`,
    `SSE: mock ${Math.round(sse.mock * TOKENS)} tokens/s (${Math.round(sse.mock)} streams/s), bare ${Math.round(sse.bare * TOKENS)} tokens/s, ratio ${(sse.mock / sse.bare).toFixed(2)} (goal >= 0.7)`,
  ];
  console.log(`\n${lines.join("\n")}\n`);
}

async function load(origin: string, payload: string): Promise<void> {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: CONNECTIONS });
    pools.set(origin, pool);
  }
  let next = 0;
  const worker = async () => {
    while (next++ < REQUESTS) {
      const res = await pool.request({
        method: "POST",
        path: "/v1/chat/completions",
        headers,
        body: payload,
      });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

beforeAll(async () => {
  const { json, sse, sseHeaders } = sameBytes();
  bare = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      if (raw.includes('"stream":true')) {
        res.writeHead(200, sseHeaders);
        res.end(sse);
      } else {
        res.writeHead(200, json.headers);
        res.end(json.body);
      }
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  bareOrigin = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  // A model that answers at once, so only the server's own work is measured.
  scheduler = new RealScheduler(1);
  const model = testModel({
    limits: { rpm: 1e9, tpm: 1e12 },
    latency: { ttftMedianMs: 0, ttftSigma: 0, tokensPerSecond: 1e9 },
  });
  mock = await startMockServer({
    model: new VendorModel(testVendor("bench", [model]), [], createRng(1)),
    scheduler,
  });
});

afterAll(async () => {
  printSummary();
  await Promise.all([...pools.values()].map((p) => p.destroy()));
  await mock.close();
  scheduler.dispose();
  await new Promise((resolve) => bare.close(resolve));
});

describe(`plain JSON, ${REQUESTS} requests over ${CONNECTIONS} connections`, () => {
  bench("baseline: bare node:http, the same bytes", () => timed("bare-json", bareOrigin, body));
  bench("mock: vendor model, limiter, headers, wire format", () =>
    timed("mock-json", mock.origin, body),
  );
});

describe(`SSE, ${REQUESTS} streams of ${TOKENS} tokens over ${CONNECTIONS} connections`, () => {
  bench("baseline: bare node:http, the same bytes in one write", () =>
    timed("bare-sse", bareOrigin, streamBody),
  );
  bench("mock: paced stream, one write per tick", () => timed("mock-sse", mock.origin, streamBody));
});
