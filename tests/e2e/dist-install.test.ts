import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { $, type Server } from "bun";
import { archiveName } from "../../scripts/targets.ts";
import { cleanEnv, tempDir } from "../helpers/binary.ts";
import { canUse, hostReleaseTarget, type ReleaseDir, ROOT, releaseDir } from "../helpers/dist.ts";

const INSTALL_SH = join(ROOT, "scripts/install.sh");
const work = tempDir("norc-install-test-");
let release: ReleaseDir;
let server: Server<undefined>;
let requested: string[] = [];

// Serves /good/<file> from the release dir and /bad/<file> from a copy whose archive has one byte changed.
beforeAll(async () => {
  release = await releaseDir();
  const bad = join(work.path, "bad");
  mkdirSync(bad);
  const archive = archiveName(hostReleaseTarget());
  copyFileSync(join(release.dir, "SHA256SUMS"), join(bad, "SHA256SUMS"));
  const bytes = readFileSync(join(release.dir, archive));
  const middle = Math.floor(bytes.length / 2);
  bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
  writeFileSync(join(bad, archive), bytes);
  const roots: Record<string, string> = { good: release.dir, bad };
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const [, root = "", file = ""] = new URL(request.url).pathname.split("/");
      requested.push(`/${root}/${file}`);
      const path = roots[root] ? join(roots[root], basename(file)) : "";
      return path && existsSync(path)
        ? new Response(Bun.file(path))
        : new Response("not found", { status: 404 });
    },
  });
}, 180_000);

afterAll(() => {
  server?.stop(true);
  work.cleanup();
});

