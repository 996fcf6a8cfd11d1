import { connect } from "node:net";
import { RunError } from "./run-error.js";

/** How long a gateway has to take a connection before the run gives up on it. */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * Checks that something takes connections at the gateway's address before the
 * run starts: a gateway that is not running would otherwise fail every request
 * and look like a storm. Ends with exit 3 and one line naming the URL.
 */
export function assertGatewayReachable(url: string): Promise<void> {
  const target = new URL(url);
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new RunError(
          `cannot reach the gateway at ${url}: ${why}`,
          "gateway-unreachable",
          "start the gateway first (see README, Test your own gateway), or check --gateway",
        ),
      );
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail("no answer in 3 s"));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ECONNREFUSED" ? "connection refused" : (error.code ?? error.message)),
    );
    socket.once("connect", () => {
      socket.end();
      resolve();
    });
  });
}
