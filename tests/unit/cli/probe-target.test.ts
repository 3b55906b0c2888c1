import { expect, test } from "bun:test";
import { localAddress, parseTarget, probeOptions } from "../../../src/cli/probe-target.ts";
import { defaultConfig } from "../../../src/config/schema.ts";

test("targets: host:port, [v6]:port, host alone takes the config port; bad ones are usage errors", () => {
  expect(parseTarget("127.0.0.1:9444", 8443)).toEqual({ host: "127.0.0.1", port: 9444 });
  expect(parseTarget("[::1]:9444", 8443)).toEqual({ host: "::1", port: 9444 });
  expect(parseTarget("example.org", 8443)).toEqual({ host: "example.org", port: 8443 });
  expect(() => parseTarget("host:99999", 8443)).toThrow(/HOST:PORT/);
  expect(() => parseTarget("a:b:c", 8443)).toThrow(/HOST:PORT/);
});

test("wildcard bind addresses probe loopback", () => {
  expect(localAddress("0.0.0.0")).toBe("127.0.0.1");
  expect(localAddress("::")).toBe("::1");
  expect(localAddress("10.0.0.5")).toBe("10.0.0.5");
});

test("defaults follow the config: TLS on unless --plain; --insecure and --pin pass through", () => {
  const config = defaultConfig();
  const tls = probeOptions({ insecure: true, plain: false, pin: "ab".repeat(32) }, config);
  expect(tls).toMatchObject({ host: "127.0.0.1", port: 8443, pin: "ab".repeat(32), tls: { insecure: true } });
  expect(probeOptions({ insecure: false, plain: true }, config).tls).toBeUndefined();
  config.tls.enabled = false;
  expect(probeOptions({ target: "[::1]:1", insecure: false, plain: false }, config)).toMatchObject({
    host: "::1",
    port: 1,
  });
  expect(probeOptions({ insecure: false, plain: false, ca: "/ca.pem" }, config).tls?.caFile).toBe("/ca.pem");
});

test("with no target, a config listening on port 0 is a usage error that says to give the address", () => {
  const config = defaultConfig();
  config.network.port = 0;
  expect(() => probeOptions({ insecure: true, plain: false }, config)).toThrow(
    "network.port is 0 (any free port)",
  );
  expect(probeOptions({ target: "127.0.0.1:9444", insecure: true, plain: false }, config).port).toBe(9444);
});
