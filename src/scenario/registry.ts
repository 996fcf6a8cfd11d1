import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: two levels above this module, in src/ and in dist/ alike. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SCENARIOS_DIR = join(PACKAGE_ROOT, "scenarios");
export const PROFILES_DIR = join(PACKAGE_ROOT, "mocks");

const FILE_EXTENSIONS = [".yaml", ".yml", ".json"];

function namesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => FILE_EXTENSIONS.some((ext) => f.endsWith(ext)))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ""))
    .sort();
}

export function builtInScenarioNames(): string[] {
  return namesIn(SCENARIOS_DIR);
}

export function builtInProfileNames(): string[] {
  return namesIn(PROFILES_DIR);
}

function findIn(dir: string, name: string): string | undefined {
  for (const ext of FILE_EXTENSIONS) {
    const path = join(dir, `${name}${ext}`);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function looksLikePath(ref: string): boolean {
  return ref.includes("/") || ref.includes("\\") || /\.(ya?ml|json)$/.test(ref);
}

/** A scenario argument is a path when it names a file, else a built-in name. */
export function locateScenario(ref: string, cwd: string): string | undefined {
  const asPath = resolve(cwd, ref);
  if (looksLikePath(ref) && existsSync(asPath)) return asPath;
  if (!looksLikePath(ref)) return findIn(SCENARIOS_DIR, ref);
  return undefined;
}

/** A profile reference is a path (relative to the scenario file) or a name in mocks/. */
export function locateProfile(ref: string, scenarioDir: string): string | undefined {
  if (looksLikePath(ref)) {
    const asPath = resolve(scenarioDir, ref);
    return existsSync(asPath) ? asPath : undefined;
  }
  return findIn(PROFILES_DIR, ref);
}
