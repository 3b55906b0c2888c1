import { expect, test } from "bun:test";
import { runBinary, tempDir } from "../../helpers/binary.ts";

test("start --daemon fails loudly until the daemon mode exists", async () => {
  const dir = tempDir("norc-daemon-flag-");
  try {
    const result = await runBinary(["start", "--daemon", "--port", "0"], { cwd: dir.path });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("--daemon is not supported");
  } finally {
    dir.cleanup();
  }
});
