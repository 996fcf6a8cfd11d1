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

/**
 * Something to run at a time that is its own handle: setting done calls it off.
 * An object a caller already has (a call in flight) can be scheduled as it is,
 * with no closure and no cancel function made for it.
 */
export interface Task {
  done: boolean;
  run(): void;
}

/** A clock that can also call back at a scenario time. */
export interface Scheduler extends Clock {
  /** Calls fn once scenario time reaches atMs (at once if it already has). */
  at(atMs: number, fn: () => void): Cancel;
  /** Runs task.run() once scenario time reaches atMs, unless task.done is set by then. */
  post?(atMs: number, task: Task): void;
  /** Wall ms for a span of scenario ms, where scenario time runs on the wall clock (live). */
  toWallMs?(scenarioMs: number): number;
}

/** Schedules a task, through the scheduler's own post() where it has one. */
export function postTask(scheduler: Scheduler, atMs: number, task: Task): void {
  if (scheduler.post !== undefined) scheduler.post(atMs, task);
  else
    scheduler.at(atMs, () => {
      if (!task.done) task.run();
    });
}

/**
 * Zero for a field of an object made on the hot path that will later hold
 * fractional milliseconds. V8 keeps a field as a small integer while it has only
 * held whole numbers; the first fraction stored into it moves the objects already
 * made to a new layout, one by one as each is next touched (a "migration", seen
 * with --trace-migration). An object literal may go on making objects of the old
 * layout, so it can be every one: the router's queue entries once were, and a long
 * sim ran at half speed. Negative zero is not a small integer, so a field that
 * starts with it is a double from the first object on and nothing ever moves. It
 * is 0 in every sum and comparison; only Object.is and division tell the two
 * apart, and no time here is divided by.
 */
export const FRACTIONAL_ZERO = -0;
