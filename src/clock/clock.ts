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
}

/** Schedules a task, through the scheduler's own post() where it has one. */
export function postTask(scheduler: Scheduler, atMs: number, task: Task): void {
  if (scheduler.post !== undefined) scheduler.post(atMs, task);
  else
    scheduler.at(atMs, () => {
      if (!task.done) task.run();
    });
}
