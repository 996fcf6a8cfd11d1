import { Document, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import { REQUEST_ID_HEADER } from "../findings/vendor-attempt.js";
import type { FleetServer } from "../run/mock-fleet.js";
import type { ResolvedScenario } from "../scenario/loader.js";
import type { WireFormatName } from "../vendor/types.js";
import { AZURE_API_VERSION } from "../vendor/wire/azure.js";
import { classRoutes, FAKE_API_KEY, type GatewayRoute } from "./gateway-routes.js";

/**
 * A LiteLLM proxy config (`litellm --config FILE`) whose deployments are a drill's
 * mock vendors. Key names follow LiteLLM's proxy docs (model_list, router_settings,
 * litellm_settings) and, for the per-provider api_base, its source: LiteLLM cannot
 * be installed here, so the file is checked for shape, not run.
 */

export type LiteLlmStrategy = "loadbalance" | "fallback";

export interface LiteLlmOptions {
  /**
   * loadbalance: every route of a class is a deployment of one model group named
   * after the class. fallback: the class's first route alone under the class name,
   * each further route its own group, chained in the drill's order by `fallbacks`.
   */
  strategy: LiteLlmStrategy;
  /** The drill as the user named it, and the ports, for the header's commands. */
  drillRef: string;
  /** The run's --speed: the drill's timeouts are scenario time, LiteLLM's wall time. */
  speed: number;
  portBase: number;
}

/** Retries per request at the proxy: as the official SDKs' default (2, so 3 tries). */
const NUM_RETRIES = 2;
/** LiteLLM's defaults, written out so that they can be seen and changed. */
const ALLOWED_FAILS = 3;
const COOLDOWN_S = 5;
const LITELLM_PORT = 4000;

interface Deployment {
  group: string;
  route: GatewayRoute;
}

export function liteLlmConfigYaml(
  scenario: Pick<ResolvedScenario, "name" | "router" | "vendors">,
  servers: readonly FleetServer[],
  options: LiteLlmOptions,
): string {
  const deployments: Deployment[] = [];
  const fallbacks: Record<string, string[]>[] = [];
  for (const [name, routes] of classRoutes(scenario, servers)) {
    routes.forEach((route, i) => {
      const group = options.strategy === "loadbalance" || i === 0 ? name : `${name}-fallback-${i}`;
      deployments.push({ group, route });
    });
    if (options.strategy === "fallback" && routes.length > 1) {
      fallbacks.push({ [name]: routes.slice(1).map((_, i) => `${name}-fallback-${i + 1}`) });
    }
  }
  const groups = [...new Set(deployments.map((d) => d.group))];
  const timeoutS =
    Math.max(...scenario.router.lanes.map((l) => l.timeoutMs)) / 1000 / options.speed;

  // LiteLLM reads its config with PyYAML, a YAML 1.1 parser: written as 1.1, a
  // string such as api_version 2024-10-21 is quoted instead of read back as a date.
  const doc = new Document(
    {
      model_list: deployments.map(({ group, route }) => ({
        model_name: group,
        litellm_params: liteLlmParams(route),
      })),
      router_settings: {
        routing_strategy: "simple-shuffle",
        num_retries: NUM_RETRIES,
        allowed_fails: ALLOWED_FAILS,
        cooldown_time: COOLDOWN_S,
        retry_after: 0,
        ...(fallbacks.length > 0 ? { fallbacks } : {}),
      },
      litellm_settings: {
        request_timeout: timeoutS,
        model_group_settings: { forward_client_headers_to_llm_api: groups },
      },
    },
    { version: "1.1" },
  );

  doc.commentBefore = header(
    scenario.name,
    options,
    Object.keys(scenario.router.classes)[0] ?? "chat",
  );
  const list = doc.get("model_list", true) as YAMLSeq<YAMLMap>;
  list.items.forEach((item, i) => {
    const { route } = deployments[i]!;
    item.commentBefore = ` ${route.vendor} (${route.format} mock): ${route.model}${FORMAT_NOTES[route.format]}`;
  });
  commentKeys(doc.get("router_settings", true) as YAMLMap, {
    routing_strategy:
      " LiteLLM's default: a random pick per request among a group's deployments, weighted by rpm/tpm.",
    num_retries:
      " Retries per request at the proxy, as the official SDKs do (3 tries); they stack on the client's own (P18).",
    allowed_fails: ` LiteLLM's default: ${ALLOWED_FAILS} failures of a deployment within a minute cool it down.`,
    cooldown_time: ` LiteLLM's default: a cooled-down deployment gets no requests for ${COOLDOWN_S} s.`,
    retry_after:
      " Least seconds before a retry; 0 (the default) leaves the wait to the 429's Retry-After and LiteLLM's backoff.",
    fallbacks:
      " The drill's order of preference: where a class goes once its first route has failed num_retries times or cools down.",
  });
  commentKeys(doc.get("litellm_settings", true) as YAMLMap, {
    request_timeout: ` Wall seconds per attempt: the drill's longest lane timeout at the run's --speed (${options.speed}), so the proxy never cuts a request the client still waits for.`,
    model_group_settings: ` Pass ${REQUEST_ID_HEADER} through, so each mock can tell which client request an attempt serves.`,
  });
  return doc.toString({ lineWidth: 0 });
}

/** Why a format's entry looks as it does, where that is not obvious. */
const FORMAT_NOTES: Record<WireFormatName, string> = {
  openai: "",
  azure: " (Azure's deployment path: api_base is the endpoint, without /openai)",
  anthropic: " (LiteLLM appends /v1/messages)",
  gemini: " (LiteLLM appends /models/{model}:generateContent; needs a recent LiteLLM)",
  bedrock:
    " (Converse API, SigV4-signed with fake keys the mock accepts; not tried against a live LiteLLM)",
};

function liteLlmParams(route: GatewayRoute): Record<string, string | number> {
  const origin = new URL(route.baseUrl).origin;
  const limits: Record<string, number> = route.limits
    ? { rpm: route.limits.rpm, tpm: route.limits.tpm }
    : {};
  switch (route.format) {
    case "openai":
      // openai/ with an api_base reaches any OpenAI-compatible server.
      return {
        model: `openai/${route.model}`,
        api_base: route.baseUrl,
        api_key: FAKE_API_KEY,
        ...limits,
      };
    case "azure":
      return {
        model: `azure/${route.model}`,
        api_base: origin,
        api_key: FAKE_API_KEY,
        api_version: AZURE_API_VERSION,
        ...limits,
      };
    case "anthropic":
      return {
        model: `anthropic/${route.model}`,
        api_base: origin,
        api_key: FAKE_API_KEY,
        ...limits,
      };
    case "gemini":
      return {
        model: `gemini/${route.model}`,
        api_base: `${origin}/v1beta`,
        api_key: FAKE_API_KEY,
        ...limits,
      };
    case "bedrock":
      return {
        model: `bedrock/converse/${route.model}`,
        api_base: origin,
        aws_access_key_id: "GWCHAOSMOCKKEYID",
        aws_secret_access_key: FAKE_API_KEY,
        aws_region_name: "us-east-1",
        ...limits,
      };
  }
}

function header(name: string, options: LiteLlmOptions, firstClass: string): string {
  return [
    ` LiteLLM proxy config for the gw-chaos drill "${name}": its mock vendors are the deployments.`,
    ` Written by: gw-chaos gateway-config litellm ${options.drillRef} --port-base ${options.portBase}`,
    "",
    " Run (gw-chaos run starts the mocks itself, on the ports this file names):",
    "   litellm --config <this file>",
    `   gw-chaos run ${options.drillRef} --gateway http://127.0.0.1:${LITELLM_PORT} --port-base ${options.portBase}`,
    "",
    ` Clients ask for a traffic class as the model (e.g. "model": "${firstClass}"),`,
    options.strategy === "loadbalance"
      ? " and the proxy spreads it over the class's deployments, retrying on another when one fails."
      : " and the proxy sends it to the class's first route, falling back along the drill's order.",
    " The api keys are fake: the mocks take any non-empty key. rpm/tpm are each model's limits in its vendor profile.",
  ].join("\n");
}

function commentKeys(map: YAMLMap, comments: Record<string, string>): void {
  for (const pair of map.items as Pair<Scalar, unknown>[]) {
    const comment = comments[String(pair.key.value)];
    if (comment) pair.key.commentBefore = comment;
  }
}
