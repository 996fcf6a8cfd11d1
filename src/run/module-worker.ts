import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Loader hooks for a worker that runs TypeScript sources (under vitest, whose
 * own transform does not reach worker threads): relative `.js` imports from a
 * `.ts` file go to the `.ts` beside it, and `.ts` files are stripped of their
 * types by vite's transformWithOxc, the transform vitest itself applies. Kept
 * as text and registered from a data: URL, because the hooks cannot be
 * TypeScript themselves.
 */
const SOURCE_HOOKS = `
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
let transform;
export async function initialize({ root }) {
  const vite = createRequire(root).resolve("vite");
  ({ transformWithOxc: transform } = await import(pathToFileURL(vite).href));
}
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.endsWith(".ts") && specifier.startsWith(".") && specifier.endsWith(".js")) {
    const ts = new URL(specifier.slice(0, -3) + ".ts", parent);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: "module", shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, "utf8"), file);
  return { format: "module", source: code, shortCircuit: true };
}
`;

/**
 * A worker thread running the module at `entry`: the built JavaScript as it is,
 * or, when the caller itself runs from TypeScript sources (tests), the `.ts`
 * module through SOURCE_HOOKS. The caller names its entry next to itself:
 * `new URL(\`./x.${moduleExtension(import.meta.url)}\`, import.meta.url)`.
 */
export function startModuleWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith(".ts")) return fileWorker(entry, options);
  const root = fileURLToPath(new URL("../../package.json", import.meta.url));
  const hooks = `data:text/javascript,${encodeURIComponent(SOURCE_HOOKS)}`;
  // Dynamic imports only: eval code is CommonJS or ESM depending on the parent's
  // --input-type. Import errors are rethrown outside the promise, so they reach
  // the worker's 'error' event.
  const boot = `
    import("node:module")
      .then(({ register }) => {
        register(${JSON.stringify(hooks)}, { data: { root: ${JSON.stringify(root)} } });
        return import(${JSON.stringify(entry.href)});
      })
      .catch((error) => process.nextTick(() => { throw error; }));
  `;
  return new Worker(boot, { ...options, eval: true });
}

/**
 * A worker on a file, inheriting the parent's node options as node does, except
 * those about the parent's own entry: `node --input-type=module -e ...` would
 * make a file worker fail. Options given explicitly must be ones a worker
 * accepts; when some are not (--trace-gc), the worker gets none.
 */
function fileWorker(entry: URL, options: WorkerOptions): Worker {
  const execArgv = entryFreeExecArgv();
  if (execArgv.length === process.execArgv.length) return new Worker(entry, options);
  try {
    return new Worker(entry, { execArgv, ...options });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    return new Worker(entry, { execArgv: [], ...options });
  }
}

/** The parent's node options less --input-type and -e/-p with their script. */
function entryFreeExecArgv(): string[] {
  const args: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg.startsWith("--input-type")) continue;
    if (["-e", "--eval", "-p", "--print"].includes(arg)) {
      i++; // and the script after it
      continue;
    }
    args.push(arg);
  }
  return args;
}

/** "ts" when the module at this URL runs from sources, "js" when built. */
export function moduleExtension(moduleUrl: string): "ts" | "js" {
  return moduleUrl.endsWith(".ts") ? "ts" : "js";
}
