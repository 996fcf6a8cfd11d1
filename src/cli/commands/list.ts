import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { builtInScenarioNames, SCENARIOS_DIR } from "../../scenario/registry.js";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";

/** One line per built-in scenario: name, duration, the first line of its description. */
export function listCommand(io: Io): number {
  const rows = builtInScenarioNames().map((name) => {
    const data = parse(readFileSync(`${SCENARIOS_DIR}/${name}.yaml`, "utf8")) as {
      duration?: unknown;
      description?: unknown;
    };
    const description =
      typeof data.description === "string" ? data.description.split("\n")[0]! : "";
    return [name, String(data.duration ?? ""), description] as const;
  });
  const nameWidth = Math.max(4, ...rows.map((r) => r[0].length));
  const durationWidth = Math.max(8, ...rows.map((r) => r[1].length));
  for (const [name, duration, description] of rows) {
    io.stdout.write(
      `${name.padEnd(nameWidth)}  ${duration.padEnd(durationWidth)}  ${description}\n`,
    );
  }
  return ExitCode.Ok;
}
