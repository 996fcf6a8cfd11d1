import type { RealScheduler } from "../clock/real-scheduler.js";
import type { VendorAttempt } from "../findings/vendor-attempt.js";
import type { FaultSpec, VendorSpec } from "../vendor/types.js";
import { startFleetInProcess } from "./in-process-fleet.js";
import type { RunError } from "./run-error.js";
import { startFleetInWorker } from "./worker-fleet.js";

export interface FleetOptions {
  vendors: readonly VendorSpec[];
  faults: readonly FaultSpec[];
  seed: number;
  /**
   * The run's clock, which the mocks keep too (same zero, same speed). It is
   * restarted once every server listens, so the fleet's start-up is not
   * scenario time. When absent (gw-chaos mock), the fleet keeps its own clock at
   * `speed`, started with the fleet: its start-up counts, as nothing waits on it.
   */
  scheduler?: RealScheduler;
  speed?: number;
  host: string;
  /** Ports from here up, one per vendor; any free port when absent. */
  portBase?: number;
  scenarioDurationMs: number;
  /**
   * Called once every server listens, before the clock (re)starts: what the run
   * does to get ready (warming its path to the mocks) is not scenario time either.
   */
  beforeClock?: (servers: readonly FleetServer[]) => Promise<void>;
  /**
   * Serve on this thread's event loop instead of a worker thread. Live runs never
   * do (the mocks would compete with the harness for its loop); `gw-chaos mock`,
   * which has nothing else to do, does.
   */
  inProcess?: boolean;
}

/** Where one mock vendor listens. */
export interface FleetServer {
  vendor: string;
  format: string;
  /** What an official SDK takes as its base URL, e.g. http://127.0.0.1:PORT/v1. */
  baseUrl: string;
  origin: string;
}

export interface MockFleet {
  servers: readonly FleetServer[];
  /**
   * Settles with the error when the fleet dies while serving (its worker crashed
   * or stopped); never settles otherwise, so a run can race it against its end.
   */
  failed: Promise<RunError>;
  /**
   * A copy of every vendor's attempt log (issue 9): each attempt that reached a
   * mock, as it ended, server by server (each in the order its attempts ended),
   * and how many the logs dropped past their caps. Works while the fleet serves;
   * ask before close() (called then, it answers before the servers shut). Rejects
   * with a RunError once the fleet is closed or its worker is gone.
   */
  attempts(options?: { endOpen?: boolean }): Promise<FleetAttempts>;
  /** Stops every server, socket and thread of the fleet. */
  close(): Promise<void>;
}

export interface FleetAttempts {
  attempts: VendorAttempt[];
  /** Attempts not kept because a server's log was full. */
  dropped: number;
}

/**
 * The mock vendors, one node:http server per vendor, on a worker thread (or on
 * this thread with `inProcess`). Their clock keeps the scenario time of the
 * given scheduler: the same zero and speed.
 */
export function startMockFleet(options: FleetOptions): Promise<MockFleet> {
  return options.inProcess ? startFleetInProcess(options) : startFleetInWorker(options);
}
