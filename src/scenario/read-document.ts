import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { InputError, type PathSegment } from "./problems.js";

/** A parsed YAML or JSON file that still knows where each value was written. */
export interface SourceDocument {
  /** The file as people should see it named (relative to the working directory). */
  displayName: string;
  data: unknown;
  /** The 1-based line of the value at a path, or of its nearest written parent. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export function displayName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") || rel === "" ? path : rel;
}

/** Reads a YAML or JSON file (JSON is YAML); syntax errors become InputErrors. */
export function readDocument(path: string, cwd: string): SourceDocument {
  const name = displayName(path, cwd);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory; expected a YAML or JSON file"
          : `cannot be read (${code ?? String(error)})`;
    throw new InputError([`${name}: ${reason}`]);
  }
  return parseSource(text, name);
}

/** The parser's message in one line; a stack overflow is a document nested too deeply. */
function readable(message: string): string {
  if (message.includes("Maximum call stack size exceeded"))
    return "the document is nested too deeply to read";
  return message.split("\n")[0]!;
}

export function parseSource(text: string, name: string): SourceDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const line = lineCounter.linePos(e.pos[0]).line;
      return `${name}: line ${line}: ${readable(e.message)}`;
    });
    throw new InputError([...new Set(lines)]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An unresolved alias or an alias bomb: the file's fault, not the run's.
    throw new InputError([`${name}: ${readable((error as Error).message)}`]);
  }
  return {
    displayName: name,
    data,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}
