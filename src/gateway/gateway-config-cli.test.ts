import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";
import type { PortkeyConfig } from "./portkey-config.js";

async function cli(argv: string[]) {
  const io = testIo(argv);
  const code = await main(io);
  return { code, out: io.out(), err: io.err() };
}

const NO_STACK = /\n\s+at [^\n]+\(/;
const dir = mkdtempSync(join(tmpdir(), "gw-chaos-gateway-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gw-chaos gateway-config", () => {
  it("prints a LiteLLM config for a drill, its mocks at --port-base 4100 by default", async () => {
    const { code, out } = await cli(["gateway-config", "litellm", "lunch-rush"]);
    expect(code).toBe(0);
    const file = parse(out, { version: "1.1" }) as {
      model_list: { litellm_params: { api_base: string } }[];
    };
    expect(file.model_list.map((d) => d.litellm_params.api_base)).toEqual([
      "http://127.0.0.1:4100/v1",
      "http://127.0.0.1:4101/v1",
      "http://127.0.0.1:4102/v1",
    ]);
  });

  it("prints Portkey configs keyed by class, at the ports asked for", async () => {
    const { code, out } = await cli([
      "gateway-config",
      "portkey",
      "lunch-rush",
      "--port-base",
      "5200",
    ]);
    expect(code).toBe(0);
    const configs = JSON.parse(out) as Record<string, PortkeyConfig>;
    expect(Object.keys(configs)).toEqual(["chat"]);
    expect(configs.chat!.strategy.mode).toBe("fallback");
    expect(configs.chat!.targets.map((t) => t.custom_host)).toEqual([
      "http://127.0.0.1:5200/v1",
      "http://127.0.0.1:5201/v1",
      "http://127.0.0.1:5202/v1",
    ]);
  });

  it("writes --out instead of printing, with --strategy loadbalance", async () => {
    const file = join(dir, "portkey.json");
    const { code, out, err } = await cli([
      "gateway-config",
      "portkey",
      "lunch-rush",
      "--strategy",
      "loadbalance",
      "--out",
      file,
    ]);
    expect(code).toBe(0);
    expect(out).toBe("");
    expect(err).toContain("wrote");
    const configs = JSON.parse(readFileSync(file, "utf8")) as Record<string, PortkeyConfig>;
    expect(configs.chat!.strategy.mode).toBe("loadbalance");
  });

  it("exits 2 on an unknown kind, listing the kinds", async () => {
    const { code, out, err } = await cli(["gateway-config", "nginx", "lunch-rush"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/unknown gateway kind "nginx".*litellm, portkey/);
    expect(err).not.toMatch(NO_STACK);
  });

  it("exits 2 naming the route when a Portkey drill has a Bedrock mock", async () => {
    const { code, err } = await cli([
      "gateway-config",
      "portkey",
      "src/gateway/fixtures/every-format.yaml",
    ]);
    expect(code).toBe(2);
    expect(err).toContain("vendor-e/anthropic.claude-sonnet-4-5-v1:0");
    expect(err.trim().split("\n")).toHaveLength(1);
  });

  it("exits 2 when the drill's ports would pass 65535", async () => {
    const { code, err } = await cli([
      "gateway-config",
      "litellm",
      "lunch-rush",
      "--port-base",
      "65534",
    ]);
    expect(code).toBe(2);
    expect(err).toContain("past 65535");
  });
});
