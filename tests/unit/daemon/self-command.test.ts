import { expect, test } from "bun:test";
import { withoutDaemonFlag } from "../../../src/daemon/self-command.ts";

test.each([
  [
    ["start", "-d", "-c", "x.toml"],
    ["start", "-c", "x.toml"],
  ],
  [
    ["--daemon", "--port", "9000"],
    ["--port", "9000"],
  ],
  [
    ["-dc", "x.toml"],
    ["-c", "x.toml"],
  ],
  [
    ["start", "--config", "-d.toml"],
    ["start", "--config", "-d.toml"],
  ],
])("withoutDaemonFlag(%p) = %p", (args, expected) => {
  expect(withoutDaemonFlag(args)).toEqual(expected);
});
