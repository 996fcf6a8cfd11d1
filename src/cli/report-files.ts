import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { JsonReport } from "../report/json-report.js";
import { renderHtmlReport } from "../report/html-report.js";
import { renderJunitReport } from "../report/junit-report.js";
import { renderMarkdownReport } from "../report/markdown-report.js";
import { InputError } from "../scenario/problems.js";

const FORMATS = ["json", "html", "md", "junit"] as const;
export type Format = (typeof FORMATS)[number];

/** --format: a list of json, html, md, junit. */
export function parseFormats(list: string): Format[] {
  const formats = list
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = formats.filter((f) => !FORMATS.includes(f as Format));
  if (unknown.length > 0) {
    throw new InputError([
      `--format: unknown format ${unknown.map((f) => `"${f}"`).join(", ")} (expected a list of: ${FORMATS.join(", ")})`,
    ]);
  }
  return formats as Format[];
}

/** Makes the report directory before the work, so a bad --out costs nothing. */
export function prepareOutDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError([`--out ${dir}: cannot write report files there (${code})`]);
  }
  return dir;
}

export function timestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** Writes the report in each format asked for; returns the files, relative to cwd. */
export function writeReportFiles(
  report: JsonReport,
  formats: readonly Format[],
  outDir: string,
  cwd: string,
): string[] {
  const files: Record<Format, [string, () => string]> = {
    json: ["report.json", () => `${JSON.stringify(report, null, 2)}\n`],
    html: ["report.html", () => renderHtmlReport(report)],
    md: ["report.md", () => renderMarkdownReport(report)],
    junit: ["junit.xml", () => renderJunitReport(report)],
  };
  const written: string[] = [];
  for (const format of formats) {
    const [name, render] = files[format];
    writeFileSync(join(outDir, name), render());
    written.push(relative(cwd, join(outDir, name)) || name);
  }
  return written;
}
