import type { Scheduler } from "../clock/clock.js";
import { RealScheduler } from "../clock/real-scheduler.js";
import { type MockServer, startMockServer } from "../mock/mock-server.js";
import { createRng, deriveSeed } from "../random/rng.js";
import { VendorModel } from "../vendor/vendor-model.js";
import type { FleetOptions, MockFleet } from "./mock-fleet.js";
import { RunError } from "./run-error.js";

/** What starting the servers needs besides the clock (the worker gets it as data). */
export type FleetSpec = Omit<FleetOptions, "scheduler" | "speed" | "inProcess">;

/**
 * One server per vendor on this thread, each with its own seeded vendor model. A
 * port that cannot be had closes what started and throws a RunError naming it.
 */
export async function startServers(spec: FleetSpec, scheduler: Scheduler): Promise<MockServer[]> {
  const servers: MockServer[] = [];
  try {
    for (const [i, vendor] of spec.vendors.entries()) {
      const model = new VendorModel(
        vendor,
        spec.faults,
        createRng(deriveSeed(spec.seed, `vendor.${vendor.name}`)),
      );
      servers.push(
        await startMockServer({
          model,
          scheduler,
          host: spec.host,
          ...(spec.portBase !== undefined ? { port: spec.portBase + i } : {}),
          scenarioDurationMs: spec.scenarioDurationMs,
        }),
      );
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      // node's message names the address: "listen EADDRINUSE: address already in use 127.0.0.1:4000"
      throw new RunError(
        `cannot start a mock vendor on ${spec.host}: ${(error as Error).message}`,
        code,
        spec.portBase !== undefined
          ? "choose another --port-base, or leave it out for free ports"
          : undefined,
        { cause: error },
      );
    }
    throw error;
  }
  return servers;
}

/** The fleet on this thread's event loop, sharing the given scheduler. */
export async function startFleetInProcess(options: FleetOptions): Promise<MockFleet> {
  const ownScheduler = options.scheduler === undefined;
  const scheduler = options.scheduler ?? new RealScheduler(options.speed ?? 1);
  let servers: MockServer[];
  try {
    servers = await startServers(options, scheduler);
  } catch (error) {
    if (ownScheduler) scheduler.dispose();
    throw error;
  }
  scheduler.restart();
  return {
    servers: servers.map(({ vendor, format, baseUrl, origin }) => ({
      vendor,
      format,
      baseUrl,
      origin,
    })),
    failed: new Promise<never>(() => {}),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      if (ownScheduler) scheduler.dispose();
    },
  };
}
