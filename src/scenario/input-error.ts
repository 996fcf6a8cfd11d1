/**
 * Bad input the user can fix: a scenario, profile or router file, a flag. Carries
 * every problem found, each as "file: path.inside.it: what was expected (got ...)".
 * The CLI prints them and exits 2, never with a stack trace. (Kept apart from the
 * zod-based formatting so that the CLI can start without loading zod.)
 */
export class InputError extends Error {
  readonly code = "GW_INPUT";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "InputError";
  }
}
