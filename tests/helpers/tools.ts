import { installHint, type TestTool } from "../../scripts/test-tools.ts";

/**
 * Whether `tool` is on PATH for the tests described by `what`. When it is not, those tests are
 * skipped and one line says what to install (`bun run test` installs it when it can, see
 * scripts/test-tools.ts); under CI (CI=true) they run and fail instead.
 */
export function hasTool(tool: TestTool, what: string): boolean {
  if (Bun.which(tool) !== null || process.env.CI === "true") return true;
  console.warn(`skipping ${what}: ${tool} is not installed (${installHint([tool])})`);
  return false;
}
