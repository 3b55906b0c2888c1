import { describe, expect, test } from "bun:test";
import { formatLine, SUPERVISOR_TARGET } from "../../../src/log/format-line.ts";

const date = new Date("2024-01-01T12:00:00.000Z");
const started = { date, level: "info" as const, message: "Server started" };

describe("formatLine", () => {
  test("json is exactly the seed README line", () => {
    expect(formatLine("json", started)).toBe(
      '{"timestamp":"2024-01-01T12:00:00.000Z","level":"INFO","target":"norc_server","message":"Server started"}\n',
    );
  });

  test("pretty is exactly the seed README line, levels right-aligned to 5 like tracing", () => {
    expect(formatLine("pretty", started)).toBe(
      "2024-01-01T12:00:00.000Z  INFO norc_server: Server started\n",
    );
    expect(formatLine("pretty", { ...started, level: "warn" })).toStartWith(
      "2024-01-01T12:00:00.000Z  WARN ",
    );
    expect(formatLine("pretty", { ...started, level: "error" })).toStartWith(
      "2024-01-01T12:00:00.000Z ERROR ",
    );
    expect(formatLine("pretty", { ...started, level: "debug" })).toStartWith(
      "2024-01-01T12:00:00.000Z DEBUG ",
    );
    expect(formatLine("pretty", { ...started, level: "trace" })).toStartWith(
      "2024-01-01T12:00:00.000Z TRACE ",
    );
  });

  test("compact is exactly the seed README line, with no timestamp", () => {
    expect(formatLine("compact", started)).toBe("INFO Server started\n");
    expect(formatLine("compact", { ...started, level: "error" })).toBe("ERROR Server started\n");
  });

  test("a supervisor line carries its own target in every format", () => {
    const line = { ...started, message: "worker ready", target: SUPERVISOR_TARGET };
    expect(JSON.parse(formatLine("json", line)).target).toBe("norc_server::supervisor");
    expect(formatLine("pretty", line)).toBe(
      "2024-01-01T12:00:00.000Z  INFO norc_server::supervisor: worker ready\n",
    );
    expect(formatLine("compact", line)).toBe("INFO norc_server::supervisor: worker ready\n");
  });

  test("json fields follow the fixed keys; a field named like a used key gets _ prefixes until free", () => {
    const fields = { port: 8443, message: "mine", _message: "taken", level: "x" };
    const line = formatLine("json", { ...started, fields });
    expect(Object.keys(JSON.parse(line))).toEqual([
      "timestamp",
      "level",
      "target",
      "message",
      "port",
      "_message",
      "__message",
      "_level",
    ]);
    expect(JSON.parse(line)).toMatchObject({ message: "Server started", level: "INFO", port: 8443 });
    expect(JSON.parse(line)).toMatchObject({ _message: "mine", __message: "taken", _level: "x" });
  });

  test("json values: bigint as string, Error as text, undefined as null, cycles do not throw", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const fields = {
      big: 2n ** 70n,
      err: new TypeError("bad"),
      gone: undefined,
      nested: { e: new Error("x") },
      cyclic,
    };
    const parsed = JSON.parse(formatLine("json", { ...started, fields }));
    expect(parsed.big).toBe("1180591620717411303424");
    expect(parsed.err).toBe("TypeError: bad");
    expect(parsed.gone).toBeNull();
    expect(parsed.nested).toEqual({ e: "Error: x" });
    expect(parsed.cyclic).toStartWith("[unserialisable");
  });

  test("pretty and compact append fields as key=value, quoting only when needed", () => {
    const fields = { peer: "127.0.0.1:5000", count: 3, note: "two words", empty: "" };
    expect(formatLine("compact", { ...started, fields })).toBe(
      'INFO Server started peer=127.0.0.1:5000 count=3 note="two words" empty=""\n',
    );
    expect(formatLine("pretty", { ...started, fields })).toEndWith(
      'norc_server: Server started peer=127.0.0.1:5000 count=3 note="two words" empty=""\n',
    );
  });

  test("a message or value with newlines or escapes stays one line", () => {
    const entry = { ...started, message: "a\nb\r\u001b[31mc", fields: { v: "x\ny" } };
    for (const format of ["json", "pretty", "compact"] as const) {
      const line = formatLine(format, entry);
      expect(line.split("\n")).toHaveLength(2);
      expect(line).not.toContain("\u001b");
    }
    expect(formatLine("compact", entry)).toBe('INFO a\\nb\\r\\u001b[31mc v="x\\ny"\n');
  });
});
