import { expect, test } from "bun:test";
import { renameSync } from "node:fs";
import { connectNcp } from "../../../src/client/ncp-client.ts";
import { freePort, tempDir } from "../../helpers/binary.ts";
import { writeConfig } from "../../helpers/server-config.ts";
import { startServer } from "../../helpers/server-process.ts";
import { connectClient, within } from "../../helpers/tcp-client.ts";
import { tlsClient } from "../../helpers/tls-client.ts";
import { fingerprintOf, makeTlsFiles, signedCertificate } from "../../helpers/tls-material.ts";
import { hasTool } from "../../helpers/tools.ts";

const openssl = hasTool(
  "openssl",
  "the live TLS reload test (openssl makes its certificates and is its client)",
);

async function servedFingerprint(port: number): Promise<string> {
  const client = tlsClient(port, ["-showcerts"]);
  try {
    await client.waitFor(/-----END CERTIFICATE-----/);
    return await fingerprintOf(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(client.output())?.[0] ?? "",
    );
  } finally {
    await client.kill();
  }
}

test.skipIf(!openssl)(
  "SIGHUP applies level, port and certificate live; a broken file is rejected; SIGTERM exits 0",
  async () => {
    const dir = tempDir("norc-reload-");
    const files = await makeTlsFiles(dir.path);
    const [newCert, newKey] = await signedCertificate(dir.path, "renewed", "localhost");
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    const network = { bind_address: "127.0.0.1", shutdown_timeout_secs: 10 };
    await writeConfig(dir.path, {
      network: { ...network, port: firstPort },
      tls: { cert_file: files.serverCert, key_file: files.serverKey },
      logging: { level: "info" },
    });
    const server = startServer(["start"], { cwd: dir.path });
    try {
      await server.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${firstPort} `));
      const early = await connectNcp({ host: "127.0.0.1", port: firstPort, tls: { insecure: true } });
      expect(await servedFingerprint(firstPort)).toBe(
        await fingerprintOf(await Bun.file(files.serverCert).text()),
      );

      await writeConfig(dir.path, {
        network: { ...network, port: secondPort },
        tls: { cert_file: newCert, key_file: newKey },
        logging: { level: "debug" },
      });
      server.child.kill("SIGHUP");
      await server.waitFor(
        /configuration reloaded: changed network\.port, tls\.cert_file, tls\.key_file, logging\.level/,
      );
      await server.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${secondPort} `));
      expect(await servedFingerprint(secondPort)).toBe(await fingerprintOf(await Bun.file(newCert).text()));
      await server.waitFor(/DEBUG .*accepted connection from/);
      expect(
        await connectClient(firstPort).then(
          () => "connected",
          () => "refused",
        ),
      ).toBe("refused");
      expect(early.endedBy()).toBeUndefined();
      await early.ping();

      await Bun.write(`${dir.path}/config.toml`, "[network\nport = 1\n");
      server.child.kill("SIGHUP");
      await server.waitFor(/ERROR .*reload rejected/);
      expect(await servedFingerprint(secondPort)).toBe(await fingerprintOf(await Bun.file(newCert).text()));
      expect(early.endedBy()).toBeUndefined();

      server.child.kill("SIGTERM");
      expect(await within(server.child.exited, 15_000, "exit after SIGTERM")).toBe(0);
      expect(server.output()).toContain("SIGTERM: graceful shutdown");
      expect(server.output()).toMatch(
        /server stopped: 1 connection finished on their own, 0 closed by the server/,
      );
      await within(early.closed, 5_000, "the early connection to be closed at shutdown");
      expect(early.endedBy()?.code).toBe(501);
    } finally {
      await server.kill();
      dir.cleanup();
    }
  },
);

test("SIGQUIT closes every connection at once and exits 0", async () => {
  const dir = tempDir("norc-quit-");
  await writeConfig(dir.path, {
    network: { bind_address: "127.0.0.1", port: 0 },
    tls: { enabled: false },
    logging: { level: "debug" },
  });
  const server = startServer(["start"], { cwd: dir.path });
  try {
    const line = await server.waitFor(/listening on/);
    const client = await connectClient(Number(/:(\d+) \(/.exec(line)?.[1]));
    await server.waitFor(/accepted connection from/);
    server.child.kill("SIGQUIT");
    expect(await within(server.child.exited, 10_000, "exit after SIGQUIT")).toBe(0);
    await within(client.closed, 5_000, "connection closed");
    expect(server.output()).toContain("closing 1 connection now");
  } finally {
    await server.kill();
    dir.cleanup();
  }
});

test("SIGUSR1 reopens the log file after it was moved away", async () => {
  const dir = tempDir("norc-usr1-");
  const logFile = `${dir.path}/server.log`;
  await writeConfig(dir.path, {
    network: { bind_address: "127.0.0.1", port: 0 },
    tls: { enabled: false },
    logging: { file: logFile },
  });
  const server = startServer(["start"], { cwd: dir.path });
  try {
    const readLog = (path: string) =>
      Bun.file(path)
        .text()
        .catch(() => "");
    for (let waited = 0; !(await readLog(logFile)).includes("listening on"); waited += 20) {
      if (waited > 10_000) throw new Error(`no listening line in ${logFile}:\n${server.output()}`);
      await Bun.sleep(20);
    }
    renameSync(logFile, `${logFile}.1`);
    server.child.kill("SIGUSR1");
    for (let waited = 0; !(await readLog(logFile)).includes("SIGUSR1: log file reopened"); waited += 20) {
      if (waited > 10_000) throw new Error(`the log file was not reopened:\n${server.output()}`);
      await Bun.sleep(20);
    }
    server.child.kill("SIGTERM");
    expect(await within(server.child.exited, 10_000, "exit after SIGTERM")).toBe(0);
    expect(await readLog(`${logFile}.1`)).toContain("listening on");
    const reopened = await readLog(logFile);
    expect(reopened).toContain("server stopped");
    expect(reopened).not.toContain("listening on");
  } finally {
    await server.kill();
    dir.cleanup();
  }
});
