import { monotonicNowMs } from "../clock/real-scheduler.js";
import { mergeAttempts } from "../mock/attempt-log.js";
import type {
  FleetWorkerCommand,
  FleetWorkerData,
  FleetWorkerMessage,
} from "./fleet-worker-protocol.js";
import { attemptsAfterClose } from "./in-process-fleet.js";
import type { FleetAttempts, FleetOptions, FleetServer, MockFleet } from "./mock-fleet.js";
import { moduleExtension, startModuleWorker } from "./module-worker.js";
import { RunError } from "./run-error.js";

/** How long close() lets the worker shut its servers before it is terminated. */
const CLOSE_GRACE_MS = 2000;

/**
 * The fleet on one worker thread, so the mock vendors' HTTP parsing, pacing and
 * writing do not run on the harness's event loop (where they would show up as
 * the harness's own delay). One worker hosts every vendor: on a 2-core machine
 * the harness and the mocks each get a core. Measured (live bench, one roomy
 * vendor, 2,000 to 9,000 req/s planned): the mocks' worker stayed 40-70% idle
 * while the harness's thread was the busier; a worker per vendor would only
 * take the second core's time from the harness.
 *
 * Every way the worker can break becomes a RunError (exit 3) with one line:
 * a port that cannot be had, a worker that fails to start, crashes or stops.
 */
/**
 * For tests only, set in-process (nothing outside the process can reach it): the
 * next workers throw this many ms after they serve, as a bug in the mocks would.
 */
export const fleetTestHooks: { crashAfterMs?: number } = {};

export function startFleetInWorker(options: FleetOptions): Promise<MockFleet> {
  const { scheduler, speed, inProcess: _, beforeClock: __, ...spec } = options;
  const data: FleetWorkerData = {
    spec,
    speed: scheduler?.speed ?? speed ?? 1,
    startMonotonicMs: scheduler?.startMonotonicMs ?? monotonicNowMs(),
  };
  // A test's crash: counted from when the servers serve, which with a run's clock
  // is when the clock is set (after the run's warm-up), without one at ready.
  const crashAfterMs = fleetTestHooks.crashAfterMs;
  if (crashAfterMs !== undefined && !scheduler) data.crashAfterMs = crashAfterMs;
  const entry = new URL(`./fleet-worker.${moduleExtension(import.meta.url)}`, import.meta.url);
  const worker = startModuleWorker(entry, { workerData: data, name: "gw-chaos mocks" });

  let state: "starting" | "serving" | "closing" | "exited" = "starting";
  let reportFailure!: (error: RunError) => void;
  const failed = new Promise<RunError>((resolve) => {
    reportFailure = resolve;
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const closed = new Promise<void>((resolve) =>
    worker.on("message", (m: FleetWorkerMessage) => m.type === "closed" && resolve()),
  );

  // attempts(): one command per call, answered under its id over the same port.
  let nextAsk = 1;
  const asked = new Map<
    number,
    { resolve: (a: FleetAttempts) => void; reject: (e: RunError) => void }
  >();
  worker.on("message", (m: FleetWorkerMessage) => {
    if (m.type !== "attempts") return;
    asked.get(m.id)?.resolve(mergeAttempts(m.logs));
    asked.delete(m.id);
  });
  worker.once("exit", () => {
    for (const { reject } of asked.values()) {
      reject(
        new RunError(
          "the mock vendors' worker stopped before it sent its attempt logs",
          "MOCK_ATTEMPTS",
        ),
      );
    }
    asked.clear();
  });
  const attempts = (options?: { endOpen?: boolean }) => {
    // Asked once close() began, the worker might be gone before it answers.
    if (state !== "serving") return Promise.reject(attemptsAfterClose());
    return new Promise<FleetAttempts>((resolve, reject) => {
      const id = nextAsk++;
      asked.set(id, { resolve, reject });
      const endOpen = options?.endOpen === true;
      worker.postMessage({ type: "attempts", id, endOpen } satisfies FleetWorkerCommand);
    });
  };

  // A second close() waits for the first, rather than cutting its grace short.
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= closeOnce();
    return closing;
  };
  const closeOnce = async () => {
    if (state === "serving") {
      state = "closing";
      worker.postMessage({ type: "close" } satisfies FleetWorkerCommand);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        exited,
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    // Ends the thread (and any socket it still holds) whether or not it closed cleanly.
    await worker.terminate();
    await exited;
  };

  return new Promise<MockFleet>((resolve, reject) => {
    const fail = (message: string, code: string, hint?: string) => {
      const error = new RunError(message, code, hint);
      if (state === "starting") {
        state = "closing";
        // Rejected once the thread is gone, so nothing of it outlives the failed start.
        void worker.terminate().then(() => reject(error));
      } else if (state === "serving") {
        state = "closing";
        void worker.terminate();
        reportFailure(error);
      }
    };
    const serve = (servers: FleetServer[]) => {
      state = "serving";
      resolve({ servers, failed, attempts, close });
    };
    let ready: FleetServer[] | undefined;
    worker.on("message", (m: FleetWorkerMessage) => {
      if (m.type === "failed") fail(m.message, m.code, m.hint);
      if (state !== "starting") return;
      if (m.type === "ready" && !scheduler) serve(m.servers);
      else if (m.type === "ready" && scheduler) {
        ready = m.servers;
        const servers = m.servers;
        void Promise.resolve(options.beforeClock?.(servers)).then(
          () => {
            if (state !== "starting") return;
            // Scenario time starts now that every server listens, on both threads.
            scheduler.restart();
            const command: FleetWorkerCommand = {
              type: "clock",
              startMonotonicMs: scheduler.startMonotonicMs,
              ...(crashAfterMs !== undefined ? { crashAfterMs } : {}),
            };
            worker.postMessage(command);
          },
          (error: unknown) =>
            fail(
              `could not get ready for the run: ${error instanceof Error ? error.message : String(error)}`,
              "WARM_UP",
            ),
        );
      } else if (m.type === "clock-set" && ready) serve(ready);
    });
    worker.on("error", (error: Error) => {
      const what = state === "starting" ? "failed to start" : "crashed";
      fail(`the mock vendors' worker ${what}: ${error?.message ?? String(error)}`, "MOCK_WORKER");
    });
    worker.on("exit", (code) => {
      if (state === "starting" || state === "serving") {
        const what = state === "starting" ? "exited before it served" : "stopped unexpectedly";
        fail(`the mock vendors' worker ${what} (exit code ${code})`, "MOCK_WORKER");
      }
      state = "exited";
    });
  });
}
