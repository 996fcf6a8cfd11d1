import { RunError } from "../run/run-error.js";
import { InputError } from "../scenario/input-error.js";
import { ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(io: Io, error: unknown, verbose: boolean): ExitCode {
  if (error instanceof InputError) {
    for (const line of error.problems) io.stderr.write(`error: ${line}\n`);
    return ExitCode.BadInput;
  }
  if (error instanceof RunError) {
    io.stderr.write(`error: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ""}\n`);
    if (verbose && error.stack) io.stderr.write(`${error.stack}\n`);
    return ExitCode.RunBroke;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: the run broke: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write("hint: run again with --verbose for the stack trace\n");
  return ExitCode.RunBroke;
}
