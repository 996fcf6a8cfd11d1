import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * vitest's global setup, run once before the test files:
 * - The tests that run the CLI as a child process run the built code
 *   (bin/gw-chaos.js loads dist/), so a dist/ older than the sources would test
 *   yesterday's code: it is rebuilt first when any source is newer.
 * - Every temporary file of the run (report folders, fuzzed scenarios) goes under
 *   one folder, removed at the end: the test workers and the CLIs they start
 *   inherit TMPDIR, which os.tmpdir() reads.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtMs(): number {
  try {
    return statSync(join(root, "dist", "cli", "main.js")).mtimeMs;
  } catch {
    return 0;
  }
}

/** Set once the run's folder exists: each test project runs this setup again. */
const RUN_TMP = "GW_CHAOS_TEST_RUN_TMP";

export default function setup(): () => void {
  // One build and one folder for the whole run, however many projects ask.
  if (process.env[RUN_TMP]) return () => {};
  buildIfStale();
  const runTmp = mkdtempSync(join(tmpdir(), "gw-chaos-tests-"));
  process.env.TMPDIR = runTmp;
  process.env[RUN_TMP] = runTmp;
  return () => {
    rmSync(runTmp, { recursive: true, force: true });
    delete process.env[RUN_TMP];
  };
}

function buildIfStale(): void {
  if (builtMs() >= newestSourceMs(join(root, "src"))) return;
  process.stderr.write("dist/ is older than src/: building it first (npm run build)\n");
  try {
    execFileSync(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      { cwd: root, stdio: "inherit" },
    );
  } catch {
    // Type errors are the type-check's to report; what was emitted is still the newest code.
    process.stderr.write("warning: the build reported errors; the CLI tests run what it emitted\n");
  }
}
