/** Exit codes of every command (ARCHITECTURE.md, "Exit codes"); sysexits.h where one fits. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  notRunning: 3,
  noInstance: 7,
  usage: 64,
  unavailable: 69,
  tempFail: 75,
  config: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can act on: printed as its message alone (no stack), exits with `exitCode`. */
export class NorcError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.failure) {
    super(message);
    this.name = "NorcError";
    this.exitCode = exitCode;
  }
}

/** The message of any thrown value, for log lines. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
