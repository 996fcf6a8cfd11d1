import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../test-support/free-port.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

async function run(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-gateway-flags-"));
  const io = testIo(["run", "lunch-rush", "--quiet", "--out", join(dir, "out"), ...args], {
    cwd: dir,
  });
  const code = await main(io);
  return { code, err: io.err(), dir };
}

describe("run --gateway: what is wrong is said in one line, before anything starts", () => {
  it("a gateway that takes no connections exits 3, naming its URL", async () => {
    const port = await freePort();
    const { code, err } = await run(["--gateway", `http://127.0.0.1:${port}`]);
    expect(code).toBe(3);
    expect(err.split("\n")[0]).toBe(
      `error: cannot reach the gateway at http://127.0.0.1:${port}/: connection refused`,
    );
    expect(err).not.toMatch(/live on loopback|\n\s+at /);
  });

  it.each([
    [["--gateway", "not a url"], /--gateway not a url: expected a URL/],
    [["--gateway", "ftp://127.0.0.1:21"], /expected an http:\/\/ or https:\/\/ URL/],
    [["--gateway", "http://127.0.0.1:9", "--mode", "sim"], /runs in live mode/],
    [["--gateway-config", "x.json"], /--gateway-config: give it with --gateway/],
    [["--gateway", "http://127.0.0.1:9", "--router", "naive"], /does its own routing/],
    [
      ["--gateway", "http://127.0.0.1:9", "--gateway-config", "x.json"],
      /only for --gateway-kind portkey/,
    ],
  ])("%j exits 2", async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it("a Portkey config file must be JSON and name every traffic class of the drill", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-chaos-gateway-config-"));
    writeFileSync(join(dir, "broken.json"), "{ not json");
    writeFileSync(join(dir, "partial.json"), JSON.stringify({ other: {} }));
    const flags = (file: string) => [
      "--gateway",
      "http://127.0.0.1:9",
      "--gateway-kind",
      "portkey",
      "--gateway-config",
      join(dir, file),
    ];
    const broken = await run(flags("broken.json"));
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/broken\.json: cannot read it as JSON/);
    const partial = await run(flags("partial.json"));
    expect(partial.code).toBe(2);
    expect(partial.err).toMatch(/no Portkey config for traffic class "chat"/);
  });
});
