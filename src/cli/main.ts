import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { PACKAGE_ROOT } from "../scenario/registry.js";
import { parseShard, type Shard } from "../traffic/shard.js";
import type { GatewayConfigFlags } from "./commands/gateway-config.js";
import type { MergeFlags } from "./commands/merge.js";
import type { MockFlags } from "./commands/mock.js";
import { reportError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

export function toolVersion(): string {
  return (
    JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
  ).version;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError("expected a number above 0.");
  return value;
}

function seedNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError("expected a whole number, 0 or more.");
  return value;
}

function portNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new InvalidArgumentError("expected a port, 1 to 65535.");
  return value;
}

/** --shard i/n (the shard module imports nothing at run time: --help stays fast). */
function shardFlag(text: string): Shard {
  const shard = parseShard(text);
  if (typeof shard === "string") throw new InvalidArgumentError(shard);
  return shard;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface RunFlags {
  mode: "live" | "sim";
  speed?: number;
  seed?: number;
  /** One router (file or preset), or two to run both on the same storm and compare. */
  router: string[];
  set: string[];
  out?: string;
  format: string;
  threshold: string[];
  json?: boolean;
  quiet?: boolean;
  /** An external gateway to test, with the mocks as its upstreams. */
  gateway?: string;
  gatewayKind: "portkey" | "openai-compatible";
  /** Portkey: the user's own x-portkey-config per class (JSON), instead of one built from the drill. */
  gatewayConfig?: string;
  /** The mocks' ports from here up (a gateway's config names them). */
  portBase?: number;
  /** Only this share of the plan: shard index of count, 1-based. */
  shard?: Shard;
}

/**
 * The gw-chaos command line. Commands load their modules only when they run, so
 * `--help` and `list` start fast. Returns the exit code instead of exiting.
 */
export async function main(io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  // Every command can break; --verbose (before or after the command) shows the stack.
  const verbose = io.argv.includes("--verbose");
  const program = new Command()
    .name("gw-chaos")
    .description(
      "Load- and chaos-test multi-vendor LLM gateways against mock vendors that throttle, slow down and fail.",
    )
    .version(toolVersion())
    .option("--verbose", "print the stack trace of an unexpected error (any command)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showSuggestionAfterError(true);

  program
    .command("run")
    .description("run a drill: a built-in scenario name or a YAML/JSON file")
    .argument("<scenario>", "built-in scenario name (see `gw-chaos list`) or a path")
    .addOption(
      new Option("--mode <mode>", "live: real HTTP on loopback; sim: virtual time")
        .choices(["live", "sim"])
        .default("live"),
    )
    .option(
      "--speed <n>",
      "live mode: scenario seconds per wall second (default: the scenario's)",
      positiveNumber,
    )
    .option("--seed <n>", "seed of every random choice (default: the scenario's)", seedNumber)
    .option(
      "--router <file|preset>",
      "router config file in place of the scenario's own, or a preset (playbook, naive) over its routes; " +
        "give two to run both on the same seed and compare them",
      collect,
      [],
    )
    .option("--set <path=value>", "override one field of the scenario (repeatable)", collect, [])
    .option("--out <dir>", "where report files go (default: reports/<scenario>-<time>/)")
    .option("--format <list>", "report files to write: json,html,md,junit", "json,html")
    .option(
      "--threshold <expr>",
      'add a threshold, e.g. "interactive.latency.p95<2500" (repeatable)',
      collect,
      [],
    )
    .option("--json", "print the JSON report to stdout instead of tables")
    .option("--quiet", "no progress line")
    .option(
      "--gateway <url>",
      "send the traffic to this gateway instead of the embedded router; the mocks are its upstreams",
    )
    .addOption(
      new Option(
        "--gateway-kind <kind>",
        "portkey: route each class through an x-portkey-config built from the drill; " +
          "openai-compatible: ask for the class by name (the gateway's own config maps it, see gateway-config)",
      )
        .choices(["portkey", "openai-compatible"])
        .default("openai-compatible"),
    )
    .option(
      "--port-base <n>",
      "start the mocks on ports from here up, one per vendor (to match a gateway's config file; default: free ports)",
      portNumber,
    )
    .option(
      "--gateway-config <file>",
      "portkey: your own x-portkey-config per class, as JSON { class: config } (gateway-config portkey writes one)",
    )
    .option(
      "--shard <i/n>",
      "run shard i of n: same seed and plan, only every n-th request (sim books its share of the whole storm; " +
        "live sends only its share, to vendors cut to 1/n); `gw-chaos merge` joins the shards' reports",
      shardFlag,
    )
    .action(async (scenario: string, flags: RunFlags) => {
      const { runCommand } = await import("./commands/run.js");
      exitCode = await runCommand(io, scenario, flags);
    });

  program
    .command("mock")
    .description("start the mock vendors alone, for a gateway you run yourself; serve until Ctrl-C")
    .argument(
      "[scenario]",
      "its vendors and fault timeline (default: every built-in profile, no faults)",
    )
    .option(
      "--port-base <n>",
      "ports from here up, one per vendor (default: free ports)",
      portNumber,
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--json", "print one JSON line describing the vendors")
    .option("--set <path=value>", "override one field of the scenario (repeatable)", collect, [])
    .option("--no-faults", "serve clean: leave the scenario's fault timeline out")
    .option(
      "--speed <n>",
      "scenario seconds per wall second for limits, latency and faults",
      positiveNumber,
    )
    .option("--seed <n>", "seed of the latency draws", seedNumber)
    .action(async (scenario: string | undefined, flags: MockFlags) => {
      const { mockCommand } = await import("./commands/mock.js");
      exitCode = await mockCommand(io, scenario, flags);
    });

  program
    .command("gateway-config")
    .description(
      "write a gateway's config file whose upstreams are a drill's mock vendors (nothing is started)",
    )
    .argument(
      "<kind>",
      "litellm (YAML for `litellm --config`) or portkey (JSON: one config per class)",
    )
    .argument("<scenario>", "built-in scenario name or a path")
    .option(
      "--port-base <n>",
      "ports of the mocks: vendor i of the drill at n + i; give `gw-chaos run <scenario> --gateway URL` " +
        "(or `gw-chaos mock <scenario>`) the same --port-base n",
      portNumber,
      4100, // DEFAULT_GATEWAY_CONFIG_PORT_BASE (src/gateway/mock-urls.ts), kept out of --help's imports
    )
    .option("--set <path=value>", "override one field of the scenario (repeatable)", collect, [])
    .addOption(
      new Option(
        "--strategy <mode>",
        "how a class uses its routes (default: fallback for portkey, in the drill's order; " +
          "loadbalance for litellm, one model group per class)",
      ).choices(["fallback", "loadbalance"]),
    )
    .option(
      "--speed <n>",
      "the --speed the run will use (default: the scenario's): the drill's timeouts are written in wall time",
      positiveNumber,
    )
    .option("--out <file>", "write the config here instead of printing it")
    .action(async (kind: string, scenario: string, flags: GatewayConfigFlags) => {
      const { gatewayConfigCommand } = await import("./commands/gateway-config.js");
      exitCode = gatewayConfigCommand(io, kind, scenario, flags);
    });

  program
    .command("list")
    .description("built-in scenarios: name, duration, what each shows")
    .action(async () => {
      const { listCommand } = await import("./commands/list.js");
      exitCode = listCommand(io);
    });

  program
    .command("validate")
    .description("check scenario, vendor profile and router files; exit 0 or 2")
    .argument("<file...>", "files (or built-in scenario names) to check")
    .action(async (files: string[]) => {
      const { validateCommand } = await import("./commands/validate.js");
      exitCode = validateCommand(io, files);
    });

  program
    .command("compare")
    .description("two JSON reports side by side: b against a, with deltas and flipped thresholds")
    .argument("<a>", "the first report.json (the baseline)")
    .argument("<b>", "the second report.json")
    .option("--json", "print the comparison as JSON")
    .option("--markdown", "print the comparison as Markdown (for a pull-request comment)")
    .action(async (a: string, b: string, flags: { json?: boolean; markdown?: boolean }) => {
      const { compareCommand } = await import("./commands/compare.js");
      exitCode = compareCommand(io, a, b, flags);
    });

  program
    .command("merge")
    .description(
      "one report from the JSON reports of a run's shards (--shard i/n): ledgers add up, percentiles from their histograms",
    )
    .argument("<report...>", "the shards' report.json files")
    .option("--out <dir>", "where report files go (default: reports/<scenario>-merged-<time>/)")
    .option("--format <list>", "report files to write: json,html,md,junit", "json,html")
    .option("--json", "print the merged JSON report to stdout instead of tables")
    .option("--quiet", "no tables: what was merged, failed thresholds and the files")
    .action(async (files: string[], flags: MergeFlags) => {
      const { mergeCommand } = await import("./commands/merge.js");
      exitCode = mergeCommand(io, files, flags);
    });

  program
    .command("schema")
    .description("print the JSON Schema of a file kind, for editors and CI linters")
    .addArgument(
      new Argument("[kind]", "file kind")
        .choices(["scenario", "profile", "router"])
        .default("scenario"),
    )
    .action(async (kind: "scenario" | "profile" | "router") => {
      const { schemaCommand } = await import("./commands/schema.js");
      exitCode = schemaCommand(io, kind);
    });

  try {
    await program.parseAsync(io.argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message already. Help asked for is a success;
      // help shown because no command was given is a usage error.
      const ok = ["commander.helpDisplayed", "commander.version"].includes(error.code);
      return ok ? ExitCode.Ok : ExitCode.BadInput;
    }
    return reportError(io, error, verbose);
  }
  return exitCode;
}
