import type { Rng } from "../../random/rng.js";
import type { FaultEffect, FaultSpec } from "./fault.js";
import { effectOf } from "./fault-kinds.js";

/**
 * The faults of one vendor, scheduled in scenario time and changeable while it
 * runs (the control API adds and clears them). Pure: time and randomness come in.
 */
const NO_HITS: readonly { fault: FaultSpec; effect: FaultEffect }[] = [];

export class FaultTimeline {
  private faults: FaultSpec[];

  constructor(faults: readonly FaultSpec[]) {
    this.faults = faults.map((f) => ({ ...f }));
  }

  add(fault: FaultSpec): void {
    this.faults.push({ ...fault });
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** An outage on every model, certain and with hits left, is active now. */
  vendorWideOutage(nowMs: number): boolean {
    return this.faults.some(
      (f) =>
        f.kind === "outage" &&
        f.model === undefined &&
        f.probability >= 1 &&
        f.count === undefined &&
        nowMs >= f.fromMs &&
        nowMs < f.untilMs,
    );
  }

  list(): readonly FaultSpec[] {
    return this.faults;
  }

  /**
   * The faults that would hit one request to `model` at nowMs, in the order they
   * were scheduled, with their effects. Nothing is spent here: a fault with a
   * count spends a hit only when its effect is applied (spend), so a request
   * that a real limit refuses first does not use up a scripted fault.
   */
  candidatesFor(
    model: string,
    nowMs: number,
    rng: Rng,
  ): readonly { fault: FaultSpec; effect: FaultEffect }[] {
    // Asked once per request: no array unless a fault hits.
    let hits: { fault: FaultSpec; effect: FaultEffect }[] | undefined;
    for (const fault of this.faults) {
      if (fault.model !== undefined && fault.model !== model) continue;
      if (nowMs < fault.fromMs || nowMs >= fault.untilMs) continue;
      if (fault.count !== undefined && fault.count <= 0) continue;
      if (fault.probability < 1 && rng.next() >= fault.probability) continue;
      hits ??= [];
      hits.push({ fault, effect: effectOf(fault) });
    }
    return hits ?? NO_HITS;
  }

  spend(fault: FaultSpec): void {
    if (fault.count !== undefined) fault.count -= 1;
  }

  /** The effects that hit one request, each applied and spent (for callers that apply all). */
  effectsFor(model: string, nowMs: number, rng: Rng): FaultEffect[] {
    return this.candidatesFor(model, nowMs, rng).map(({ fault, effect }) => {
      this.spend(fault);
      return effect;
    });
  }
}
