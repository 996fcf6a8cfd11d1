import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * V8's gc(), for tests that check what a structure lets go of: the flag is set
 * at run time and the function taken from a fresh context, which is given it.
 * It first lets the current job end: until then V8 keeps every WeakRef's target.
 */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}
