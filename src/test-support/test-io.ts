import type { Io } from "../cli/io.js";

export interface TestIo extends Io {
  out: () => string;
  err: () => string;
  /** Fires the interrupt handlers, as Ctrl-C would. */
  interrupt: () => void;
}

/** An in-memory Io: the CLI runs in-process and its output is read back. */
export function testIo(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string>; tty?: boolean } = {},
): TestIo {
  let out = "";
  let err = "";
  const handlers = new Set<() => void>();
  return {
    argv,
    stdout: { write: (s: string) => (out += s), isTTY: options.tty ?? false },
    stderr: { write: (s: string) => (err += s), isTTY: options.tty ?? false },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => Date.UTC(2026, 10, 24, 12, 0, 0),
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    out: () => out,
    err: () => err,
    interrupt: () => {
      for (const h of handlers) h();
    },
  };
}
