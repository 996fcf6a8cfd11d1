import { parse as parseYamlScalar } from "yaml";
import { InputError } from "./input-error.js";

/** One `--set path=value`; the value is read as YAML, so 0.7 is a number and 10m a string. */
export interface Override {
  path: string[];
  value: unknown;
  text: string;
}

/** Names that would reach into JavaScript's object machinery rather than into the file. */
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "prototype", "constructor"]);

export function parseOverride(text: string): Override {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    throw new InputError([`--set ${text}: expected path=value, e.g. --set duration=1h`]);
  }
  const path = text.slice(0, eq).split(".");
  if (path.some((segment) => segment === "")) {
    throw new InputError([`--set ${text}: the path has an empty segment`]);
  }
  const forbidden = path.find((segment) => FORBIDDEN_SEGMENTS.has(segment));
  if (forbidden) throw new InputError([`--set ${text}: "${forbidden}" is not a field of any file`]);
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
      const where = path.slice(0, i).join(".") || "the file";
      if (node === null || typeof node !== "object") {
        throw new InputError([`--set ${text}: ${where} is not an object or list`]);
      }
      const container = node as Record<string, unknown>;
      if (Array.isArray(container)) {
        if (!/^\d+$/.test(segment)) {
          throw new InputError([`--set ${text}: ${where} is a list; expected an index`]);
        }
        if (Number(segment) > container.length) {
          throw new InputError([
            `--set ${text}: ${where} has ${container.length} items; index ${segment} is past its end`,
          ]);
        }
      }
      if (i === path.length - 1) {
        container[segment] = value;
      } else {
        if (!Object.hasOwn(container, segment) || container[segment] === undefined)
          container[segment] = {};
        node = container[segment];
      }
    }
  }
  return root;
}
