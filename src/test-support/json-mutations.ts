import fc from "fast-check";

/**
 * Generators of hostile JSON for fuzz tests: extreme and wrongly typed values, and
 * real documents with fields deleted, replaced, renamed or wrapped in a list.
 */
export type Json = unknown;

/** Values that break naive code: extremes, wrong types, deep nesting, odd strings. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    -0,
    1e308,
    -1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 1,
    0.1,
    "",
    " ",
    "-5s",
    "1e9h",
    "NaN",
    "999999999999%",
    "-20%",
    "/",
    "a/b/c",
    "__proto__",
    "constructor",
    "x".repeat(5000),
    null,
    true,
    [],
    {},
    [[[[[[]]]]]],
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 50, max: 400 }).map((depth) => {
    let v: Json = 1;
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
    return v;
  }),
);

/** Every path to a value inside a document (objects and arrays). */
export function pathsOf(
  value: Json,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
) {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) pathsOf(v, [...prefix, i], out);
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

export type Mutation =
  | { kind: "delete" }
  | { kind: "set"; value: Json }
  | { kind: "rename"; to: string }
  | { kind: "wrap" };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: "delete" as const }),
  hostileValue.map((value) => ({ kind: "set" as const, value })),
  fc
    .constantFrom("type", "rate", "profile", "lanes", "classes", "vendor", "from", "x", "Rate")
    .map((to) => ({ kind: "rename" as const, to })),
  fc.constant({ kind: "wrap" as const }),
);

export function applyMutation(doc: Json, path: (string | number)[], m: Mutation): Json {
  const copy = structuredClone(doc);
  if (path.length === 0) return m.kind === "set" ? m.value : m.kind === "wrap" ? [copy] : copy;
  let parent = copy as Record<string | number, Json>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string, Json>;
  const key = path[path.length - 1]!;
  const old = parent[key];
  if (m.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (m.kind === "set") parent[key] = m.value;
  else if (m.kind === "wrap") parent[key] = [old];
  else if (!Array.isArray(parent)) {
    delete parent[key];
    parent[m.to] = old;
  }
  return copy;
}

/** A built-in document with one to four mutations at random paths. */
export function mutated(docs: { data: unknown }[]): fc.Arbitrary<Json> {
  return fc.constantFrom(...docs).chain(({ data }) =>
    fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }).map((steps) =>
      steps.reduce((doc, [n, m]) => {
        const paths = pathsOf(doc);
        return applyMutation(doc, paths[n % paths.length]!, m);
      }, data as Json),
    ),
  );
}
