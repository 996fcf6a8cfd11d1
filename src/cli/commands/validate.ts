import {
  loadProfile,
  loadScenario,
  locateScenarioOrThrow,
  validate,
} from "../../scenario/loader.js";
import { InputError } from "../../scenario/problems.js";
import { readDocument } from "../../scenario/read-document.js";
import { routerConfigSchema } from "../../scenario/router-schema.js";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";

type Kind = "scenario" | "profile" | "router";

/** A file's kind, from the keys only that kind has. */
function kindOf(data: unknown): Kind {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return "scenario";
  const d = data as Record<string, unknown>;
  if ("models" in d && !("traffic" in d)) return "profile";
  if ("classes" in d && !("traffic" in d)) return "router";
  return "scenario";
}

/** Checks each file fully (profiles it names included); prints every problem; exit 0 or 2. */
export function validateCommand(io: Io, refs: string[]): number {
  let failed = false;
  for (const ref of refs) {
    try {
      const path = locateScenarioOrThrow(ref, io.cwd);
      const source = readDocument(path, io.cwd);
      const kind = kindOf(source.data);
      if (kind === "scenario") loadScenario(path, { cwd: io.cwd });
      else if (kind === "profile") loadProfile(path, io.cwd);
      else validate(routerConfigSchema, source);
      io.stdout.write(`ok  ${source.displayName} (${kind})\n`);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failed = true;
      for (const line of error.problems) io.stderr.write(`error: ${line}\n`);
    }
  }
  return failed ? ExitCode.BadInput : ExitCode.Ok;
}
