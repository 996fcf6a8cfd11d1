import { parentPort, workerData } from "node:worker_threads";
import { RealScheduler } from "../clock/real-scheduler.js";
import { type AttemptColumns, columnBuffers } from "../mock/attempt-log.js";
import type { MockServer } from "../mock/mock-server.js";
import type {
  FleetWorkerCommand,
  FleetWorkerData,
  FleetWorkerMessage,
} from "./fleet-worker-protocol.js";
import { startServers } from "./in-process-fleet.js";
import { RunError } from "./run-error.js";

/**
 * The worker thread that hosts the mock vendors of a live run, off the harness's
 * event loop. Its clock is rebuilt from the run's: the same scenario time zero
 * (epoch ms) and speed, so fault windows, limiter windows and latencies line up
 * with what the harness measures.
 */
const port = parentPort;
if (!port) throw new Error("fleet-worker runs only as a worker thread");
const post = (message: FleetWorkerMessage) => port.postMessage(message);
const data = workerData as FleetWorkerData;
const scheduler = RealScheduler.fromMonotonic(data.speed, data.startMonotonicMs);

let servers: MockServer[] = [];
try {
  servers = await startServers(data.spec, scheduler);
  post({
    type: "ready",
    servers: servers.map(({ vendor, format, baseUrl, origin }) => ({
      vendor,
      format,
      baseUrl,
      origin,
    })),
  });
} catch (error) {
  scheduler.dispose();
  const e = error as Error & { code?: unknown };
  post({
    type: "failed",
    message: e?.message ?? String(error),
    code: error instanceof RunError ? error.code : "MOCK_WORKER_START",
    ...(error instanceof RunError && error.hint ? { hint: error.hint } : {}),
  });
  port.close();
}

/** A test's crash, this long after the servers serve (see FleetWorkerData). */
const crashLater = (afterMs = 0) =>
  servers.length > 0 && afterMs > 0
    ? setTimeout(() => {
        throw new Error("crash injected by a test");
      }, afterMs)
    : undefined;
let crash = crashLater(data.crashAfterMs);

port.on("message", async (command: FleetWorkerCommand) => {
  if (command.type === "clock") {
    scheduler.startFromMonotonic(command.startMonotonicMs);
    crash ??= crashLater(command.crashAfterMs);
    post({ type: "clock-set" });
    return;
  }
  if (command.type === "attempts") {
    if (command.endOpen) for (const s of servers) s.attempts.endOpen(scheduler.now());
    const logs: AttemptColumns[] = servers.map((s) => s.attempts.columns());
    // The columns are fresh copies: moved to the run's thread, not cloned again.
    port.postMessage(
      { type: "attempts", id: command.id, logs } satisfies FleetWorkerMessage,
      logs.flatMap(columnBuffers),
    );
    return;
  }
  clearTimeout(crash);
  await Promise.all(servers.map((s) => s.close()));
  scheduler.dispose();
  post({ type: "closed" });
  // Nothing is left to keep the thread alive: it ends on its own.
  port.close();
});