/** Runs install.sh with /bin/sh, HOME in a fresh temp dir unless given; returns what a user sees. */
async function install(args: string[], env: Record<string, string>) {
  requested = [];
  const child = Bun.spawn(["sh", INSTALL_SH, ...args], {
    env: cleanEnv({ NORC_INSTALL_BASE_URL: `${server.url.origin}/good`, ...env }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** A fresh HOME for one test. */
function freshHome(name: string): string {
  const home = join(work.path, name);
  mkdirSync(home);
  return home;
}

describe("install.sh", () => {
  test("installs the detected target into ~/.local/bin, verified, with a PATH hint; twice is idempotent", async () => {
    const home = freshHome("home-default");
    const bin = join(home, ".local/bin");
    const first = await install([], { HOME: home });
    expect({ exitCode: first.exitCode, stderr: first.stderr }).toEqual({
      exitCode: 0,
      stderr: expect.stringContaining(`installed norc-server `),
    });
    expect(requested).toEqual([`/good/${archiveName(hostReleaseTarget())}`, "/good/SHA256SUMS"]);
    expect(first.stderr).toContain(`${bin} is not on your PATH`);
    const again = await install([], { HOME: home });
    expect(again.exitCode).toBe(0);
    expect(readdirSync(bin)).toEqual(["norc-server"]);
    const version = await $`${join(bin, "norc-server")} --version`.nothrow().quiet();
    expect(version.stdout.toString()).toMatch(
      new RegExp(`^norc-server .*, ${hostReleaseTarget().name}\\)\\n$`),
    );
    expect(version.exitCode).toBe(0);
  }, 60_000);

  test("--uninstall removes the binary, and says so when there is nothing to remove", async () => {
    const home = freshHome("home-uninstall");
    const dir = join(home, "opt bin");
    expect((await install([], { HOME: home, NORC_INSTALL_DIR: dir })).exitCode).toBe(0);
    expect(existsSync(join(dir, "norc-server"))).toBe(true);
    const removed = await install(["--uninstall"], { HOME: home, NORC_INSTALL_DIR: dir });
    expect(removed.exitCode).toBe(0);
    expect(removed.stderr).toContain(`removed ${join(dir, "norc-server")}`);
    expect(readdirSync(dir)).toEqual([]);
    const again = await install(["--uninstall"], { HOME: home, NORC_INSTALL_DIR: dir });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain("nothing to remove");
  }, 60_000);

  test("one changed byte in the archive: checksum mismatch, exit non-zero, nothing installed", async () => {
    const home = freshHome("home-corrupt");
    const dir = join(home, "bin");
    const result = await install([], {
      HOME: home,
      NORC_INSTALL_DIR: dir,
      NORC_INSTALL_BASE_URL: `${server.url.origin}/bad`,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("checksum mismatch");
    expect(result.stderr).toContain("nothing installed");
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  }, 60_000);

  test("refuses to install when neither sha256sum nor shasum exists", async () => {
    const home = freshHome("home-nosum");
    const tools = join(work.path, "tools-without-sha256");
    mkdirSync(tools);
    for (const dir of ["/usr/local/bin", "/usr/bin", "/bin"]) {
      for (const name of existsSync(dir) ? readdirSync(dir) : []) {
        if (["sha256sum", "shasum"].includes(name) || existsSync(join(tools, name))) continue;
        symlinkSync(join(dir, name), join(tools, name));
      }
    }
    const result = await install([], { HOME: home, PATH: tools });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("no checksum tool (sha256sum or shasum) found");
    expect(existsSync(join(home, ".local/bin/norc-server"))).toBe(false);
    expect(requested).toEqual([]);
  }, 60_000);

  test("downloads from the latest release by default, from .../download/<tag> with NORC_VERSION", async () => {
    // A curl stand-in that records the URL and fails, so nothing leaves the machine.
    const tools = join(work.path, "tools-fake-curl");
    mkdirSync(tools);
    const log = join(tools, "urls");
    writeFileSync(
      join(tools, "curl"),
      `#!/bin/sh\nfor a; do last=$a; done\necho "$last" >> "${log}"\nexit 22\n`,
      {
        mode: 0o755,
      },
    );
    const env = {
      HOME: freshHome("home-urls"),
      PATH: `${tools}:${process.env.PATH}`,
      NORC_INSTALL_BASE_URL: "",
    };
    const asset = archiveName(hostReleaseTarget());
    const latest = await install([], env);
    const tagged = await install([], { ...env, NORC_VERSION: "v0.1.0" });
    const bare = await install([], { ...env, NORC_VERSION: "0.2.0" });
    expect([latest.exitCode, tagged.exitCode, bare.exitCode]).toEqual([1, 1, 1]);
    expect(readFileSync(log, "utf8").split("\n")).toEqual([
      `https://github.com/navatron/norc-server/releases/latest/download/${asset}`,
      `https://github.com/navatron/norc-server/releases/download/v0.1.0/${asset}`,
      `https://github.com/navatron/norc-server/releases/download/v0.2.0/${asset}`,
      "",
    ]);
    expect(tagged.stderr).toContain("cannot download");
  });

  test("NORC_INSTALL_TARGET forces the archive; an unknown one is refused before any download", async () => {
    const home = freshHome("home-target");
    const forced = await install([], { HOME: home, NORC_INSTALL_TARGET: hostReleaseTarget().name });
    expect(forced.exitCode).toBe(0);
    expect(requested).toEqual([`/good/${archiveName(hostReleaseTarget())}`, "/good/SHA256SUMS"]);
    const unknown = await install([], {
      HOME: freshHome("home-target-bad"),
      NORC_INSTALL_TARGET: "windows-x64",
    });
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain(
      "NORC_INSTALL_TARGET=windows-x64 is not a target this script installs; use one of: linux-x64 linux-x64-baseline",
    );
    expect(requested).toEqual([]);
  }, 60_000);

  test("an unknown argument is refused with the usage", async () => {
    const result = await install(["--bogus"], { HOME: freshHome("home-usage") });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("usage: install.sh [--uninstall] [--help]");
  });

  test.skipIf(!canUse("shellcheck", "the shellcheck check"))("shellcheck reports nothing", async () => {
    const result = await $`shellcheck ${INSTALL_SH}`.nothrow().quiet();
    expect(result.stdout.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });
});
