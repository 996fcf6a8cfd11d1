/**
 * One arrival process's times, in order, made one at a time as the run reaches
 * them: nothing per request is kept, so a run's memory does not grow with its
 * length. `next()` gives Infinity once the process has no more arrivals.
 */
export interface ArrivalSequence {
  next(): number;
}

/** Every time of a sequence in an array (tests and the array-returning helpers). */
export function collectTimes(sequence: ArrivalSequence): number[] {
  const times: number[] = [];
  for (let t = sequence.next(); t !== Infinity; t = sequence.next()) times.push(t);
  return times;
}
