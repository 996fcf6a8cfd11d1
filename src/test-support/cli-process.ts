import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built CLI (bin/gw-chaos.js loads dist/: `npm run build` first). */
export const CLI = join(fileURLToPath(new URL("../..", import.meta.url)), "bin", "gw-chaos.js");

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr matches, rejects after timeoutMs or if the process ends first. */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The exit code (or signal name), rejecting if the process has not ended within timeoutMs. */
  exited(timeoutMs?: number): Promise<number | string>;
}

const running = new Set<ChildProcess>();

/** Kills what a failed test left running (by its own pid only). */
export function killLeftovers(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** Starts `node [nodeArgs] bin/gw-chaos.js args` with piped output. */
export function spawnCli(
  args: string[],
  options: { cwd?: string; nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): CliProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
  const end = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const text = (stream: "stdout" | "stderr") => (stream === "stdout" ? out : err);

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(stream, pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          const match = pattern.exec(text(stream));
          if (match) return resolve(match[0]);
          if (child.exitCode !== null || child.signalCode !== null)
            return reject(new Error(`exited before ${pattern}; stderr:\n${err}`));
          if (Date.now() - started > timeoutMs)
            return reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr:\n${err}`));
          setTimeout(poll, 20);
        };
        poll();
      });
    },
    exited(timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        end,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`still running after ${timeoutMs} ms; stderr:\n${err}`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },
  };
}
