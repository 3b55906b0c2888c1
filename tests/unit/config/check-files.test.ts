import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkConfigFiles } from "../../../src/config/load-config.ts";
import { type Config, defaultConfig } from "../../../src/config/schema.ts";
import { createSelfSignedCertificate } from "../../../src/server/tls/create-self-signed.ts";
import { tempDir } from "../../helpers/binary.ts";

let dir: { path: string; cleanup: () => void };
const at = (name: string) => join(dir.path, name);

/** A self-signed certificate `name.crt` and its key `name.key`, made in process (no openssl CLI). */
function makeCertificate(name: string, options: { validDays?: number; now?: Date } = {}): void {
  const made = createSelfSignedCertificate({
    commonName: name,
    dnsNames: [],
    ipAddresses: [],
    validDays: options.validDays ?? 1,
    now: options.now,
  });
  writeFileSync(at(`${name}.crt`), made.certPem);
  writeFileSync(at(`${name}.key`), made.keyPem, { mode: 0o600 });
}

/** The defaults with every path inside the temp dir, plus `change`. */
function config(change: (c: Config) => void = () => {}): Config {
  const c = defaultConfig();
  c.storage.data_dir = at("data");
  c.daemon.pid_file = at("norc-server.pid");
  change(c);
  return c;
}

beforeAll(() => {
  dir = tempDir("norc-check-");
  makeCertificate("a");
  makeCertificate("b");
  writeFileSync(at("junk.pem"), "not a certificate\n");
  writeFileSync(at("plain-file"), "");
});
afterAll(() => dir.cleanup());

