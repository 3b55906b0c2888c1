import type { ConfigSource } from "../config/load-config.ts";
import { loadConfig } from "../config/load-config.ts";
import { errorMessage, NorcError } from "../errors.ts";
import { logOptionsFromConfig } from "../log/create-logger.ts";
import type { ServerHandle } from "../server/server-handle.ts";
import { detachStdio } from "./readiness.ts";
import { runWorker } from "./worker.ts";
import type { WorkerAdmin } from "./worker-admin.ts";
import { becomeWorkerIdentity, workerIdentity } from "./worker-identity.ts";
import {
  WORKER_RESTARTS_ENV,
  type WorkerHeartbeat,
  type WorkerMessage,
  type WorkerRequest,
} from "./worker-ipc.ts";

/**
 * The server process under the supervisor: binds, drops privileges, reports ready over IPC, answers
 * status/reload questions, and shuts down gracefully if the supervisor goes away.
 */
export async function runSupervisedWorker(source: ConfigSource): Promise<number> {
  const { config } = await loadConfig(source);
  const identity = workerIdentity(config);
  const restarts = Number(process.env[WORKER_RESTARTS_ENV] ?? 0);
  return await runWorker({
    source,
    restarts: Number.isInteger(restarts) && restarts > 0 ? restarts : 0,
    onReady(listen, handle, admin, logger) {
      becomeWorkerIdentity(config, identity, logger);
      process.on(
        "message",
        (message: WorkerRequest | WorkerHeartbeat) => void answer(message, handle, admin),
      );
      process.on("disconnect", () => void handle.shutdown("graceful"));
      detachStdio();
      send({ type: "ready", listen });
    },
    onReloaded: (next) => send({ type: "logging", options: logOptionsFromConfig(next) }),
  });
}

async function answer(
  request: WorkerRequest | WorkerHeartbeat,
  handle: ServerHandle,
  admin: WorkerAdmin,
): Promise<void> {
  if (request?.type === "heartbeat") return send({ type: "heartbeat", seq: request.seq });
  if (request?.type !== "request") return;
  try {
    send({ type: "reply", id: request.id, result: await answerOf(request, handle, admin) });
  } catch (error) {
    const exitCode = error instanceof NorcError ? error.exitCode : undefined;
    send({ type: "reply", id: request.id, error: errorMessage(error), exitCode });
  }
}

function answerOf(request: WorkerRequest, handle: ServerHandle, admin: WorkerAdmin): unknown {
  if (request.op === "reload") return handle.reload();
  if (request.op === "device") return admin.device(request.request);
  if (request.op === "backup") return admin.backup(request.output);
  return admin.store().then((store) => ({ ...handle.status(), store }));
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}
