import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import type { Server } from "bun";
import { ROOT, releaseDir } from "../helpers/dist.ts";

// When is sudo used? Run install.sh as the unprivileged user "nobody" (needs root and runuser here)
// with a sudo stand-in that records its arguments and exits 0.
const NOBODY = 65534;
const canSwitchUser = process.getuid?.() === 0 && Bun.which("runuser") !== null;
if (!canSwitchUser)
  console.warn("skipping the sudo tests: they need root and runuser to run install.sh as nobody");

let base = "";
let server: Server<undefined> | undefined;

beforeAll(async () => {
  if (!canSwitchUser) return;
  base = mkdtempSync("/tmp/norc-sudo-");
  chmodSync(base, 0o755);
  const release = await releaseDir();
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = join(release.dir, basename(new URL(request.url).pathname));
      return existsSync(path) ? new Response(Bun.file(path)) : new Response("not found", { status: 404 });
    },
  });
  writeFileSync(join(base, "install.sh"), readFileSync(join(ROOT, "scripts/install.sh")), { mode: 0o755 });
  mkdirSync(join(base, "tools"), { mode: 0o755 });
  writeFileSync(join(base, "tools/sudo"), `#!/bin/sh\necho "$*" >> "${base}/home/sudo.log"\n`, {
    mode: 0o755,
  });
  mkdirSync(join(base, "locked"), { mode: 0o755 });
  mkdirSync(join(base, "home"), { mode: 0o755 });
  chownSync(join(base, "home"), NOBODY, NOBODY);
}, 180_000);

afterAll(() => {
  server?.stop(true);
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Runs install.sh as nobody; returns exit code, stderr and the sudo calls it made. */
async function installAsNobody(env: Record<string, string>) {
  rmSync(join(base, "home/sudo.log"), { force: true });
  const assignments = Object.entries({
    PATH: `${base}/tools:${process.env.PATH}`,
    NORC_INSTALL_BASE_URL: server?.url.origin ?? "",
    ...env,
  }).map(([key, value]) => `${key}=${value}`);
  const child = Bun.spawn(
    ["runuser", "-u", "nobody", "--", "env", "-i", ...assignments, "sh", join(base, "install.sh")],
    {
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  const log = join(base, "home/sudo.log");
  const sudo = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { exitCode, stderr, sudo };
}

describe("install.sh and sudo", () => {
  test.skipIf(!canSwitchUser)(
    "a chosen directory the user cannot write is written through sudo",
    async () => {
      const dir = join(base, "locked");
      const result = await installAsNobody({ HOME: join(base, "home"), NORC_INSTALL_DIR: dir });
      expect(result.stderr).toContain(`${dir} is not writable by nobody: using sudo`);
      expect(result.sudo.map((line) => line.split(" ")[0])).toEqual(["cp", "chmod", "mv"]);
      expect(result.sudo.at(-1)).toBe(`mv -f ${dir}/.norc-server.new ${dir}/norc-server`);
      expect(result.exitCode).toBe(0);
    },
    60_000,
  );

  test.skipIf(!canSwitchUser)(
    "the default ~/.local/bin is never written through sudo",
    async () => {
      const result = await installAsNobody({ HOME: join(base, "locked") });
      expect(result.stderr).toContain(`cannot create ${join(base, "locked")}/.local/bin`);
      expect(result.sudo).toEqual([]);
      expect(result.exitCode).toBe(1);
    },
    60_000,
  );
});
