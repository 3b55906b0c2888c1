import { describe, expect, test } from "bun:test";
import { keyLines, lineOf, splitAtHeaders } from "../../../src/config/toml-lines.ts";

const TEXT = [
  "top = 1", // 1
  "[network] # listener", // 2
  "port = 8443", // 3
  '"bind_address" = "::"', // 4
  "[tls]", // 5
  'cert_file = """', // 6
  "[not-a-table]", // 7
  "port = 1", // 8
  '"""', // 9
  "  min_version  =  '1.3'", // 10
  "logging.level = 'debug'", // 11
  "metrics = { port = 1 }", // 12
].join("\n");

describe("keyLines", () => {
  test("finds table headers, plain, quoted and dotted keys, and skips multi-line string content", () => {
    const lines = keyLines(TEXT);
    expect(Object.fromEntries(lines)).toEqual({
      top: 1,
      network: 2,
      "network.port": 3,
      "network.bind_address": 4,
      tls: 5,
      "tls.cert_file": 6,
      "tls.min_version": 10,
      "tls.logging.level": 11,
      "tls.metrics": 12,
    });
  });

  test("lineOf falls back to the nearest written parent (keys of inline tables)", () => {
    const lines = keyLines(TEXT);
    expect(lineOf(lines, ["tls", "metrics", "port"])).toBe(12);
    expect(lineOf(lines, ["network", "missing"])).toBe(2);
    expect(lineOf(lines, ["storage", "data_dir"])).toBeUndefined();
  });
});

describe("splitAtHeaders", () => {
  test("cuts before each header outside strings, keeping first lines", () => {
    const chunks = splitAtHeaders(TEXT);
    expect(chunks.map((chunk) => chunk.firstLine)).toEqual([1, 2, 5]);
    expect(chunks.map((chunk) => chunk.text).join("")).toBe(`${TEXT}\n`);
  });
});
