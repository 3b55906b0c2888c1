import { clusterInstanceName } from "../config/cluster-settings.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, NorcError } from "../errors.ts";
import { ClusterRouter } from "../relay/cluster-router.ts";
import { sendControl } from "./control-client.ts";
import type { DeviceReply, DeviceRequest } from "./device-admin.ts";
import { runDeviceRequest } from "./device-admin.ts";
import { findInstance } from "./find-instance.ts";
import { instancePaths } from "./instance-paths.ts";
import { openClusterStore } from "./open-cluster-store.ts";
import { openRelay } from "./open-relay.ts";
import { openStore } from "./open-store.ts";
import { relayEffects } from "./worker-admin.ts";

/**
 * Runs a device request where the devices live: through the control channel when the server of
 * this config runs (so it applies the change at once), on the store in data_dir when it does not
 * (in cluster mode: on the shared store, hinting the instance that holds the device).
 */
export async function deviceOnInstance(config: Config, request: DeviceRequest): Promise<DeviceReply> {
  const paths = instancePaths(config.daemon.pid_file);
  const found = await findInstance(paths);
  if (found.state === "running") {
    if (found.status === undefined) {
      throw new NorcError(
        `norc-server runs (pid ${found.pid}) but its control channel did not answer (${found.channelError ?? "no socket"}): try again, or stop the server and run this command again`,
        ExitCode.unavailable,
      );
    }
    const reply = await sendControl(paths.endpoint, { op: "device", request });
    if (!reply.ok) throw new NorcError(reply.error, reply.exitCode ?? ExitCode.failure);
    if (!("device" in reply))
      throw new NorcError("unexpected answer from the running server", ExitCode.failure);
    return reply.device;
  }
  if (config.cluster.enabled) return await deviceOnCluster(config, request);
  const store = openStore(config);
  try {
    // Offline, a relay over the store still sends the senders their status-3 receipts on revoke.
    const { relay } = openRelay(config, store);
    return await runDeviceRequest(store, request, Date.now(), relayEffects(relay));
  } finally {
    await store.close();
  }
}

/**
 * Cluster mode with no instance of this config running here: the request on the shared store,
 * through a relay whose cluster router hints the instance holding the device's lease (revocation
 * and suspension close the session wherever it is). It does not listen: it holds no sessions.
 */
async function deviceOnCluster(config: Config, request: DeviceRequest): Promise<DeviceReply> {
  const store = await openClusterStore(config);
  const router = new ClusterRouter({
    leases: store,
    hints: store.hints,
    instance: `${clusterInstanceName(config)}/admin`,
  });
  try {
    const { relay } = openRelay(config, store, undefined, { router, lockout: store });
    return await runDeviceRequest(store, request, Date.now(), relayEffects(relay));
  } finally {
    await router.idle();
    await store.close();
  }
}
