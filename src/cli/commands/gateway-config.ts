import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { liteLlmConfigYaml } from "../../gateway/litellm-config.js";
import { plannedMockServers } from "../../gateway/mock-urls.js";
import {
  portkeyConfigsForScenario,
  portkeyRequestTimeoutMs,
} from "../../gateway/portkey-config.js";
import { InputError } from "../../scenario/input-error.js";
import { loadScenario } from "../../scenario/loader.js";
import { parseOverride } from "../../scenario/overrides.js";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";

export const GATEWAY_CONFIG_KINDS = ["litellm", "portkey"] as const;
export type GatewayConfigKind = (typeof GATEWAY_CONFIG_KINDS)[number];

export interface GatewayConfigFlags {
  portBase: number;
  set: string[];
  out?: string;
  strategy?: "fallback" | "loadbalance";
  /** The speed the run will go at: a gateway's timeouts are wall time. */
  speed?: number;
}

/** The host the mocks listen on by default (`gw-chaos mock --host`). */
const MOCK_HOST = "127.0.0.1";

/**
 * `gw-chaos gateway-config <kind> <drill>`: a gateway's config file whose upstreams
 * are the drill's mock vendors at the ports `gw-chaos mock <drill> --port-base N`
 * gives them. Nothing is started: the URLs are worked out. Prints to stdout, or
 * writes --out.
 */
export function gatewayConfigCommand(
  io: Io,
  kind: string,
  drill: string,
  flags: GatewayConfigFlags,
): number {
  if (!isKind(kind)) {
    throw new InputError([
      `unknown gateway kind "${kind}": expected one of ${GATEWAY_CONFIG_KINDS.join(", ")}`,
    ]);
  }
  const scenario = loadScenario(drill, { cwd: io.cwd, overrides: flags.set.map(parseOverride) });
  const lastPort = flags.portBase + scenario.vendors.length - 1;
  if (lastPort > 65535) {
    throw new InputError([
      `--port-base ${flags.portBase}: the drill's ${scenario.vendors.length} vendors need ports up to ${lastPort}, past 65535`,
    ]);
  }
  const servers = plannedMockServers(scenario.vendors, MOCK_HOST, flags.portBase);
  // The drill's times are scenario time; the gateway keeps wall time (run --speed).
  const speed = flags.speed ?? scenario.speed;
  const text =
    kind === "portkey"
      ? `${JSON.stringify(
          portkeyConfigsForScenario(scenario, servers, {
            strategy: flags.strategy ?? "fallback",
            requestTimeoutMs: portkeyRequestTimeoutMs(scenario, speed),
          }),
          null,
          2,
        )}\n`
      : liteLlmConfigYaml(scenario, servers, {
          strategy: flags.strategy ?? "loadbalance",
          drillRef: drill,
          portBase: flags.portBase,
          speed,
        });
  if (flags.out === undefined) {
    io.stdout.write(text);
    return ExitCode.Ok;
  }
  const path = resolve(io.cwd, flags.out);
  try {
    writeFileSync(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError([`--out ${flags.out}: cannot write the file (${code})`]);
  }
  io.stderr.write(`wrote ${flags.out}\n`);
  return ExitCode.Ok;
}

function isKind(kind: string): kind is GatewayConfigKind {
  return (GATEWAY_CONFIG_KINDS as readonly string[]).includes(kind);
}
