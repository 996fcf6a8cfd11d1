/**
 * Everything the CLI takes from the outside world, in one object, so the whole
 * CLI runs in-process in tests: arguments, output streams, environment, working
 * directory, the wall clock and the interrupt signal.
 */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  /** Arguments after the program name. */
  argv: string[];
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Wall-clock milliseconds since the epoch (names report directories). */
  now(): number;
  /** Calls handler on Ctrl-C or SIGTERM; returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void;
}

export function nodeIo(): Io {
  return {
    argv: process.argv.slice(2),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    onInterrupt(handler) {
      // The first Ctrl-C stops the run gently; a second one means "now".
      let interrupts = 0;
      const listener = () => {
        interrupts++;
        if (interrupts > 1) {
          process.stderr.write("interrupted again: exiting without waiting\n");
          process.exit(130);
        }
        handler();
      };
      process.on("SIGINT", listener);
      process.on("SIGTERM", listener);
      return () => {
        process.off("SIGINT", listener);
        process.off("SIGTERM", listener);
      };
    },
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set. */
export function useColor(io: Io, stream: OutputStream = io.stdout): boolean {
  return Boolean(stream.isTTY) && io.env.NO_COLOR === undefined && io.env.TERM !== "dumb";
}
