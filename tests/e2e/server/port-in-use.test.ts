import { expect, test } from "bun:test";
import { createServer } from "node:net";
import { runBinary, tempDir } from "../../helpers/binary.ts";

test("a port in use exits 75 naming the address and port", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const address = holder.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const dir = tempDir("norc-port-");
  try {
    const result = await runBinary(["start", "--bind", "127.0.0.1", "--port", String(port)], {
      cwd: dir.path,
    });
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
    expect(result.stderr).not.toContain("    at ");
  } finally {
    holder.close();
    dir.cleanup();
  }
});
