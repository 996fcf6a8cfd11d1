import { describe, expect, it } from "vitest";
import { moduleExtension, startModuleWorker } from "./module-worker.js";

describe("startModuleWorker", () => {
  it("runs from the sources under vitest: this module is TypeScript", () => {
    expect(moduleExtension(import.meta.url)).toBe("ts");
  });

  it("a worker whose module cannot load reports it on 'error', then exits", async () => {
    const missing = new URL("./no-such-worker.ts", import.meta.url);
    const worker = startModuleWorker(missing, {});
    const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
    const error = await new Promise<Error>((resolve) => worker.once("error", resolve));
    expect(error.message).toMatch(/no-such-worker/);
    expect(await exited).not.toBe(0);
  });
});
