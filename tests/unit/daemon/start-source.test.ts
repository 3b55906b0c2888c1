import { describe, expect, test } from "bun:test";
import type { StartRecord } from "../../../src/daemon/control-protocol.ts";
import { describeSource, startSourceOf } from "../../../src/daemon/start-source.ts";

const record = (extra: Partial<StartRecord> = {}): StartRecord => ({
  argv: ["-c", "config.toml", "-p", "9000", "--log-level=info"],
  cwd: "/srv/norc",
  daemon: true,
  env: { NORC_NETWORK_BIND_ADDRESS: "127.0.0.1" },
  ...extra,
});

describe("startSourceOf", () => {
  test("reuses the recorded arguments, directory and NORC_* variables; this shell's NORC_* are replaced", () => {
    const current = { PATH: "/bin", NORC_NETWORK_PORT: "1", NORC_DAEMON_PID_FILE: "/run/n.pid" };
    expect(startSourceOf(record(), {}, current)).toEqual({
      argv: ["-c", "config.toml", "-p", "9000", "--log-level=info"],
      cwd: "/srv/norc",
      env: { PATH: "/bin", NORC_NETWORK_BIND_ADDRESS: "127.0.0.1" },
    });
  });

  test("flags given to restart replace the recorded ones of the same key, in any spelling", () => {
    const source = startSourceOf(record(), { "network.port": "9444", "logging.level": "debug" }, {});
    expect(source.argv).toEqual(["-c", "config.toml", "--port=9444", "--log-level=debug"]);
    const again = startSourceOf({ ...record(), argv: source.argv }, { "network.port": "9555" }, {});
    expect(again.argv).toEqual(["-c", "config.toml", "--log-level=debug", "--port=9555"]);
  });

  test("an instance that recorded no environment (an older version) keeps this shell's", () => {
    const source = startSourceOf(record({ env: undefined }), {}, { NORC_NETWORK_PORT: "1" });
    expect(source.env).toEqual({ NORC_NETWORK_PORT: "1" });
  });

  test("describeSource names the command, directory and variables", () => {
    expect(describeSource(startSourceOf(record(), {}, { PATH: "/bin" }))).toBe(
      "start -c config.toml -p 9000 --log-level=info in /srv/norc, NORC_NETWORK_BIND_ADDRESS=127.0.0.1",
    );
  });
});
