/** The problem line of a scenario that threw (with its stack: a failure of the scenario itself). */
export function abortedBy(error: unknown): string {
  return `aborted: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** Prints "must show: met" or "NOT met (n)" and the first `most` problems; true when met. */
export function printVerdict(problems: readonly string[], most = 10): boolean {
  console.log(`  must show: ${problems.length === 0 ? "met" : `NOT met (${problems.length})`}`);
  for (const problem of problems.slice(0, most)) console.log(`  ${problem}`);
  return problems.length === 0;
}
