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
  | { type: "closed" };

/** clock: scenario time zero moved (the run restarted its clock once the fleet served). */
export type FleetWorkerCommand = { type: "clock"; startMonotonicMs: number } | { type: "close" };