describe("checkConfigFiles", () => {
  test("defaults in a writable directory: no problems, and nothing created", async () => {
    const before = readdirSync(dir.path).sort();
    expect(await checkConfigFiles(config((c) => (c.logging.file = at("logs/deep/server.log"))))).toEqual([]);
    expect(readdirSync(dir.path).sort()).toEqual(before);
  });

  test("a matching certificate, key and CA pass", async () => {
    const ok = config((c) => {
      c.tls.cert_file = at("a.crt");
      c.tls.key_file = at("a.key");
      c.tls.ca_file = at("b.crt");
    });
    expect(await checkConfigFiles(ok)).toEqual([]);
  });

  test("a missing certificate names the key, the path, the errno and the fix", async () => {
    const problems = await checkConfigFiles(
      config((c) => {
        c.tls.cert_file = at("missing.crt");
        c.tls.key_file = at("a.key");
      }),
    );
    expect(problems).toEqual([
      `tls.cert_file: cannot read "${at("missing.crt")}" (ENOENT): create it or fix the path, or remove tls.cert_file and tls.key_file to use a generated self-signed certificate`,
    ]);
  });

  test("a key that does not match the certificate, and files that are not PEM", async () => {
    const problems = await checkConfigFiles(
      config((c) => {
        c.tls.cert_file = at("a.crt");
        c.tls.key_file = at("b.key");
        c.tls.ca_file = at("junk.pem");
      }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      `tls.key_file: "${at("b.key")}" does not match the certificate in "${at("a.crt")}": use the key the certificate was issued for`,
    );
    expect(problems[1]).toStartWith(`tls.ca_file: "${at("junk.pem")}" is not a PEM certificate (`);
  });

  test("an encrypted key is named as such, with how to decrypt it", async () => {
    const key = createPrivateKey(readFileSync(at("a.key")));
    const pem = key.export({ type: "pkcs8", format: "pem", cipher: "aes-128-cbc", passphrase: "secret" });
    writeFileSync(at("enc.key"), pem);
    const problems = await checkConfigFiles(
      config((c) => {
        c.tls.cert_file = at("a.crt");
        c.tls.key_file = at("enc.key");
      }),
    );
    expect(problems).toEqual([
      `tls.key_file: "${at("enc.key")}" is not an unencrypted PEM private key (ERR_MISSING_PASSPHRASE): it is encrypted: decrypt it (openssl pkey -in "${at("enc.key")}" -out server.key) and point tls.key_file at the result`,
    ]);
  });

  test("an expired certificate is a problem (as it is for start)", async () => {
    makeCertificate("old", { validDays: 1, now: new Date(Date.now() - 3 * 86_400_000) });
    const problems = await checkConfigFiles(
      config((c) => {
        c.tls.cert_file = at("old.crt");
        c.tls.key_file = at("old.key");
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^tls\\.cert_file: "${at("old.crt")}" expired on .+ GMT: renew the certificate$`),
    );
  });

  test("TLS files are not checked when TLS is off", async () => {
    const off = config((c) => {
      c.tls.enabled = false;
      c.tls.cert_file = at("missing.crt");
      c.tls.key_file = at("missing.key");
    });
    expect(await checkConfigFiles(off)).toEqual([]);
  });

  test("directories under a plain file cannot be created", async () => {
    const problems = await checkConfigFiles(
      config((c) => {
        c.storage.data_dir = at("plain-file/data");
        c.daemon.pid_file = at("plain-file/run/x.pid");
        c.daemon.working_dir = at("plain-file");
      }),
    );
    expect(problems).toEqual([
      `storage.data_dir: cannot use "${at("plain-file/data")}" (ENOTDIR: "${at("plain-file")}" is not a directory): create it, fix its permissions, or choose another path`,
      `daemon.pid_file: cannot use "${at("plain-file/run")}" (ENOTDIR: "${at("plain-file")}" is not a directory): create it, fix its permissions, or choose another path`,
      `daemon.working_dir: "${at("plain-file")}" is not a directory (ENOTDIR): fix the path`,
    ]);
  });

  test("a log or PID file path that is a directory is a problem, with a file path to give instead", async () => {
    mkdirSync(at("logdir"), { recursive: true });
    const problems = await checkConfigFiles(
      config((c) => {
        c.logging.file = at("logdir");
        c.daemon.pid_file = at("logdir");
      }),
    );
    expect(problems).toEqual([
      `logging.file: "${at("logdir")}" is a directory (EISDIR): give the path of a file in it, e.g. "${join(at("logdir"), "server.log")}"`,
      `daemon.pid_file: "${at("logdir")}" is a directory (EISDIR): give the path of a file in it, e.g. "${join(at("logdir"), "norc-server.pid")}"`,
    ]);
  });

  test.skipIf(process.platform === "win32")("an unknown daemon user and group are problems", async () => {
    const problems = await checkConfigFiles(
      config((c) => {
        c.daemon.user = "no-such-user-norc";
        c.daemon.group = "no-such-group-norc";
      }),
    );
    expect(problems).toEqual([
      'daemon.user: no user "no-such-user-norc" on this system: create it (useradd --system no-such-user-norc) or fix the name',
      'daemon.group: no group "no-such-group-norc" on this system: create it (groupadd --system no-such-group-norc) or fix the name',
    ]);
  });

  const asRoot = process.getuid?.() === 0;

  test.skipIf(asRoot || process.platform === "win32")(
    "a read-only parent directory is EACCES (non-root)",
    async () => {
      mkdirSync(at("locked"), { recursive: true });
      chmodSync(at("locked"), 0o555);
      const problems = await checkConfigFiles(config((c) => (c.storage.data_dir = at("locked/data"))));
      expect(problems).toEqual([
        `storage.data_dir: cannot create or write to "${at("locked/data")}" (EACCES on "${at("locked")}"): create it, fix its permissions, or choose another path`,
      ]);
    },
  );

  test.skipIf(asRoot || process.platform === "win32")(
    "switching to another user needs root (non-root)",
    async () => {
      expect(await checkConfigFiles(config((c) => (c.daemon.user = "root")))).toEqual([
        'daemon.user: switching to user "root" needs root (EPERM): start the server as root, or remove daemon.user',
      ]);
    },
  );
});
