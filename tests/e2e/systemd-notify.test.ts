import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BINARY, cleanEnv, runBinary } from "../helpers/binary.ts";
import {
  cleanupInstances,
  cli,
  eventually,
  isRunning,
  pidFromFile,
  withInstance,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";
import { startServer } from "../helpers/server-process.ts";

afterEach(cleanupInstances);

const python = Bun.which("python3");
const SUPERVISED = "auto_restart = true\nrestart_cooldown_secs = 1\nmax_restarts = 2\n";

/** Binds a unix datagram socket (what systemd listens on) with python3 and collects each message. */
function notifySocket(path: string) {
  const script = [
    "import socket,sys",
    "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)",
    "s.bind(sys.argv[1])",
    "print('bound',flush=True)",
    "while True: print(s.recv(4096).decode().replace('\\n','|'),flush=True)",
  ].join("\n");
  const child = Bun.spawn([python ?? "python3", "-c", script, path], { stdout: "pipe", stderr: "inherit" });
  const messages: string[] = [];
  void (async () => {
    let rest = "";
    for await (const chunk of child.stdout) {
      rest += new TextDecoder().decode(chunk);
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      messages.push(...lines);
    }
  })();
  return {
    messages,
    bound: () => eventually(() => messages.includes("bound"), 5000),
    close: () => child.kill(),
  };
}

describe.skipIf(python === null || process.platform !== "linux")(
  "systemd Type=notify (python3 plays systemd)",
  () => {
    test.each([
      ["without a supervisor", ""],
      ["with a supervisor", SUPERVISED],
    ])(
      "%s: READY=1 once listening, WATCHDOG=1 every half WATCHDOG_USEC, STOPPING=1 on SIGTERM",
      async (_name, extra) => {
        await withInstance("norc-notify-", async (dir, port) => {
          writeInstanceConfig(dir, port, extra);
          const socket = notifySocket(join(dir, "notify.sock"));
          try {
            expect(await socket.bound()).toBe(true);
            const env = cleanEnv({ NOTIFY_SOCKET: join(dir, "notify.sock"), WATCHDOG_USEC: "400000" });
            const server = startServer(["start"], { cwd: dir, env });
            try {
              const ready = () => socket.messages.find((message) => message.startsWith("READY=1"));
              expect(await eventually(() => ready() !== undefined, 15_000)).toBe(true);
              expect(ready()).toBe(
                `READY=1|STATUS=listening on 127.0.0.1:${port}|MAINPID=${server.child.pid}`,
              );
              const pings = () => socket.messages.filter((message) => message === "WATCHDOG=1").length;
              expect(await eventually(() => pings() >= 3, 10_000)).toBe(true);
              server.child.kill("SIGTERM");
              expect(await server.child.exited).toBe(0);
              expect(await eventually(() => socket.messages.includes("STOPPING=1"), 5000)).toBe(true);
            } finally {
              await server.kill();
            }
          } finally {
            socket.close();
          }
        });
      },
      60_000,
    );

    test("a supervisor withholds WATCHDOG=1 while its worker does not answer the heartbeat", async () => {
      await withInstance("norc-notify-", async (dir, port) => {
        writeInstanceConfig(dir, port, SUPERVISED);
        const socket = notifySocket(join(dir, "notify.sock"));
        try {
          expect(await socket.bound()).toBe(true);
          const env = cleanEnv({ NOTIFY_SOCKET: join(dir, "notify.sock"), WATCHDOG_USEC: "200000" });
          const server = startServer(["start"], { cwd: dir, env });
          try {
            const pings = () => socket.messages.filter((message) => message === "WATCHDOG=1").length;
            expect(await eventually(() => pings() >= 3, 15_000)).toBe(true);
            const { worker_pid } = JSON.parse((await cli(dir, "status", "--json")).stdout);
            process.kill(worker_pid, "SIGSTOP");
            const silent = async () =>
              JSON.parse((await cli(dir, "status", "--json")).stdout).worker_responding === false;
            expect(await eventually(silent, 15_000)).toBe(true);
            const before = pings();
            await Bun.sleep(1000); // five watchdog intervals
            expect(pings()).toBe(before);
            process.kill(worker_pid, "SIGCONT");
            expect(await eventually(() => pings() > before, 10_000)).toBe(true);
          } finally {
            await server.kill();
          }
        } finally {
          socket.close();
        }
      });
    }, 60_000);
  },
);

/** Runs `command` (a shell line) from a shell named "systemd", with a unit's INVOCATION_ID: what systemd would do. */
async function underFakeSystemd(dir: string, command: string): Promise<{ exitCode: number; stderr: string }> {
  const fake = join(dir, "fake-systemd");
  mkdirSync(fake, { recursive: true });
  copyFileSync("/bin/sh", join(fake, "systemd"));
  // "; true": the shell stays the parent instead of exec'ing the command
  const child = Bun.spawn([join(fake, "systemd"), "-c", `${command}; status=$?; true; exit $status`], {
    cwd: dir,
    env: cleanEnv({ INVOCATION_ID: "0123456789abcdef0123456789abcdef", BINARY }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return { exitCode, stderr };
}

describe.skipIf(process.platform !== "linux")("restart under a service manager", () => {
  test("an instance systemd started: restart refuses, says to use systemctl, and leaves it running", async () => {
    await withInstance("norc-notify-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const started = await underFakeSystemd(dir, '"$BINARY" start -d');
      expect(started.exitCode).toBe(0);
      const pid = pidFromFile(dir) ?? 0;
      const restart = await cli(dir, "restart");
      expect(restart.stderr).toContain(`norc-server (pid ${pid}) runs under systemd`);
      expect(restart.stderr).toContain('restart it with "systemctl restart');
      expect(restart.exitCode).toBe(1);
      expect(pidFromFile(dir)).toBe(pid);
      expect(isRunning(pid)).toBe(true);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  }, 60_000);

  test("restart run by systemd itself (ExecReload=...) refuses too; from a shell it restarts, INVOCATION_ID or not", async () => {
    await withInstance("norc-notify-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const pid = pidFromFile(dir) ?? 0;
      const refused = await underFakeSystemd(dir, '"$BINARY" restart');
      expect(refused.stderr).toContain("this command runs under systemd");
      expect(refused.exitCode).toBe(1);
      expect(pidFromFile(dir)).toBe(pid);
      // a terminal's shell may inherit INVOCATION_ID from a systemd user service: not a unit's process
      const env = cleanEnv({ INVOCATION_ID: "0123456789abcdef0123456789abcdef" });
      const restarted = await runBinary(["restart"], { cwd: dir, env, timeoutMs: 45_000 });
      expect(restarted.exitCode).toBe(0);
      expect(pidFromFile(dir)).not.toBe(pid);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  }, 60_000);
});
