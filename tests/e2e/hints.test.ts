import { afterEach, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createSelfSignedCertificate } from "../../src/server/tls/create-self-signed.ts";
import { BINARY, cleanEnv, freePort, runBinary } from "../helpers/binary.ts";
import { cleanupInstances, cli, instanceDir } from "../helpers/daemon-instance.ts";
import { startServer } from "../helpers/server-process.ts";

afterEach(cleanupInstances);

// Issue 12, defect 9: four failures whose hint pointed at the wrong thing.

function writeCertificate(dir: string): { cert: string; key: string } {
  const made = createSelfSignedCertificate({
    commonName: "localhost",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    validDays: 365,
  });
  const cert = join(dir, "server.crt");
  const key = join(dir, "server.key");
  writeFileSync(cert, made.certPem);
  writeFileSync(key, made.keyPem, { mode: 0o600 });
  return { cert, key };
}

test("a metrics port in use names metrics.port, not network.port", async () => {
  const dir = instanceDir("norc-hints-");
  const metricsPort = await freePort();
  const holder = createServer().listen(metricsPort, "127.0.0.1");
  try {
    const config = `[network]\nbind_address = "127.0.0.1"\nport = 0\n[tls]\nenabled = false\n[metrics]\nenabled = true\nport = ${metricsPort}\n`;
    writeFileSync(join(dir, "config.toml"), config);
    const result = await cli(dir, "start");
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain(
      `error: cannot listen on 127.0.0.1:${metricsPort}: address already in use (EADDRINUSE): stop the process using port ${metricsPort} (ss -ltnp 'sport = :${metricsPort}' shows it), or set another metrics.port\n`,
    );
    expect(result.stderr).not.toContain("network.port");
  } finally {
    holder.close();
  }
}, 30_000);

test("metrics on the NORC port is said to collide with the server's own listener", async () => {
  const dir = instanceDir("norc-hints-");
  const port = await freePort();
  const config = `[network]\nbind_address = "127.0.0.1"\nport = ${port}\n[tls]\nenabled = false\n[metrics]\nenabled = true\nport = ${port}\n`;
  writeFileSync(join(dir, "config.toml"), config);
  const result = await cli(dir, "start");
  expect(result.exitCode).toBe(75);
  expect(result.stderr).toContain(
    `this server's own NORC listener holds 127.0.0.1:${port}: set metrics.port to a port other than network.port`,
  );
}, 30_000);

test("swapped cert_file and key_file are named as swapped, by validate-config and start alike", async () => {
  const dir = instanceDir("norc-hints-");
  const { cert, key } = writeCertificate(dir);
  writeFileSync(join(dir, "config.toml"), `[tls]\ncert_file = "${key}"\nkey_file = "${cert}"\n`);
  const line = `tls.cert_file, tls.key_file: swapped: "${key}" holds the private key and "${cert}" the certificate: set cert_file = "${cert}" and key_file = "${key}"`;
  const validated = await cli(dir, "validate-config");
  expect(validated.exitCode).toBe(78);
  expect(validated.stderr).toContain(`\n${line}\n`);
  expect(validated.stderr).not.toContain("give a PEM file");
  const started = await cli(dir, "start");
  expect(started.exitCode).toBe(78);
  expect(started.stderr).toContain(line);
}, 30_000);

test("a key the server may not read (EACCES) says so, not to create it", async () => {
  const dir = instanceDir("norc-hints-");
  chmodSync(dir, 0o755);
  const { cert, key } = writeCertificate(dir);
  chmodSync(cert, 0o644);
  chmodSync(key, 0o600);
  writeFileSync(join(dir, "config.toml"), `[tls]\ncert_file = "${cert}"\nkey_file = "${key}"\n`);
  chmodSync(join(dir, "config.toml"), 0o644);
  // as root every file is readable: run as nobody then
  const asRoot = process.getuid?.() === 0;
  if (!asRoot) chmodSync(key, 0o000);
  const prefix = asRoot ? ["runuser", "-u", "nobody", "--"] : [];
  const child = Bun.spawnSync([...prefix, BINARY, "validate-config"], { cwd: dir, env: cleanEnv() });
  const stderr = child.stderr.toString();
  expect(child.exitCode).toBe(78);
  const uid = asRoot ? Number(Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString()) : process.getuid?.();
  expect(stderr).toContain(
    `tls.key_file: cannot read "${key}" (EACCES): this user (uid ${uid}) may not read it: give the user the server runs as read access (chgrp <its group> "${key}" && chmod 640 "${key}"), or fix the path`,
  );
  const keyLine = stderr.split("\n").find((line) => line.startsWith("tls.key_file:"));
  expect(keyLine).not.toContain("create it");
}, 30_000);

test("a reload to the same port on another address says the server itself holds it, not to stop a process", async () => {
  const dir = instanceDir("norc-hints-");
  const port = await freePort("0.0.0.0");
  const config = (bind: string) =>
    `[network]\nbind_address = "${bind}"\nport = ${port}\n[tls]\nenabled = false\n[daemon]\npid_file = "./run/norc.pid"\n`;
  writeFileSync(join(dir, "config.toml"), config("0.0.0.0"));
  const server = startServer(["start"], { cwd: dir });
  try {
    await server.waitFor(/listening on 0\.0\.0\.0:/);
    writeFileSync(join(dir, "config.toml"), config("127.0.0.1"));
    const reload = await runBinary(["reload"], { cwd: dir, env: cleanEnv() });
    expect(reload.exitCode).toBe(78);
    expect(reload.stdout).toBe("reload rejected: the server keeps running with its previous configuration\n");
    expect(reload.stderr).toBe(
      `error: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE): this server's own NORC listener holds 0.0.0.0:${port}: a reload cannot move the listener to an overlapping address on the same port: restart the server (norc-server restart), or change network.port as well\n`,
    );
  } finally {
    await server.kill();
  }
}, 30_000);
