import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "./free-port.js";

/**
 * A real redis-server for the tests, as a child process on a free loopback port:
 * no persistence, no service, nothing left behind. The store tests run against it
 * rather than a mock, and the outage tests kill, pause and restart it.
 */
export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** Stops it politely (SIGTERM), waiting until it has exited. */
  stop(): Promise<void>;
  /** Kills it outright (SIGKILL), as an outage would, waiting until it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers (a slow Redis). */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
}

/** Where redis-server is: on PATH, or Debian's /usr/bin; undefined when not installed. */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin"];
  for (const dir of dirs) {
    const path = join(dir, "redis-server");
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here; the next folder.
    }
  }
  return undefined;
}

/**
 * Why the Redis tests cannot run here, or undefined when they can. In CI they
 * always run: a missing redis-server fails them there (startRedisServer throws)
 * instead of skipping them.
 */
export function redisSkipReason(): string | undefined {
  if (process.env.CI || findRedisServer() !== undefined) return undefined;
  return "redis-server is not installed (apt-get install redis-server); CI installs it and never skips";
}

/** Starts a redis-server on a free loopback port and waits until it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined)
    throw new Error(
      "redis-server is not installed: .ci/run installs it (apt-get install redis-server)",
    );
  const port = await freePort();
  // Its working folder: redis-server writes nothing with these options, but a stray
  // dump must never land in the repository.
  const dir = mkdtempSync(join(tmpdir(), "gw-chaos-redis-"));
  let child: ChildProcess | undefined;
  let output = "";

  const launch = async (): Promise<void> => {
    output = "";
    const started = spawn(
      binary,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2000);
    };
    started.stdout?.on("data", keep);
    started.stderr?.on("data", keep);
    let exited = false;
    started.once("exit", () => {
      exited = true;
    });
    // Bounded: a server that does not answer within 10 s is broken, not slow.
    for (let i = 0; i < 200; i++) {
      if (exited) break;
      if (await answersPing(port)) return;
      await sleep(50);
    }
    started.kill("SIGKILL");
    throw new Error(
      `redis-server did not start on port ${port}: ${output.trim().split("\n").pop()}`,
    );
  };

  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill(signal);
    const late = setTimeout(() => running.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(late);
  };

  // A test worker that ends without its afterAll must not leave the server running.
  const onExit = () => child?.kill("SIGKILL");
  process.once("exit", onExit);

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child?.kill("SIGCONT");
      await exit("SIGTERM");
      process.removeListener("exit", onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => exit("SIGKILL"),
    restart: async () => {
      await exit("SIGKILL");
      await launch();
    },
    pause: () => {
      child?.kill("SIGSTOP");
    },
    resume: () => {
      child?.kill("SIGCONT");
    },
  };
}

/** Whether a Redis on the port answers PING with PONG (within a second). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let heard = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      heard += chunk.toString();
      if (heard.includes("\r\n")) done(heard.startsWith("+PONG"));
    });
    socket.once("error", () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
