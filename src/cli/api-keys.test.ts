import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../run/run-scenario.js";
import { loadScenario } from "../scenario/loader.js";
import { testIo } from "../test-support/test-io.js";
import { HARNESS_KEY } from "../upstream/wire-client.js";
import { main } from "./main.js";

/**
 * Safety: API keys that requests carry never come back out, in any answer of the
 * mocks (errors and the control API included), any log line or any report file;
 * and the mocks listen on loopback unless told otherwise.
 */
const KEYS = {
  bearer: "sk-DISTINCTIVE-bearer-7f3a",
  xApiKey: "sk-ant-DISTINCTIVE-xapikey-91bc",
  apiKey: "DISTINCTIVE-azure-apikey-55d0",
  goog: "AIzaDISTINCTIVE-goog-e4e4",
  query: "AIzaDISTINCTIVE-query-0c0c",
};
const ALL_KEYS = Object.values(KEYS);

function leaks(text: string, keys: readonly string[] = ALL_KEYS): string[] {
  return keys.filter((k) => text.includes(k));
}

/** Waits until the CLI has printed a whole line on stdout. */
async function firstLine(out: () => string): Promise<string> {
  for (let i = 0; i < 500 && !out().includes("\n"); i++)
    await new Promise((r) => setTimeout(r, 10));
  return out().split("\n")[0]!;
}

const SCENARIO = `name: keys
duration: 10s
speed: 20
vendors:
  vendor-a: { profile: openai }
  vendor-b: { profile: anthropic }
traffic:
  - { type: constant, lane: interactive, class: chat, rate: 5, prompt: 100, completion: 10, stream: 0.5 }
faults:
  - { kind: throttle, vendor: vendor-a, probability: 0.5, from: 30% }
router:
  classes:
    chat: [vendor-a/gpt-4o-mini, vendor-b/claude-sonnet-4-5]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 30s, deadline: 60s }
`;

describe("API keys never come back out", () => {
  it("of the mocks: answers, errors, the control API, and what gw-chaos mock prints", async () => {
    const io = testIo(["mock", "--json", "--speed", "50"]);
    const running = main(io);
    const { vendors } = JSON.parse(await firstLine(io.out)) as {
      vendors: { name: string; format: string; baseUrl: string; models: string[] }[];
    };
    expect(vendors.length).toBeGreaterThanOrEqual(5);
    // No --host: loopback only.
    for (const v of vendors) expect(new URL(v.baseUrl).hostname).toBe("127.0.0.1");
    const every = {
      authorization: `Bearer ${KEYS.bearer}`,
      "x-api-key": KEYS.xApiKey,
      "api-key": KEYS.apiKey,
      "x-goog-api-key": KEYS.goog,
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    };
    const seen: string[] = [];
    const call = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, { method: "POST", headers: every, ...init });
      const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
      seen.push(`${res.status} ${url}\n${headers}\n${await res.text()}`);
    };
    for (const v of vendors) {
      const origin = new URL(v.baseUrl).origin;
      const model = v.models[0]!;
      // Each vendor's own endpoint, with every kind of key at once and a ?key= too.
      const paths = [
        `${v.baseUrl}/chat/completions`,
        `${origin}/openai/deployments/${model}/chat/completions`,
        `${v.baseUrl}/messages`,
        `${origin}/v1beta/models/${model}:generateContent`,
        `${origin}/model/${encodeURIComponent(model)}/converse`,
      ];
      const good = {
        model,
        max_tokens: 5,
        messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
        contents: [{ role: "user", parts: [{ text: "hi" }] }],
      };
      for (const path of paths) {
        const url = `${path}?key=${KEYS.query}`;
        await call(url, { body: JSON.stringify(good) });
        await call(url, { body: "{not json" });
        await call(url, { body: JSON.stringify({ model: "no-such-model", messages: 5 }) });
        await call(url, { method: "GET" });
      }
      await call(`${origin}/_gw/state?key=${KEYS.query}`, { method: "GET" });
      await call(`${origin}/_gw/faults?key=${KEYS.query}`, {
        body: JSON.stringify({ kind: "throttle", probability: 1, for: "1s" }),
      });
      await call(`${origin}/_gw/faults?key=${KEYS.query}`, { body: "{not json" });
      await call(`${origin}/_gw/nothing?key=${KEYS.query}`, { method: "GET" });
    }
    io.interrupt();
    expect(await running).toBe(0);

    // The requests did reach the vendors: some were served, some refused.
    expect(seen.some((s) => s.startsWith("200 "))).toBe(true);
    expect(seen.some((s) => /^4\d\d /.test(s))).toBe(true);
    // Each answer's headers and body (the line before them is the URL the test sent).
    for (const answer of seen.map((s) => s.slice(s.indexOf("\n")))) {
      expect(leaks(answer), answer).toEqual([]);
    }
    expect(leaks(io.out() + io.err())).toEqual([]);
  });

  it("of a live run: the report files, the terminal report and the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-chaos-keys-"));
    writeFileSync(join(dir, "keys.yaml"), SCENARIO);
    const io = testIo(["run", "keys.yaml", "--format", "json,html,md,junit", "--out", "out"], {
      cwd: dir,
    });
    expect(await main(io)).toBe(0);
    const files = readdirSync(join(dir, "out"));
    expect(files.sort()).toEqual(["junit.xml", "report.html", "report.json", "report.md"]);
    // The key the harness sends each vendor: a credential like any other.
    const keys = [HARNESS_KEY];
    for (const file of files) {
      const text = readFileSync(join(dir, "out", file), "utf8");
      expect(leaks(text, keys), file).toEqual([]);
      expect(text, file).not.toMatch(/Bearer |x-api-key:|api-key:/i);
    }
    expect(leaks(io.out() + io.err(), keys)).toEqual([]);
  });

  it("gw-chaos mock --host ::1 listens there instead, and says so in its base URLs", async () => {
    const io = testIo(["mock", "--json", "--host", "::1"]);
    const running = main(io);
    const { vendors } = JSON.parse(await firstLine(io.out)) as { vendors: { baseUrl: string }[] };
    for (const v of vendors) expect(new URL(v.baseUrl).hostname).toBe("[::1]");
    const res = await fetch(`${new URL(vendors[0]!.baseUrl).origin}/_gw/state`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    io.interrupt();
    expect(await running).toBe(0);
  });

  it("a live run's mocks listen on 127.0.0.1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-chaos-keys-"));
    writeFileSync(join(dir, "keys.yaml"), SCENARIO.replace("duration: 10s", "duration: 2s"));
    const scenario = loadScenario("keys.yaml", { cwd: dir });
    const urls: string[] = [];
    await runScenario(scenario, {
      mode: "live",
      seed: 1,
      speed: 20,
      onMocksReady: (mocks) => urls.push(...mocks.map((m) => m.baseUrl)),
    });
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(new URL(url).hostname).toBe("127.0.0.1");
  });
});
