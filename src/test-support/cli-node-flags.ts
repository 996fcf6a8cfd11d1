import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const LAUNCHER = fileURLToPath(new URL("../../bin/gw-chaos.js", import.meta.url));

/**
 * The node flags the CLI's launcher starts with (its `#!/usr/bin/env -S node …`
 * line), so a benchmark that runs the built code in a fresh process runs it as
 * `npx gw-chaos` would.
 */
export function cliNodeFlags(): string[] {
  const first = readFileSync(LAUNCHER, "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\/usr\/bin\/env(?:\s+-S)?\s+node\b(.*)$/.exec(first);
  if (!match) throw new Error(`${LAUNCHER}: first line is not a node shebang: ${first}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}
