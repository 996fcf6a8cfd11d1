import { describe, expect, it } from "vitest";
import { REQUEST_ID_HEADER } from "../findings/vendor-attempt.js";
import { InputError } from "../scenario/input-error.js";
import { loadScenario } from "../scenario/loader.js";
import type { WireFormatName } from "../vendor/types.js";
import { formatFor } from "../vendor/wire/formats.js";
import { classRoutes, FAKE_API_KEY } from "./gateway-routes.js";
import { plannedMockServers } from "./mock-urls.js";
import {
  DEFAULT_PORTKEY_RETRY,
  FALLBACK_STATUS_CODES,
  type PortkeyTarget,
  portkeyConfig,
  portkeyConfigsForScenario,
} from "./portkey-config.js";

const EVERY_FORMAT = "src/gateway/fixtures/every-format.yaml";
const load = (ref: string) => loadScenario(ref, { cwd: process.cwd() });

/**
 * The path Portkey's provider appends to custom_host for a chat completion
 * (src/providers/<provider>/api.ts getEndpoint), for a target's model.
 */
const PORTKEY_ENDPOINTS: Record<string, (t: PortkeyTarget) => string> = {
  openai: () => "/chat/completions",
  anthropic: () => "/messages",
  google: (t) => `/v1beta/models/${t.override_params.model}:generateContent`,
  "azure-openai": (t) => `/deployments/${t.deployment_id}/chat/completions`,
};

describe("portkeyConfigsForScenario", () => {
  it("gives lunch-rush's chat class one target per route, in the drill's order, each at its mock", () => {
    const scenario = load("lunch-rush");
    const servers = plannedMockServers(scenario.vendors, "127.0.0.1", 4100);
    const configs = portkeyConfigsForScenario(scenario, servers, { strategy: "fallback" });
    expect(Object.keys(configs)).toEqual(["chat"]);
    expect(configs.chat).toEqual({
      strategy: { mode: "fallback", on_status_codes: FALLBACK_STATUS_CODES },
      targets: [
        ["http://127.0.0.1:4100/v1", "gpt-4o-mini"],
        ["http://127.0.0.1:4101/v1", "gpt-4o-mini"],
        ["http://127.0.0.1:4102/v1", "llama-3.3-70b"],
      ].map(([host, model]) => ({
        provider: "openai",
        custom_host: host,
        api_key: FAKE_API_KEY,
        override_params: { model },
        forward_headers: [REQUEST_ID_HEADER],
      })),
      retry: { attempts: 3, on_status_codes: [429, 500, 502, 503, 504] },
    });
    expect(FALLBACK_STATUS_CODES).toEqual(expect.arrayContaining([429, 503, 529]));
  });

  it("weighs a loadbalance config by the drill's route shares, the rest split equally", () => {
    const scenario = load(EVERY_FORMAT);
    scenario.router.classes = { chat: scenario.router.classes.chat! };
    const servers = plannedMockServers(scenario.vendors, "127.0.0.1", 4100);
    const { chat } = portkeyConfigsForScenario(scenario, servers, { strategy: "loadbalance" });
    expect(chat!.strategy).toEqual({ mode: "loadbalance" });
    // vendor-a has share 0.5; the other three split the other half.
    expect(chat!.targets.map((t) => t.weight)).toEqual([0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3]);
  });

  it("refuses a class with a Bedrock route, naming it", () => {
    const scenario = load(EVERY_FORMAT);
    const servers = plannedMockServers(scenario.vendors, "127.0.0.1", 4100);
    const call = () => portkeyConfigsForScenario(scenario, servers, { strategy: "fallback" });
    expect(call).toThrow(InputError);
    expect(call).toThrow(/route vendor-e\/anthropic\.claude-sonnet-4-5-v1:0 .*Bedrock/);
  });
});

describe("portkeyConfig", () => {
  const scenario = load(EVERY_FORMAT);
  const servers = plannedMockServers(scenario.vendors, "127.0.0.1", 4100);
  const chat = classRoutes(scenario, servers).get("chat")!;

  it("reaches each format's mock: custom_host plus Portkey's endpoint is a path the mock serves", () => {
    const { targets } = portkeyConfig({ routes: chat, strategy: "fallback" });
    expect(targets.map((t) => t.provider)).toEqual([
      "openai",
      "azure-openai",
      "anthropic",
      "google",
    ]);
    targets.forEach((target, i) => {
      const route = chat[i]!;
      const url = new URL(`${target.custom_host}${PORTKEY_ENDPOINTS[target.provider]!(target)}`);
      expect(url.origin).toBe(new URL(route.baseUrl).origin);
      const match = formatFor(route.format as WireFormatName).match("POST", url.pathname);
      expect(match, `${route.vendor} at ${url.pathname}`).toBeDefined();
      // Azure and Gemini take the model from the path: it must be the route's.
      if (match?.modelInPath !== undefined) expect(match.modelInPath).toBe(route.model);
      expect(target.override_params.model).toBe(route.model);
      expect(target.forward_headers).toEqual([REQUEST_ID_HEADER]);
    });
    expect(targets[1]).toMatchObject({ deployment_id: "gpt-4o-mini", api_version: "2024-10-21" });
  });

  it("writes the retry asked for, none for 0 attempts, and fails a timed-out attempt over", () => {
    const retry = { attempts: 2, onStatusCodes: [429], useRetryAfterHeader: true };
    expect(portkeyConfig({ routes: chat, strategy: "fallback", retry }).retry).toEqual({
      attempts: 2,
      on_status_codes: [429],
      use_retry_after_header: true,
    });
    const none = portkeyConfig({
      routes: chat,
      strategy: "fallback",
      retry: { attempts: 0, onStatusCodes: [] },
    });
    expect(none).not.toHaveProperty("retry");
    expect(portkeyConfig({ routes: chat, strategy: "fallback" }).retry?.attempts).toBe(
      DEFAULT_PORTKEY_RETRY.attempts,
    );
    const timed = portkeyConfig({ routes: chat, strategy: "fallback", requestTimeoutMs: 30_000 });
    expect(timed.request_timeout).toBe(30_000);
    expect(timed.strategy.on_status_codes).toContain(408);
    expect(
      portkeyConfig({ routes: chat, strategy: "fallback" }).strategy.on_status_codes,
    ).not.toContain(408);
  });

  it("takes one weight per route for loadbalance, equal when none is given", () => {
    expect(
      portkeyConfig({ routes: chat, strategy: "loadbalance" }).targets.map((t) => t.weight),
    ).toEqual([1, 1, 1, 1]);
    expect(() => portkeyConfig({ routes: chat, strategy: "loadbalance", weights: [1, 2] })).toThrow(
      /2 weights for 4 routes/,
    );
    expect(portkeyConfig({ routes: chat, strategy: "fallback" }).targets[0]).not.toHaveProperty(
      "weight",
    );
  });
});
