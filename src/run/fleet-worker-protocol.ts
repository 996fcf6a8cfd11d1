import type { AttemptColumns } from "../mock/attempt-log.js";
import type { FleetSpec } from "./in-process-fleet.js";
import type { FleetServer } from "./mock-fleet.js";

/** What the run tells the fleet's worker thread, and what it answers (fleet-worker.ts). */
export interface FleetWorkerData {
  spec: FleetSpec;
  speed: number;
  /** Scenario time zero on the process's monotonic clock (each thread's performance.now() has its own origin). */
  startMonotonicMs: number;
  /** Tests only (worker-fleet's fleetTestHooks): throw this many ms after serving. */
  crashAfterMs?: number;
}

export type FleetWorkerMessage =
  | { type: "ready"; servers: FleetServer[] }
  | { type: "failed"; message: string; code: string; hint?: string }
  | { type: "clock-set" }
  /** The answer to an `attempts` command with the same id: each server's log, as columns. */
  | { type: "attempts"; id: number; logs: AttemptColumns[] }
  | { type: "closed" };

/**
 * clock: scenario time zero moved (the run restarted its clock once the fleet served).
 * attempts: send a copy of every server's attempt log, answered under the same id.
 */
export type FleetWorkerCommand =
  /** crashAfterMs: as FleetWorkerData's, for a fleet that serves once its clock is set. */
  | { type: "clock"; startMonotonicMs: number; crashAfterMs?: number }
  | { type: "attempts"; id: number; endOpen?: boolean }
  | { type: "close" };
