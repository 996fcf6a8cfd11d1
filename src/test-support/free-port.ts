import { createServer } from "node:net";

/**
 * A loopback port nobody listens on now: taken from the OS, then let go (for a
 * server that takes only a fixed port, or a port known to refuse connections).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
