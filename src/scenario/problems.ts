import { z } from "zod";

export { InputError } from "./input-error.js";

export type PathSegment = PropertyKey;

export function formatPath(path: readonly PathSegment[]): string {
  return path.length === 0 ? "(top level)" : path.map(String).join(".");
}

/** A short, safe rendering of a value the user wrote. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return "an object";
}

export function problem(file: string, path: readonly PathSegment[], message: string): string {
  return `${file}: ${formatPath(path)}: ${message}`;
}

/**
 * Turns zod's issues into one line each, in the words of the file's author. The
 * schema, when given, lets a mistyped key be answered with "did you mean".
 */
export function formatIssues(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  schema?: z.ZodType,
): string[] {
  return issues.map((issue) => problem(file, issue.path, describeIssue(issue, schema)));
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): string {
  const got = "input" in issue ? ` (got ${describeValue(issue.input)})` : "";
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `required: expected ${issue.expected}`;
      return `expected ${issue.expected}${got}`;
    case "unrecognized_keys": {
      const known = schema
        ? keysAt(z.toJSONSchema(schema, { io: "input" }) as JsonSchemaNode, issue.path)
        : [];
      return issue.keys
        .map((key) => {
          const hint = closest(key, known);
          return `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
        })
        .join("; ");
    }
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${got}`;
    case "invalid_union": {
      // A discriminated union whose "type" matched no branch.
      const options = (issue as { options?: unknown }).options;
      if ("discriminator" in issue && Array.isArray(options)) {
        const discriminatorValue = (issue.input as Record<string, unknown> | undefined)?.[
          String(issue.discriminator)
        ];
        return `expected one of ${options.map((o) => JSON.stringify(o)).join(", ")} (got ${describeValue(discriminatorValue)})`;
      }
      const expected = new Set<string>();
      for (const branch of issue.errors) {
        for (const inner of branch) {
          if (inner.code === "invalid_type") expected.add(inner.expected);
          else if (inner.message) expected.add(inner.message.replace(/^expected /, ""));
        }
      }
      const what = [...expected].join(" or ") || "a different value";
      return issue.input === undefined ? `required: expected ${what}` : `expected ${what}${got}`;
    }
    case "too_small":
    case "too_big":
      return `${issue.message.replace(/^Too (small|big): /, "")}${got}`;
    default:
      return `${issue.message}${got}`;
  }
}

type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
};

/** Every key the schema allows at a path, across the branches of unions. */
function keysAt(root: JsonSchemaNode, path: readonly PathSegment[]): string[] {
  let nodes = [root];
  for (const segment of path) {
    nodes = nodes.flatMap(branches).flatMap((node) => {
      if (typeof segment === "number") return node.items ? [node.items] : [];
      const property = node.properties?.[String(segment)];
      if (property) return [property];
      return typeof node.additionalProperties === "object" ? [node.additionalProperties] : [];
    });
  }
  return nodes.flatMap(branches).flatMap((node) => Object.keys(node.properties ?? {}));
}

function branches(node: JsonSchemaNode): JsonSchemaNode[] {
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  return alternatives.length ? alternatives.flatMap(branches) : [node];
}

/** The candidate within edit distance 2 of key, if any (for "did you mean"). */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (candidate === key) continue;
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
