import { describe, expect, it } from "vitest";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

/** Waits until the CLI has printed a whole line on stdout. */
async function firstLine(out: () => string): Promise<string> {
  for (let i = 0; i < 200 && !out().includes("\n"); i++)
    await new Promise((r) => setTimeout(r, 10));
  return out().split("\n")[0]!;
}

describe("gw-chaos mock", () => {
  it("serves the scenario's vendors on loopback until Ctrl-C, then closes every port", async () => {
    const io = testIo(["mock", "lunch-rush", "--json"]);
    const running = main(io);
    const { vendors } = JSON.parse(await firstLine(io.out)) as {
      vendors: { name: string; format: string; baseUrl: string; models: string[] }[];
    };
    expect(vendors.map((v) => v.name)).toEqual(["vendor-a", "vendor-b", "vendor-c"]);
    expect(vendors[0]).toMatchObject({ format: "openai", models: ["gpt-4o-mini", "gpt-4o"] });
    expect(vendors[0]!.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    const res = await fetch(`${vendors[0]!.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-x", "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 5,
      }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    io.interrupt();
    expect(await running).toBe(0);
    await expect(
      fetch(`${vendors[0]!.baseUrl}/chat/completions`, { method: "POST" }),
    ).rejects.toThrow();
  });

  it("with no scenario, serves every built-in profile, one line each", async () => {
    const io = testIo(["mock"]);
    const running = main(io);
    await firstLine(io.out);
    await new Promise((r) => setTimeout(r, 50));
    io.interrupt();
    expect(await running).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^\S+\s+\S+\s+http:\/\/127\.0\.0\.1:\d+\S*$/);
  });

  it("a port in use exits 3 with one clear line", async () => {
    const first = testIo(["mock", "lunch-rush", "--json"]);
    const running = main(first);
    const { vendors } = JSON.parse(await firstLine(first.out)) as {
      vendors: { baseUrl: string }[];
    };
    const port = Number(new URL(vendors[0]!.baseUrl).port);
    const second = testIo(["mock", "lunch-rush", "--port-base", String(port)]);
    expect(await main(second)).toBe(3);
    expect(second.err()).toMatch(
      new RegExp(
        `^error: cannot start mock vendor vendor-a on 127\\.0\\.0\\.1:${port}: the port is in use \\(EADDRINUSE\\)\nhint: `,
      ),
    );
    first.interrupt();
    await running;
  });
});
