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
 * The machine is shared and its speed drifts from second to second, so the two are
 * measured in interleaved rounds (bare, mock, bare, mock...), each round's ratio
 * from loads run back to back, and the figure is the median of the rounds' ratios.
 */
const ROUNDS = 7;
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

/** Each round's rates of the bare server and the mock, by kind. */
const rounds = {
  json: [] as { bare: number; mock: number }[],
  sse: [] as { bare: number; mock: number }[],
};

/** Requests a second of one load of REQUESTS. */
async function rate(origin: string, payload: string): Promise<number> {
  const started = performance.now();
  await load(origin, payload);
  return REQUESTS / ((performance.now() - started) / 1000);
}

/** One round of a kind: bare then mock, back to back. */
async function round(kind: "json" | "sse", payload: string): Promise<void> {
  const bareRate = await rate(bareOrigin, payload);
  const mockRate = await rate(mock.origin, payload);
  rounds[kind].push({ bare: bareRate, mock: mockRate });
}

/** The median round of each kind (by its ratio): its rates and ratio, and every round's ratio. */
function printSummary(): void {
  const line = (kind: "json" | "sse") => {
    const sorted = [...rounds[kind]].sort((a, b) => a.mock / a.bare - b.mock / b.bare);
    const at = sorted[Math.floor(sorted.length / 2)];
    if (!at) return `${kind}: not measured`;
    const what =
      kind === "json"
        ? `plain JSON: mock ${Math.round(at.mock)} req/s, bare ${Math.round(at.bare)} req/s`
        : `SSE: mock ${Math.round(at.mock * TOKENS)} tokens/s (${Math.round(at.mock)} streams/s), ` +
          `bare ${Math.round(at.bare * TOKENS)} tokens/s`;
    // Rounded down: read against a goal, 0.696 shown as "0.70" would read as met.
    const shown = (r: { mock: number; bare: number }) =>
      (Math.floor((r.mock / r.bare) * 100) / 100).toFixed(2);
    const all = sorted.map(shown);
    return `${what}, ratio ${shown(at)} (goal >= 0.7; median of ${all.length} interleaved rounds: ${all.join(" ")})`;
  };
  console.log(`\n${line("json")}\n${line("sse")}\n`);
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

describe(`mock against bare node:http, ${ROUNDS} interleaved rounds of ${REQUESTS} requests over ${CONNECTIONS} connections`, () => {
  bench(
    `plain JSON, then SSE of ${TOKENS} tokens (the mock: vendor model, limiter, headers, wire format, paced stream)`,
    async () => {
      // vitest may call a bench more than once; the rounds are measured once.
      if (rounds.json.length > 0) return;
      // A load of each first, unmeasured: both servers and the client compiled alike.
      for (const payload of [body, streamBody]) {
        await load(bareOrigin, payload);
        await load(mock.origin, payload);
      }
      for (let i = 0; i < ROUNDS; i++) {
        await round("json", body);
        await round("sse", streamBody);
      }
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
