import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";

/** The open-source Portkey gateway, a dev dependency (its one built file). */
const START_SERVER = join(
  fileURLToPath(new URL("../..", import.meta.url)),
  "node_modules",
  "@portkey-ai",
  "gateway",
  "build",
  "start-server.js",
);

export interface RunningGateway {
  url: string;
  /** What the gateway printed, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real Portkey gateway on a free port and waits until it answers
 * `GET /` (its banner is printed after a spinner, later than it listens). It has
 * no host flag and listens on every interface; the tests only reach it on
 * 127.0.0.1. stop() kills it (it has no signal handlers of its own).
 */
export async function startPortkey(timeoutMs = 20_000): Promise<RunningGateway> {
  // (The gateway takes only --port=N, not port 0.)
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [START_SERVER, `--port=${port}`, "--headless"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (output += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (output += s));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey exited at start:\n${output}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.text();
      if (response.ok) return { url, output: () => output, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`Portkey did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
