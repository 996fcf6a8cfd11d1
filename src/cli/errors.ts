import { RunError } from "../run/run-error.js";
import { InputError } from "../scenario/input-error.js";
import { ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

/** The first line of a message: a user reads one line; --verbose shows the rest. */
const firstLine = (text: string) => text.split("\n", 1)[0]!.trimEnd();

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(io: Io, error: unknown, verbose: boolean): ExitCode {
  if (error instanceof InputError) {
    for (const line of error.problems) io.stderr.write(`error: ${line}\n`);
    return ExitCode.BadInput;
  }
  if (error instanceof RunError) {
    io.stderr.write(
      `error: ${firstLine(error.message)}${error.hint ? `\nhint: ${error.hint}` : ""}\n`,
    );
    if (verbose && error.stack) io.stderr.write(`${error.stack}\n`);
    return ExitCode.RunBroke;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: the run broke: ${firstLine(message) || String(error)}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write("hint: run again with --verbose for the stack trace\n");
  return ExitCode.RunBroke;
}

/**
 * An error that escapes every await (a throw in a timer or a socket's callback, a
 * rejection nobody handles) ends the process as any unexpected error does: one
 * line, exit 3, the stack only with --verbose; never node's own stack dump and exit 1.
 */
export function exitOnCrash(io: Io, verbose: boolean): void {
  const crash = (error: unknown) => {
    process.exit(reportError(io, error, verbose));
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}
