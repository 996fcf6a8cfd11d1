/**
 * One clock per run. Every time inside a run is scenario time: milliseconds since
 * the run started. Live mode maps it to wall time scaled by --speed; sim mode
 * advances it from event to event.
 */
export interface Clock {
  /** Scenario time in milliseconds since the run started. */
  now(): number;
}

export type Cancel = () => void;

/** A clock that can also call back at a scenario time. */
export interface Scheduler extends Clock {
  /** Calls fn once scenario time reaches atMs (at once if it already has). */
  at(atMs: number, fn: () => void): Cancel;
}
