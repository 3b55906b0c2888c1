import type { ConfigSource } from "../config/load-config.ts";
import { loadConfig } from "../config/load-config.ts";
import { errorMessage } from "../errors.ts";
import { logOptionsFromConfig } from "../log/create-logger.ts";
import type { ServerHandle } from "../server/server-handle.ts";
import { detachStdio } from "./readiness.ts";
import { runWorker } from "./worker.ts";
import { becomeWorkerIdentity, workerIdentity } from "./worker-identity.ts";
import type { WorkerHeartbeat, WorkerMessage, WorkerRequest } from "./worker-ipc.ts";

/**
 * The server process under the supervisor: binds, drops privileges, reports ready over IPC, answers
 * status/reload questions, and shuts down gracefully if the supervisor goes away.
 */
export async function runSupervisedWorker(source: ConfigSource): Promise<number> {
  const { config } = await loadConfig(source);
  const identity = workerIdentity(config);
  return await runWorker({
    source,
    onReady(listen, handle) {
      becomeWorkerIdentity(config, identity);
      process.on("message", (message: WorkerRequest | WorkerHeartbeat) => void answer(message, handle));
      process.on("disconnect", () => void handle.shutdown("graceful"));
      detachStdio();
      send({ type: "ready", listen });
    },
    onReloaded: (next) => send({ type: "logging", options: logOptionsFromConfig(next) }),
  });
}

async function answer(request: WorkerRequest | WorkerHeartbeat, handle: ServerHandle): Promise<void> {
  if (request?.type === "heartbeat") return send({ type: "heartbeat", seq: request.seq });
  if (request?.type !== "request") return;
  try {
    const result = request.op === "reload" ? await handle.reload() : handle.status();
    send({ type: "reply", id: request.id, result });
  } catch (error) {
    send({ type: "reply", id: request.id, error: errorMessage(error) });
  }
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}
