import { describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { REQUEST_ID_HEADER } from "../findings/vendor-attempt.js";
import { routeId, splitRouteId } from "../router/types.js";
import { loadScenario } from "../scenario/loader.js";
import { formatFor } from "../vendor/wire/formats.js";
import { liteLlmConfigYaml } from "./litellm-config.js";
import { plannedMockServers } from "./mock-urls.js";

const EVERY_FORMAT = "src/gateway/fixtures/every-format.yaml";

interface LiteLlmFile {
  model_list: { model_name: string; litellm_params: Record<string, string | number> }[];
  router_settings: Record<string, unknown> & { fallbacks?: Record<string, string[]>[] };
  litellm_settings: {
    request_timeout: number;
    model_group_settings: { forward_client_headers_to_llm_api: string[] };
  };
}

function configFor(ref: string, strategy: "loadbalance" | "fallback", portBase = 4100, speed = 1) {
  const scenario = loadScenario(ref, { cwd: process.cwd() });
  const servers = plannedMockServers(scenario.vendors, "127.0.0.1", portBase);
  const text = liteLlmConfigYaml(scenario, servers, { strategy, drillRef: ref, portBase, speed });
  return { scenario, servers, text };
}

/**
 * The path LiteLLM appends to a deployment's api_base for a chat completion, by
 * its provider prefix (from LiteLLM's source: openai client, AzureOpenAI client,
 * AnthropicConfig.get_complete_url, _check_custom_proxy, the Bedrock Converse URL).
 */
const LITELLM_ENDPOINTS: Record<string, (model: string) => string> = {
  openai: () => "/chat/completions",
  azure: (m) => `/openai/deployments/${m}/chat/completions`,
  anthropic: () => "/v1/messages",
  gemini: (m) => `/models/${m}:generateContent`,
  bedrock: (m) => `/model/${m}/converse`,
};

describe("liteLlmConfigYaml", () => {
  it("parses as YAML (1.1, as LiteLLM's PyYAML reads it, and 1.2 alike) and names every mock and every class", () => {
    const { scenario, servers, text } = configFor(EVERY_FORMAT, "loadbalance");
    const doc = parseDocument(text, { version: "1.1" });
    expect(doc.errors).toEqual([]);
    const file = doc.toJS() as LiteLlmFile;
    expect(parse(text)).toEqual(file);

    // One deployment per route, grouped under its class, in the drill's order.
    const expected = Object.entries(scenario.router.classes).flatMap(([name, ids]) =>
      ids.map((id) => ({ name, ...splitRouteId(id) })),
    );
    expect(file.model_list.map((d) => d.model_name)).toEqual(expected.map((e) => e.name));
    file.model_list.forEach((deployment, i) => {
      const { vendor, model } = expected[i]!;
      const server = servers.find((s) => s.vendor === vendor)!;
      const params = deployment.litellm_params;
      const [provider, ...rest] = String(params.model).split("/");
      expect(rest.at(-1), routeId(vendor, model)).toBe(model);
      // api_base plus what LiteLLM appends is a path this vendor's mock serves.
      const url = new URL(`${params.api_base}${LITELLM_ENDPOINTS[provider!]!(model)}`);
      expect(url.origin).toBe(server.origin);
      expect(formatFor(server.format as never).match("POST", url.pathname), url.href).toBeDefined();
      // The model's limits in its vendor profile.
      const limits = scenario.vendors
        .find((v) => v.name === vendor)!
        .models.find((m) => m.name === model)!.limits;
      expect([params.rpm, params.tpm]).toEqual([limits.rpm, limits.tpm]);
    });
    expect(
      file.model_list.find((d) => d.litellm_params.model === "azure/gpt-4o-mini")?.litellm_params
        .api_version,
    ).toBe("2024-10-21");
    expect(file.router_settings).toMatchObject({
      routing_strategy: "simple-shuffle",
      num_retries: 2,
    });
    expect(file.router_settings).not.toHaveProperty("fallbacks");
    expect(file.litellm_settings.request_timeout).toBe(90);
    // LiteLLM keeps wall time: at --speed 10, the drill's 90 s are 9 s.
    const fast = parse(configFor(EVERY_FORMAT, "loadbalance", 4100, 10).text) as LiteLlmFile;
    expect(fast.litellm_settings.request_timeout).toBe(9);
    expect(file.litellm_settings.model_group_settings.forward_client_headers_to_llm_api).toEqual([
      "chat",
      "batch",
    ]);
  });

  it("says how to run it, and why each setting is what it is", () => {
    const { text } = configFor("lunch-rush", "loadbalance", 5000);
    expect(text).toContain("litellm --config");
    // run starts the mocks itself, on the ports the file names.
    expect(text).toContain(
      "gw-chaos run lunch-rush --gateway http://127.0.0.1:4000 --port-base 5000",
    );
    expect(text).toContain(REQUEST_ID_HEADER);
    for (const key of [
      "num_retries",
      "allowed_fails",
      "cooldown_time",
      "retry_after",
      "request_timeout",
    ]) {
      expect(text, key).toMatch(new RegExp(`# .+\\n\\s+${key}:`));
    }
  });

  it("chains a class's routes in the drill's order with fallback", () => {
    const { text } = configFor("lunch-rush", "fallback");
    const file = parse(text, { version: "1.1" }) as LiteLlmFile;
    expect(file.model_list.map((d) => [d.model_name, d.litellm_params.api_base])).toEqual([
      ["chat", "http://127.0.0.1:4100/v1"],
      ["chat-fallback-1", "http://127.0.0.1:4101/v1"],
      ["chat-fallback-2", "http://127.0.0.1:4102/v1"],
    ]);
    expect(file.router_settings.fallbacks).toEqual([
      { chat: ["chat-fallback-1", "chat-fallback-2"] },
    ]);
  });
});
