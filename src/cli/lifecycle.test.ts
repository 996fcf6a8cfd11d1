import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonReport } from "../report/json-report.js";
import { killLeftovers, spawnCli } from "../test-support/cli-process.js";

/**
 * The built CLI as a child process (`npm run build` first; CI builds on install):
 * how it ends when interrupted, when a port is taken and when something breaks.
 * Each test waits for a sign of life before acting and is bounded by timeouts.
 */
const NO_STACK = /^\s+at /m;
const tmp = () => mkdtempSync(join(tmpdir(), "gw-chaos-lifecycle-"));
const servers: Server[] = [];

afterEach(async () => {
  killLeftovers();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A short sim scenario, for the crash tests. */
const TINY = `name: tiny
duration: 10s
vendors:
  vendor-a: { profile: openai }
traffic:
  - { type: constant, lane: interactive, class: chat, rate: 2, prompt: 100, completion: 10 }
router:
  classes:
    chat: [vendor-a/gpt-4o-mini]
  lanes:
    interactive: { priority: 0, waitBudget: 2s, maxQueue: 100, timeout: 30s, deadline: 60s }
`;

/** Holds a port on 127.0.0.1, as another program would. */
async function holdPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

/** True when a port on 127.0.0.1 can be listened on again. */
async function portIsFree(port: number): Promise<boolean> {
  const server = createHttpServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe.each(["SIGINT", "SIGTERM"] as const)("a live run gets %s", (signal) => {
  it("stops, writes a readable partial report with a balanced ledger and exits 130", async () => {
    const out = tmp();
    // Ten minutes of scenario time at 20x: half a minute, far longer than the test waits.
    const cli = spawnCli(["run", "lunch-rush", "--speed", "20", "--out", out]);
    await cli.waitFor("stderr", /gw-chaos: lunch-rush, live on loopback/);
    // A progress line: arrivals are under way.
    await cli.waitFor("stderr", /\[\d+s \/ 10m +\d+%\] \d+ req\/s/);
    cli.child.kill(signal);
    expect(await cli.exited()).toBe(130);

    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as JsonReport;
    expect(report.partial).toBe(true);
    expect(report.ledger.balanced).toBe(true);
    expect(report.ledger.generated).toBeGreaterThan(0);
    // The whole run would plan thousands; it stopped long before.
    expect(report.ledger.generated).toBeLessThan(3000);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<html");
    expect(cli.stderr()).toContain("stopping: letting in-flight calls finish");
    expect(cli.stdout()).toMatch(/partial: stopped at \d+/);
    expect(cli.stderr()).not.toMatch(NO_STACK);
  });
});

describe("gw-chaos mock as a child process", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "on %s closes every port and ends by itself with exit 0, connections open or not",
    async (signal) => {
      // At 50x an answer takes tens of ms, not seconds.
      const cli = spawnCli(["mock", "lunch-rush", "--json", "--speed", "50"]);
      const line = await cli.waitFor("stdout", /^\{.*\}\n/);
      const { vendors } = JSON.parse(line) as { vendors: { baseUrl: string }[] };
      const ports = vendors.map((v) => Number(new URL(v.baseUrl).port));
      const res = await fetch(`${vendors[0]!.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-1", "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      // A client still connected (keep-alive, and one that sent half a request) must not hold it up.
      const { connect } = await import("node:net");
      const idle = connect({ port: ports[1]!, host: "127.0.0.1" });
      idle.on("error", () => {});
      idle.write("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n");

      cli.child.kill(signal);
      expect(await cli.exited(15_000)).toBe(0);
      idle.destroy();
      for (const port of ports) expect(await portIsFree(port)).toBe(true);
      expect(cli.stderr()).not.toMatch(NO_STACK);
    },
  );

  it("a port in use exits 3 with one line naming host:port, and a hint", async () => {
    const port = await holdPort();
    const cli = spawnCli(["mock", "lunch-rush", "--port-base", String(port)]);
    expect(await cli.exited()).toBe(3);
    expect(cli.stderr()).toBe(
      `error: cannot start mock vendor vendor-a on 127.0.0.1:${port}: the port is in use (EADDRINUSE)\n` +
        "hint: choose another --port-base, or leave it out for free ports\n",
    );
    expect(cli.stdout()).toBe("");
  });
});

describe("an unexpected error", () => {
  /** A preload that makes writing report.json fail, as a full disk or a bug would. */
  function crashOnReportWrite(dir: string): string {
    const file = join(dir, "crash-on-report.mjs");
    writeFileSync(
      file,
      `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const write = fs.writeFileSync;
fs.writeFileSync = (path, ...rest) => {
  if (String(path).endsWith("report.json")) throw new TypeError("simulated failure writing report.json");
  return write(path, ...rest);
};
syncBuiltinESMExports();
`,
    );
    return file;
  }

  it("exits 3 with one line and a hint, no stack; --verbose adds the stack", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "tiny.yaml"), TINY);
    const preload = crashOnReportWrite(dir);
    const args = ["run", "tiny.yaml", "--mode", "sim", "--out", join(dir, "out")];
    const plain = spawnCli(args, { cwd: dir, nodeArgs: ["--import", preload] });
    expect(await plain.exited()).toBe(3);
    expect(plain.stderr()).toBe(
      "error: the run broke: simulated failure writing report.json\n" +
        "hint: run again with --verbose for the stack trace\n",
    );

    const verbose = spawnCli([...args, "--verbose"], { cwd: dir, nodeArgs: ["--import", preload] });
    expect(await verbose.exited()).toBe(3);
    expect(verbose.stderr()).toMatch(
      /^error: the run broke: simulated failure writing report\.json\n/,
    );
    expect(verbose.stderr()).toMatch(NO_STACK);
  });

  it("thrown outside any await (in a callback) while mock serves: exit 3, one line; --verbose works for mock", async () => {
    const dir = tmp();
    const preload = join(dir, "crash-after-ready.mjs");
    // Throws from a callback once the mock has printed its vendors: no await catches it.
    writeFileSync(
      preload,
      `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).includes("baseUrl")) setImmediate(() => { throw new RangeError("simulated crash in a callback"); });
  return write(chunk, ...rest);
};
`,
    );
    for (const verbose of [false, true]) {
      const cli = spawnCli(["mock", "--json", ...(verbose ? ["--verbose"] : [])], {
        nodeArgs: ["--import", preload],
      });
      expect(await cli.exited()).toBe(3);
      const err = cli.stderr();
      expect(err.split("\n")[0]).toBe("error: the run broke: simulated crash in a callback");
      if (verbose) expect(err).toMatch(NO_STACK);
      else {
        expect(err).toBe(
          "error: the run broke: simulated crash in a callback\n" +
            "hint: run again with --verbose for the stack trace\n",
        );
      }
    }
  });
});
