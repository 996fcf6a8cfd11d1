import type { Scheduler } from "../clock/clock.js";
import { RealScheduler } from "../clock/real-scheduler.js";
import { mergeAttempts } from "../mock/attempt-log.js";
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
  let starting = "";
  try {
    for (const [i, vendor] of spec.vendors.entries()) {
      starting = vendor.name;
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
    throw listenError(error, spec, starting);
  }
  return servers;
}

/** Why a server could not listen, as one line naming the vendor and host:port. */
const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: "the port is in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "not an address of this machine",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "no such host",
};

function listenError(error: unknown, spec: FleetSpec, vendor: string): unknown {
  const { code, port } = error as NodeJS.ErrnoException & { port?: number };
  const problem = code ? LISTEN_PROBLEMS[code] : undefined;
  if (!code || !problem) return error;
  const host = spec.host.includes(":") ? `[${spec.host}]` : spec.host;
  const where = port ? `${host}:${port}` : host;
  return new RunError(
    `cannot start mock vendor ${vendor} on ${where}: ${problem} (${code})`,
    code,
    code === "EADDRINUSE" || code === "EACCES"
      ? spec.portBase !== undefined
        ? "choose another --port-base, or leave it out for free ports"
        : undefined
      : "check --host: it takes an address of this machine, e.g. 127.0.0.1 or ::1",
    { cause: error },
  );
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
  const listed = servers.map(({ vendor, format, baseUrl, origin }) => ({
    vendor,
    format,
    baseUrl,
    origin,
  }));
  await options.beforeClock?.(listed);
  scheduler.restart();
  let closed = false;
  return {
    servers: listed,
    failed: new Promise<never>(() => {}),
    // Refused after close() as the worker fleet's is, so a run behaves the same on either.
    attempts: async (options) => {
      if (closed) throw attemptsAfterClose();
      if (options?.endOpen) for (const s of servers) s.attempts.endOpen(scheduler.now());
      return mergeAttempts(servers.map((s) => s.attempts.columns()));
    },
    close: async () => {
      closed = true;
      await Promise.all(servers.map((s) => s.close()));
      if (ownScheduler) scheduler.dispose();
    },
  };
}

/** attempts() once the fleet closed (or, on a worker, began closing or stopped). */
export function attemptsAfterClose(): RunError {
  return new RunError(
    "the mock vendors' attempt logs were asked for after the fleet closed or stopped",
    "MOCK_ATTEMPTS",
    "call attempts() before close()",
  );
}
