/** Every exit code of gw-chaos, in one place (CONTRACT.md). */
export const ExitCode = {
  /** Every threshold held. */
  Ok: 0,
  /** A threshold failed. */
  ThresholdFailed: 1,
  /** Bad usage or invalid input: names the file, the path inside it and what was expected. */
  BadInput: 2,
  /** The run itself broke: a port in use, a crash, an unbalanced ledger. */
  RunBroke: 3,
  /** Interrupted (Ctrl-C or SIGTERM); a partial report was written first. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
