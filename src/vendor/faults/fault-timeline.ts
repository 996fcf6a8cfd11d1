import type { Rng } from "../../random/rng.js";
import type { FaultEffect, FaultSpec } from "./fault.js";
import { effectOf } from "./fault-kinds.js";

/**
 * The faults of one vendor, scheduled in scenario time and changeable while it
 * runs (the control API adds and clears them). Pure: time and randomness come in.
 */
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

  list(): readonly FaultSpec[] {
    return this.faults;
  }

  /**
   * The effects that hit one request to `model` at nowMs, in the order the faults
   * were scheduled. A fault with a count spends one hit each time it applies.
   */
  effectsFor(model: string, nowMs: number, rng: Rng): FaultEffect[] {
    const effects: FaultEffect[] = [];
    for (const fault of this.faults) {
      if (fault.model !== undefined && fault.model !== model) continue;
      if (nowMs < fault.fromMs || nowMs >= fault.untilMs) continue;
      if (fault.count !== undefined && fault.count <= 0) continue;
      if (fault.probability < 1 && rng.next() >= fault.probability) continue;
      if (fault.count !== undefined) fault.count -= 1;
      effects.push(effectOf(fault));
    }
    return effects;
  }
}
