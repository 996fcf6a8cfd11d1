import { parse as parseYamlScalar } from "yaml";
import { InputError } from "./problems.js";

/** One `--set path=value`; the value is read as YAML, so 0.7 is a number and 10m a string. */
export interface Override {
  path: string[];
  value: unknown;
  text: string;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    throw new InputError([`--set ${text}: expected path=value, e.g. --set duration=1h`]);
  }
  const path = text.slice(0, eq).split(".");
  if (path.some((segment) => segment === "")) {
    throw new InputError([`--set ${text}: the path has an empty segment`]);
  }
  let value: unknown;
  try {
    value = parseYamlScalar(text.slice(eq + 1));
  } catch {
    value = text.slice(eq + 1);
  }
  return { path, value, text };
}

/** Writes each override into the raw file data, before it is validated. */
export function applyOverrides(data: unknown, overrides: readonly Override[]): unknown {
  if (overrides.length === 0) return data;
  const root = structuredClone(data) as Record<string, unknown>;
  for (const { path, value, text } of overrides) {
    let node: unknown = root;
    for (const [i, segment] of path.entries()) {
      if (node === null || typeof node !== "object") {
        throw new InputError([
          `--set ${text}: ${path.slice(0, i).join(".")} is not an object or list`,
        ]);
      }
      const container = node as Record<string, unknown>;
      if (Array.isArray(container) && !/^\d+$/.test(segment)) {
        throw new InputError([
          `--set ${text}: ${path.slice(0, i).join(".")} is a list; expected an index`,
        ]);
      }
      if (i === path.length - 1) {
        container[segment] = value;
      } else {
        if (container[segment] === undefined) container[segment] = {};
        node = container[segment];
      }
    }
  }
  return root;
}
