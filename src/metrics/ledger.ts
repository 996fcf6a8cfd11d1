/** How one generated request ended. Every request ends in exactly one. */
export type LedgerOutcome =
  | { type: "ok" }
  | { type: "failed"; reason: string }
  | { type: "shed"; reason: string }
  | { type: "deadline" };

export interface LedgerTotals {
  generated: number;
  ok: number;
  failed: Record<string, number>;
  shed: Record<string, number>;
  deadline: number;
  balanced: boolean;
}

/**
 * The books of a run: every generated request must end in exactly one outcome.
 * A request settled twice, or never, unbalances the ledger, and the report says
 * so; that is a bug in the harness, never in the system under test.
 */
export class Ledger {
  private settledFlags = new Uint8Array(1024);
  private generated = 0;
  private ok = 0;
  private deadline = 0;
  private doubleSettled = 0;
  private readonly failed = new Map<string, number>();
  private readonly shed = new Map<string, number>();

  generate(id: number): void {
    this.generated++;
    if (id >= this.settledFlags.length) {
      const grown = new Uint8Array(Math.max(id + 1, this.settledFlags.length * 2));
      grown.set(this.settledFlags);
      this.settledFlags = grown;
    }
  }

  settle(id: number, outcome: LedgerOutcome): void {
    if (this.settledFlags[id]) {
      this.doubleSettled++;
      return;
    }
    this.settledFlags[id] = 1;
    switch (outcome.type) {
      case "ok":
        this.ok++;
        break;
      case "deadline":
        this.deadline++;
        break;
      case "failed":
        this.failed.set(outcome.reason, (this.failed.get(outcome.reason) ?? 0) + 1);
        break;
      case "shed":
        this.shed.set(outcome.reason, (this.shed.get(outcome.reason) ?? 0) + 1);
        break;
    }
  }

  isSettled(id: number): boolean {
    return this.settledFlags[id] === 1;
  }

  get settled(): number {
    return this.ok + this.deadline + sum(this.failed) + sum(this.shed);
  }

  totals(): LedgerTotals {
    return {
      generated: this.generated,
      ok: this.ok,
      failed: sorted(this.failed),
      shed: sorted(this.shed),
      deadline: this.deadline,
      balanced: this.doubleSettled === 0 && this.settled === this.generated,
    };
  }
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}

function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
