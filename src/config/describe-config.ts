import { formatHostPort } from "../util/host-port.ts";
import { clusterInstanceName } from "./cluster-settings.ts";
import { redactUrl } from "./cluster-url.ts";
import type { Config } from "./schema.ts";

/** One line on what a config does: where it listens, TLS, where logs go, and its cluster (password redacted). */
export function describeConfig(config: Config): string {
  const { network, tls, logging } = config;
  const certificate = tls.cert_file ? `certificate ${tls.cert_file}` : "generated self-signed certificate";
  const clients = tls.require_client_certs ? ", client certificates required" : "";
  const tlsText = tls.enabled ? `TLS on (${certificate}, min ${tls.min_version}${clients})` : "TLS off";
  const logTo = logging.file ? `log to ${logging.file}` : "log to stdout";
  const cluster = config.cluster.enabled
    ? `, cluster instance ${clusterInstanceName(config)} on ${redactUrl(config.cluster.database_url ?? "")}`
    : "";
  return `listen ${formatHostPort(network.bind_address, network.port)}, ${tlsText}, ${logTo} (${logging.format}, ${logging.level})${cluster}`;
}
