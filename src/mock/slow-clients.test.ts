import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RealScheduler } from "../clock/real-scheduler.js";
import { createRng } from "../random/rng.js";
import { testModel, testVendor } from "../test-support/test-specs.js";
import { VendorModel } from "../vendor/vendor-model.js";
import { type MockServer, startMockServer } from "./mock-server.js";

/**
 * Slowloris: clients that open connections and trickle their headers or body a
 * byte at a time (or send nothing) must not stall anybody else. The good requests
 * complete while every slow connection is still open.
 */
let server: MockServer | undefined;
let scheduler: RealScheduler | undefined;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  scheduler?.dispose();
  server = undefined;
});

/** A connection that sends `head` at once, then `trickle` one byte every 20 ms. */
function slowClient(port: number, head: string, trickle: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => {
      if (head) socket.write(head);
      let at = 0;
      timers.push(
        setInterval(() => {
          if (at < trickle.length && !socket.destroyed) socket.write(trickle[at++]!);
        }, 20),
      );
      resolve(socket);
    });
    socket.on("error", reject);
    sockets.push(socket);
  });
}

describe("slow clients (slowloris) against a mock vendor", () => {
  it("do not stall a normal request: it is answered while they are all still open", async () => {
    scheduler = new RealScheduler(100);
    const model = new VendorModel(
      testVendor("vendor-a", [testModel({ limits: { rpm: 100_000, tpm: 100_000_000 } })]),
      [],
      createRng(1),
    );
    server = await startMockServer({ model, scheduler });
    const port = Number(new URL(server.origin).port);
    const body = JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 5,
    });
    const request = "POST /v1/chat/completions HTTP/1.1\r\n";
    const headers = `host: x\r\nauthorization: Bearer sk-1\r\ncontent-type: application/json\r\n`;
    const slow = await Promise.all([
      // Headers a byte at a time.
      ...Array.from({ length: 20 }, () => slowClient(port, request, `${headers}\r\n${body}`)),
      // Whole headers, then a long body a byte at a time.
      ...Array.from({ length: 20 }, () =>
        slowClient(port, `${request}${headers}content-length: 100000\r\n\r\n`, "x".repeat(1000)),
      ),
      // Connected, silent.
      ...Array.from({ length: 20 }, () => slowClient(port, "", "")),
    ]);
    const closed = new Set<Socket>();
    for (const s of slow) s.on("close", () => closed.add(s));
    // Let the trickles get under way.
    await new Promise((r) => setTimeout(r, 100));

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${server!.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { authorization: "Bearer sk-1", "content-type": "application/json" },
          body,
        }).then(async (res) => ({ status: res.status, body: await res.json() })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers[0]!.body).toMatchObject({ object: "chat.completion" });
    // Every slow client is still connected: the good requests did not wait them out.
    expect(closed.size).toBe(0);
    expect(slow.every((s) => !s.destroyed)).toBe(true);
  });
});
