import type { StoreSection } from "./json-report.js";

const n = (x: number) => x.toLocaleString("en-US");
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What the router nodes shared and through what, in one line (P20). */
export function storeSummary(store: StoreSection): string {
  const through =
    store.kind === "none"
      ? "sharing nothing (store: none): each node learned on its own"
      : store.kind === "redis"
        ? `sharing through Redis at ${store.url}`
        : `sharing through the in-memory store (round trip ${store.roundTripMs} ms)`;
  const traffic =
    store.kind === "none"
      ? ""
      : ` · news told ${n(store.published)}, heard ${n(store.heard)}` +
        (store.failed > 0 ? ` · ${n(store.failed)} store calls failed` : "");
  return `${store.nodes} router nodes ${through}${traffic}`;
}

/** Each node's share of the work, one phrase per node. */
export function nodeShares(store: StoreSection): string {
  return store.perNode
    .map(
      (node) =>
        `${node.node}: ${n(node.requests)} requests` +
        (node.openings > 0 ? `, opened ${node.openings}` : "") +
        (node.heardOpenings > 0 ? `, took out on another's word ${node.heardOpenings}` : ""),
    )
    .join(" · ");
}

/** When the store was out of reach, or undefined if it never was. */
export function storeOutages(store: StoreSection): string | undefined {
  if (store.outages.length === 0) return undefined;
  const spans = store.outages
    .map((o) =>
      o.untilMs === null ? `from ${s(o.fromMs)} to the end` : `${s(o.fromMs)}–${s(o.untilMs)}`,
    )
    .join(", ");
  return `store out of reach ${spans}: the nodes went on with what each knew locally`;
}
