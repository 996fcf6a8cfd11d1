import { join } from "node:path";
import { startMockFleet } from "../../run/mock-fleet.js";
import {
  loadProfile,
  loadScenario,
  type ResolvedScenario,
  toVendorSpec,
} from "../../scenario/loader.js";
import { parseOverride } from "../../scenario/overrides.js";
import { builtInProfileNames, PROFILES_DIR } from "../../scenario/registry.js";
import type { VendorSpec } from "../../vendor/types.js";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";

export interface MockFlags {
  portBase?: number;
  host: string;
  json?: boolean;
  set: string[];
  faults: boolean;
  speed?: number;
  seed?: number;
}

/**
 * `gw-chaos mock [scenario]`: the scenario's vendors (every built-in profile when
 * none is named) on loopback, its fault timeline running from the start, until
 * Ctrl-C. Prints one line per vendor, or one JSON line with --json.
 */
export async function mockCommand(
  io: Io,
  ref: string | undefined,
  flags: MockFlags,
): Promise<number> {
  let vendors: VendorSpec[];
  let scenario: ResolvedScenario | undefined;
  if (ref !== undefined) {
    scenario = loadScenario(ref, { cwd: io.cwd, overrides: flags.set.map(parseOverride) });
    vendors = scenario.vendors;
  } else {
    vendors = builtInProfileNames().map((name) =>
      toVendorSpec(name, loadProfile(join(PROFILES_DIR, `${name}.yaml`), io.cwd)),
    );
  }
  const fleet = await startMockFleet({
    vendors,
    faults: flags.faults && scenario ? scenario.faults : [],
    seed: flags.seed ?? scenario?.seed ?? 1,
    speed: flags.speed ?? 1,
    host: flags.host,
    ...(flags.portBase !== undefined ? { portBase: flags.portBase } : {}),
    scenarioDurationMs: scenario?.durationMs ?? 0,
    // Nothing else runs here: the servers can have this thread's loop.
    inProcess: true,
  });
  const described = fleet.servers.map((s, i) => ({
    name: s.vendor,
    format: s.format,
    baseUrl: s.baseUrl,
    models: vendors[i]!.models.map((m) => m.name),
  }));
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ vendors: described })}\n`);
  } else {
    const width = Math.max(...described.map((d) => d.name.length));
    const formatWidth = Math.max(...described.map((d) => d.format.length));
    for (const d of described) {
      io.stdout.write(`${d.name.padEnd(width)}  ${d.format.padEnd(formatWidth)}  ${d.baseUrl}\n`);
    }
    io.stderr.write("serving until Ctrl-C; control API: GET /_gw/state, POST/DELETE /_gw/faults\n");
  }
  await new Promise<void>((resolve) => {
    const stop = io.onInterrupt(() => {
      stop();
      resolve();
    });
  });
  await fleet.close();
  return ExitCode.Ok;
}
