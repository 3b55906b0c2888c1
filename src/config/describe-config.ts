import { formatHostPort } from "../util/host-port.ts";
import type { Config } from "./schema.ts";

/** One line on what a config does: where it listens, TLS, and where logs go. */
export function describeConfig(config: Config): string {
  const { network, tls, logging } = config;
  const certificate = tls.cert_file ? `certificate ${tls.cert_file}` : "generated self-signed certificate";
  const clients = tls.require_client_certs ? ", client certificates required" : "";
  const tlsText = tls.enabled ? `TLS on (${certificate}, min ${tls.min_version}${clients})` : "TLS off";
  const logTo = logging.file ? `log to ${logging.file}` : "log to stdout";
  return `listen ${formatHostPort(network.bind_address, network.port)}, ${tlsText}, ${logTo} (${logging.format}, ${logging.level})`;
}
