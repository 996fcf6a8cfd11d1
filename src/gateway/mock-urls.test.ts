import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startMockFleet } from "../run/mock-fleet.js";
import { loadProfile, toVendorSpec } from "../scenario/loader.js";
import { builtInProfileNames, PROFILES_DIR } from "../scenario/registry.js";
import { freePort } from "../test-support/free-port.js";
import { mockOrigin, plannedMockServers } from "./mock-urls.js";

/** Every built-in profile: every wire format the mocks speak. */
const vendors = builtInProfileNames().map((name) =>
  toVendorSpec(name, loadProfile(join(PROFILES_DIR, `${name}.yaml`), process.cwd())),
);

async function startOnFreeBase() {
  for (let tries = 0; tries < 5; tries++) {
    const base = await freePort();
    if (base + vendors.length > 65535) continue;
    try {
      const fleet = await startMockFleet({
        vendors,
        faults: [],
        seed: 1,
        host: "127.0.0.1",
        portBase: base,
        scenarioDurationMs: 0,
        inProcess: true,
      });
      return { base, fleet };
    } catch {
      // A port after the free one was taken: try another base.
    }
  }
  throw new Error("no free run of ports on 127.0.0.1");
}

describe("plannedMockServers", () => {
  it("names the URLs that gw-chaos mock --port-base gives each vendor, for every wire format", async () => {
    const { base, fleet } = await startOnFreeBase();
    try {
      expect(new Set(vendors.map((v) => v.format))).toEqual(
        new Set(["openai", "azure", "anthropic", "gemini", "bedrock"]),
      );
      expect(plannedMockServers(vendors, "127.0.0.1", base)).toEqual(
        fleet.servers.map(({ vendor, format, baseUrl, origin }) => ({
          vendor,
          format,
          baseUrl,
          origin,
        })),
      );
    } finally {
      await fleet.close();
    }
  });

  it("puts an IPv6 host in brackets", () => {
    expect(mockOrigin("::1", 4100)).toBe("http://[::1]:4100");
    expect(mockOrigin("127.0.0.1", 4100)).toBe("http://127.0.0.1:4100");
  });
});
