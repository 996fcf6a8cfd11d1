import { escapeHtml } from "./html-escape.js";

/**
 * Line charts as inline SVG, for the HTML report: no script, no network, readable
 * from file://. Time runs along x in scenario seconds; fault windows are shaded and
 * router reactions marked, so every chart shows when things went wrong.
 */
export interface ChartSeries {
  name: string;
  /** [scenario seconds, value]; null values leave a gap. */
  points: [number, number | null][];
  /** A dashed line (a limit beside what was used). */
  dashed?: boolean;
  /** Its own colour (a limit drawn in its route's); from the palette otherwise. */
  color?: string;
  /** Left out of the legend (its colour already names it). */
  unlisted?: boolean;
}

export interface ChartOptions {
  id: string;
  title: string;
  yLabel: string;
  series: ChartSeries[];
  /** Seconds the x axis spans. */
  xMax: number;
  /** Fault windows, in seconds. */
  faults: { from: number; to: number; label: string }[];
  /** Router reactions, in seconds. */
  marks: { t: number; label: string }[];
  /** The y axis starts at 0 and ends at least here. */
  yMin?: number;
  format?: (v: number) => string;
}

/** At most this many points a line: longer runs are averaged over buckets of seconds. */
const MAX_POINTS = 240;

/** Averages points over buckets so a long run's lines stay readable (nulls skipped). */
export function bucketize(points: [number, number | null][]): [number, number | null][] {
  const size = Math.ceil(points.length / MAX_POINTS);
  if (size <= 1) return points;
  const out: [number, number | null][] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    const values = chunk.map(([, v]) => v).filter((v): v is number => v !== null);
    const t = chunk[chunk.length - 1]![0];
    out.push([t, values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length]);
  }
  return out;
}

const WIDTH = 720;
const HEIGHT = 276;
const PAD = { left: 64, right: 16, top: 34, bottom: 72 };
export const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#4b5563",
];

const esc = escapeHtml;

/** Round numbers for axis ticks: 1, 2 or 5 times a power of ten. */
function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / power;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * power;
}

function defaultFormat(v: number): string {
  if (Math.abs(v) >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  if (Math.abs(v) >= 10_000) return `${Math.round(v / 1000)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function timeLabel(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}

export function lineChart(o: ChartOptions): string {
  const fmt = o.format ?? defaultFormat;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  let yMax = o.yMin ?? 0;
  for (const s of o.series) for (const [, v] of s.points) if (v !== null && v > yMax) yMax = v;
  if (yMax <= 0) yMax = 1;
  const yStep = niceStep(yMax, 4);
  yMax = Math.ceil(yMax / yStep) * yStep;
  const xMax = Math.max(1, o.xMax);
  const x = (t: number) => PAD.left + (Math.min(t, xMax) / xMax) * innerW;
  const y = (v: number) => PAD.top + innerH - (v / yMax) * innerH;

  const parts: string[] = [];
  parts.push(
    `<svg data-chart="${esc(o.id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(o.title)}</title>`,
    `<text x="${PAD.left}" y="18" class="chart-title">${esc(o.title)}</text>`,
  );
  for (const f of o.faults) {
    const x0 = x(f.from);
    const x1 = x(Math.min(f.to, xMax));
    parts.push(
      `<rect class="fault" x="${x0.toFixed(1)}" y="${PAD.top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${innerH}"><title>${esc(f.label)}</title></rect>`,
    );
  }
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`,
      `<text class="tick" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(v))}</text>`,
    );
  }
  const xStep = niceStep(xMax, 6);
  for (let t = 0; t <= xMax + 1e-9; t += xStep) {
    parts.push(
      `<text class="tick" x="${x(t).toFixed(1)}" y="${PAD.top + innerH + 16}" text-anchor="middle">${esc(timeLabel(Math.round(t)))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + innerH}"/>`,
    `<line class="axis" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + innerH}" y2="${PAD.top + innerH}"/>`,
    `<text class="axis-label" x="14" y="${PAD.top + innerH / 2}" transform="rotate(-90 14 ${PAD.top + innerH / 2})" text-anchor="middle">${esc(o.yLabel)}</text>`,
    `<text class="axis-label" x="${PAD.left + innerW / 2}" y="${PAD.top + innerH + 32}" text-anchor="middle">scenario time</text>`,
  );
  for (const m of o.marks) {
    parts.push(
      `<line class="mark" x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + 8}"><title>${esc(m.label)}</title></line>`,
    );
  }
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    let d = "";
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d === "") return;
    parts.push(
      `<path class="series" d="${d}" stroke="${color}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}><title>${esc(s.name)}</title></path>`,
    );
  });
  // The legend, under the axis, on a second row when the first is full.
  let lx = PAD.left;
  let ly = HEIGHT - 22;
  o.series.forEach((s, i) => {
    if (s.unlisted) return;
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const width = 28 + s.name.length * 6.5;
    if (lx + width > WIDTH - PAD.right && lx > PAD.left) {
      lx = PAD.left;
      ly += 15;
    }
    parts.push(
      `<line x1="${lx}" x2="${lx + 16}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text class="legend" x="${lx + 20}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
    lx += width;
  });
  parts.push("</svg>");
  return parts.join("");
}
