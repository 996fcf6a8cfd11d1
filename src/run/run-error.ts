/** The run itself broke (a port in use, a crash): exit 3, with one clear line. */
export class RunError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RunError";
  }
}
