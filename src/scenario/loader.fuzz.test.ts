import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { hostileValue, mutated } from "../test-support/json-mutations.js";
import { main } from "../cli/main.js";
import { testIo } from "../test-support/test-io.js";
import { loadProfile, loadScenario } from "./loader.js";
import { parseOverride } from "./overrides.js";
import { InputError } from "./problems.js";
import { PACKAGE_ROOT } from "./registry.js";

/**
 * Hostile input for the loaders: random documents and mutations of the real
 * built-in files. Whatever the file holds, loading it succeeds or throws an
 * InputError whose every line names a file; never another exception. Each
 * property is time-boxed so the suite stays fast.
 */
// GW_FUZZ_MS=60000 fuzzes longer, locally.
const TIME_LIMIT_MS = Number(process.env.GW_FUZZ_MS) || 800;
const dir = mkdtempSync(join(tmpdir(), "gw-chaos-fuzz-"));

function builtIns(folder: string): { name: string; data: unknown }[] {
  const root = join(PACKAGE_ROOT, folder);
  return readdirSync(root)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => ({ name: f, data: parse(readFileSync(join(root, f), "utf8")) }));
}
const SCENARIOS = builtIns("scenarios");
const PROFILES = builtIns("mocks");

/** Text for a file: YAML (which can say .nan and .inf), JSON, or plain garbage. */
function asText(doc: unknown, how: number): string {
  if (how === 0) return JSON.stringify(doc) ?? "null";
  return stringify(doc, { aliasDuplicateObjects: false });
}

let fileCount = 0;
function writeCase(text: string, ext = "yaml"): string {
  const file = join(dir, `case-${fileCount++}.${ext}`);
  writeFileSync(file, text);
  return file;
}

/** Loading either succeeds or throws an InputError naming the file, one line per problem. */
function expectSuccessOrInputError(load: () => unknown, ...fileNames: string[]): void {
  try {
    load();
  } catch (error) {
    if (!(error instanceof InputError)) {
      throw new Error(`not an InputError: ${(error as Error)?.stack ?? String(error)}`);
    }
    expect(error.problems.length).toBeGreaterThan(0);
    if (!fileNames.some((name) => error.message.includes(name)))
      throw new Error(`names none of ${fileNames.join(", ")}: ${error.message}`);
    for (const line of error.problems) {
      expect(line).not.toContain("\n");
      expect(line).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  }
}

const fuzz = {
  numRuns: process.env.GW_FUZZ_MS ? 1e9 : 2000,
  interruptAfterTimeLimit: TIME_LIMIT_MS,
};

describe("the loaders under hostile input", () => {
  it("mutated built-in scenarios load or give an InputError naming the file", () => {
    fc.assert(
      fc.property(mutated(SCENARIOS), fc.nat(3), (doc, how) => {
        const file = writeCase(asText(doc, how));
        const name = file.slice(dir.length + 1);
        expectSuccessOrInputError(() => loadScenario(file, { cwd: dir }), name);
      }),
      fuzz,
    );
  });

  it("mutated built-in profiles, loaded alone and through a scenario", () => {
    const scenario = SCENARIOS.find((s) => s.name === "lunch-rush.yaml")!.data as Record<
      string,
      unknown
    >;
    fc.assert(
      fc.property(mutated(PROFILES), fc.nat(3), (doc, how) => {
        const profile = writeCase(asText(doc, how));
        const profileName = profile.slice(dir.length + 1);
        expectSuccessOrInputError(() => loadProfile(profile, dir), profileName);
        const withProfile = {
          ...scenario,
          vendors: { "vendor-a": { profile: `./${profileName}` } },
        };
        const file = writeCase(stringify(withProfile));
        // The problem may be the profile's or the scenario's (its routes name vendor-b).
        expectSuccessOrInputError(() => loadScenario(file, { cwd: dir }), "case-");
      }),
      fuzz,
    );
  });

  it("mutated router configs given as --router", () => {
    const routers = SCENARIOS.map((s) => ({ data: (s.data as { router: unknown }).router }));
    fc.assert(
      fc.property(mutated(routers), fc.nat(3), fc.nat(SCENARIOS.length - 1), (doc, how, s) => {
        const router = writeCase(asText(doc, how));
        const scenario = SCENARIOS[s]!.name;
        // Problems inside the router file name it; references the scenario's traffic
        // makes to lanes and classes the router lacks name the scenario.
        expectSuccessOrInputError(
          () =>
            loadScenario(join(PACKAGE_ROOT, "scenarios", scenario), {
              cwd: dir,
              routerFile: router,
            }),
          router.slice(dir.length + 1),
          scenario,
        );
      }),
      fuzz,
    );
  });

  it("--set with random paths and values names the file or the --set", () => {
    const segment = fc.oneof(
      fc.constantFrom("traffic", "0", "1", "99", "router", "lanes", "rate", "duration", "-1"),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...SCENARIOS),
        fc.array(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), hostileValue), {
          maxLength: 3,
        }),
        (scenario, sets) => {
          const texts = sets.map(([path, value]) => `${path.join(".")}=${JSON.stringify(value)}`);
          expectSuccessOrInputError(
            () =>
              loadScenario(join(PACKAGE_ROOT, "scenarios", scenario.name), {
                cwd: dir,
                overrides: texts.map(parseOverride),
              }),
            scenario.name,
            "--set",
          );
        },
      ),
      fuzz,
    );
  });

  it("random documents and random bytes, through the CLI's validate: exit 0 or 2, never 3", async () => {
    const samples = fc.sample(
      fc.oneof(
        fc.jsonValue({ maxDepth: 6 }).map((v) => stringify(v)),
        fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.constantFrom("{", "[[[", "a: *b", "a: &a [*a]", ": :", "\u0000\u0001", "---\n---\n"),
        hostileValue.map((v) => stringify({ name: "x", duration: v, vendors: v, traffic: v })),
      ),
      150,
    );
    for (const text of samples) {
      const file = writeCase(text);
      const io = testIo(["validate", file], { cwd: dir });
      const code = await main(io);
      if (code !== 0 && code !== 2)
        throw new Error(`exit ${code} for ${JSON.stringify(text)}:\n${io.err()}`);
      if (code === 2) expect(io.err()).toContain(file.slice(dir.length + 1));
    }
  });
});

describe("regressions found by fuzzing", () => {
  it("a document nested thousands deep is refused as such, not with the parser's stack overflow", async () => {
    for (const text of [
      `a: ${"[".repeat(5000)}${"]".repeat(5000)}`,
      `{"a": ${"[".repeat(5000)}${"]".repeat(5000)}}`,
    ]) {
      const file = writeCase(text);
      const io = testIo(["validate", file], { cwd: dir });
      expect(await main(io)).toBe(2);
      expect(io.err()).toBe(
        `error: ${file.slice(dir.length + 1)}: line 1: the document is nested too deeply to read\n`,
      );
    }
  });

  it('router: "" in a scenario names the scenario and the field, not the folder', () => {
    const scenario = SCENARIOS.find((s) => s.name === "retry-storm.yaml")!.data as object;
    const file = writeCase(stringify({ ...scenario, router: "" }));
    const name = file.slice(dir.length + 1);
    expect(() => loadScenario(file, { cwd: dir })).toThrow(
      new InputError([`${name}: router: no such router file ""`]),
    );
    const missing = writeCase(stringify({ ...scenario, router: "nope.yaml" }));
    expect(() => loadScenario(missing, { cwd: dir })).toThrow(
      `${missing.slice(dir.length + 1)}: router: no such router file "nope.yaml"`,
    );
  });
});
