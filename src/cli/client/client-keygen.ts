import { createKeyFile, describeKeys, KeyFileError } from "../../client/key-file.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { print, say } from "../output.ts";

/** `client keygen -o FILE`: a new Ed25519 device key (0600); prints its device id and public key. */
export function clientKeygen(args: Record<string, unknown>): number {
  const path = args.output;
  if (typeof path !== "string" || path === "" || path === "-") {
    throw new NorcError(
      "client keygen needs -o FILE (the key is written to a 0600 file, never to stdout)",
      ExitCode.usage,
    );
  }
  let shown: ReturnType<typeof describeKeys>;
  try {
    shown = describeKeys(createKeyFile(path));
  } catch (error) {
    if (error instanceof KeyFileError) throw new NorcError(error.message);
    throw error;
  }
  if (args.json === true) {
    print(JSON.stringify({ key_file: path, device_id: shown.deviceId, public_key: shown.publicKey }));
  } else print(`device id:  ${shown.deviceId}\npublic key: ${shown.publicKey}`);
  say(
    `wrote ${path} (mode 0600). Register it: norc-server client register --key ${path} --user USER, or have the operator run: norc-server device add --public-key ${shown.publicKey} --user USER`,
  );
  return ExitCode.ok;
}
