import { RealScheduler } from "../clock/real-scheduler.js";
import { type MockServer, startMockServer } from "../mock/mock-server.js";
import { createRng, deriveSeed } from "../random/rng.js";
import type { FaultSpec, VendorSpec } from "../vendor/types.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { RunError } from "./run-error.js";

export interface FleetOptions {
  vendors: readonly VendorSpec[];
  faults: readonly FaultSpec[];
  seed: number;
  /** The run's clock (live runs share theirs); a new one at this speed otherwise. */
  scheduler?: RealScheduler;
  speed?: number;
  host: string;
  /** Ports from here up, one per vendor; any free port when absent. */
  portBase?: number;
  scenarioDurationMs: number;
}

export interface MockFleet {
  servers: readonly MockServer[];
  close(): Promise<void>;
}

/** The mock vendors alone, for a gateway the user runs (`gw-chaos mock`). */
export async function startMockFleet(options: FleetOptions): Promise<MockFleet> {
  const ownScheduler = options.scheduler === undefined;
  const scheduler = options.scheduler ?? new RealScheduler(options.speed ?? 1);
  const servers: MockServer[] = [];
  const close = async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (ownScheduler) scheduler.dispose();
  };
  try {
    for (const [i, vendor] of options.vendors.entries()) {
      const model = new VendorModel(
        vendor,
        options.faults,
        createRng(deriveSeed(options.seed, `vendor.${vendor.name}`)),
      );
      servers.push(
        await startMockServer({
          model,
          scheduler,
          host: options.host,
          ...(options.portBase !== undefined ? { port: options.portBase + i } : {}),
          scenarioDurationMs: options.scenarioDurationMs,
        }),
      );
    }
  } catch (error) {
    await close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new RunError(
        `cannot start a mock vendor on ${options.host}: ${(error as Error).message}`,
        code,
        options.portBase !== undefined
          ? "choose another --port-base, or leave it out for free ports"
          : undefined,
        { cause: error },
      );
    }
    throw error;
  }
  return { servers, close };
}
