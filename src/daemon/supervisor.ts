import type { Subprocess } from "bun";
import type { Logger, LogOptions } from "../log/logger.ts";
import type { ListenInfo } from "../server/server-handle.ts";
import { Heartbeat } from "./heartbeat.ts";
import { decideRestart, describeExit, type RestartPolicy } from "./restart-policy.ts";
import { selfCommand } from "./self-command.ts";
import { WORKER_REPLY_MS } from "./timeouts.ts";
import {
  WORKER_COMMAND,
  WORKER_RESTARTS_ENV,
  type WorkerHeartbeat,
  type WorkerMessage,
  type WorkerQuestion,
  type WorkerRequest,
} from "./worker-ipc.ts";
import { WorkerRequests } from "./worker-requests.ts";

export interface SupervisorOptions {
  /** The worker's arguments (the user's, without --daemon). */
  args: string[];
  env: Record<string, string | undefined>;
  policy: RestartPolicy;
  logger: Logger;
  /** The first worker accepts connections. */
  onReady: (listen: ListenInfo, workerPid: number) => void;
  /** The worker applied a reload with these log settings. */
  onLogOptions?: (options: LogOptions) => void;
  /** A stop began (TERM/INT/QUIT): the service manager is told (sd_notify STOPPING=1). */
  onStopping?: () => void;
}

/**
 * The auto-restart supervisor: runs the server as a child process (this binary again, marked by
 * an env variable, with a Bun IPC channel), restarts it when it ends unexpectedly or stops
 * answering its heartbeat, forwards signals, and answers control requests by asking the worker.
 */
export class Supervisor {
  restarts = 0;
  listen: ListenInfo | undefined;
  /** Why the last restart happened, as logged. */
  lastRestart: string | undefined;
  private hungMs: number | undefined;
  private readonly heartbeat = new Heartbeat({
    ping: (seq) => this.sendToWorker({ type: "heartbeat", seq }),
    onHung: (silentMs) => this.killHung(silentMs),
  });
  private worker: Subprocess | undefined;
  private stopping = false;
  private everReady = false;
  private readonly requests = new WorkerRequests();
  private wake: (() => void) | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  get workerPid(): number | undefined {
    return this.worker?.pid;
  }

  /** How long the running worker has left the heartbeat unanswered; undefined while it answers. */
  workerSilentMs(): number | undefined {
    return this.heartbeat.silentMs();
  }

  /** Runs workers until a stop or a give-up; resolves with the supervisor's exit code. */
  async run(): Promise<number> {
    let consecutive = 0;
    for (;;) {
      if (this.stopping) return 0;
      const startedAt = Date.now();
      const worker = this.spawnWorker();
      await worker.exited;
      this.heartbeat.stop();
      const code = worker.exitCode;
      const signal = worker.signalCode === null ? null : String(worker.signalCode);
      const hungMs = this.hungMs;
      this.hungMs = undefined;
      this.worker = undefined;
      this.requests.failAll(`the worker ended (${describeExit({ code, signal, hungMs })})`);
      const exit = { code, signal, hungMs, uptimeMs: Date.now() - startedAt, requested: this.stopping };
      if (!this.everReady && !this.stopping) {
        this.options.logger.error(`worker failed to start (${describeExit(exit)})`, {
          code,
          signal: exit.signal,
        });
        return code === null || code === 0 ? 1 : code;
      }
      const outcome = decideRestart(exit, consecutive, this.options.policy);
      consecutive = outcome.consecutive;
      const { decision } = outcome;
      if (decision.action === "exit") {
        const log = decision.code === 0 ? this.options.logger.info : this.options.logger.error;
        log.call(this.options.logger, decision.reason, { code, signal: exit.signal });
        return decision.code;
      }
      this.restarts++;
      this.lastRestart = decision.reason;
      this.options.logger.warn(decision.reason, { code, signal: exit.signal, attempt: decision.attempt });
      await this.sleep(decision.delayMs);
    }
  }

  /** Forwards a signal; TERM/INT/QUIT also mean "do not restart". */
  forward(signal: NodeJS.Signals): void {
    if ((signal === "SIGTERM" || signal === "SIGINT" || signal === "SIGQUIT") && !this.stopping) {
      this.stopping = true;
      this.heartbeat.stop();
      this.options.onStopping?.();
    }
    if (this.worker) this.worker.kill(signal);
    else if (this.stopping) this.wake?.();
  }

  /** Graceful (SIGTERM) or quick (SIGQUIT) stop of the worker, then of the supervisor. */
  stop(mode: "graceful" | "now"): number[] {
    const pids = [process.pid, ...(this.worker ? [this.worker.pid] : [])];
    this.forward(mode === "now" ? "SIGQUIT" : "SIGTERM");
    return pids;
  }

  /** Asks the running worker (status / reload) over IPC. */
  ask(question: WorkerQuestion, timeoutMs = WORKER_REPLY_MS): Promise<unknown> {
    const _op = question.op;
    const worker = this.worker;
    if (!worker || !this.listen)
      return Promise.reject(new Error("no worker is running right now (it is restarting)"));
    return this.requests.ask(question, worker.pid, timeoutMs, (request) => worker.send(request));
  }

  private sendToWorker(message: WorkerRequest | WorkerHeartbeat): void {
    try {
      this.worker?.send(message);
    } catch {
      // the worker is going away: its exit is handled by run()
    }
  }

  /** A worker that stopped answering cannot be asked to stop: SIGKILL, then restarted as a crash. */
  private killHung(silentMs: number): void {
    const worker = this.worker;
    if (worker === undefined || this.stopping) return;
    this.hungMs = silentMs;
    this.options.logger.error(
      `worker (pid ${worker.pid}) has not answered the heartbeat for ${Math.round(silentMs / 1000)} s (stopped or its event loop is blocked): killing it with SIGKILL to restart it`,
      { pid: worker.pid },
    );
    worker.kill("SIGKILL");
  }

  private spawnWorker(): Subprocess {
    this.listen = undefined;
    const worker = Bun.spawn(selfCommand([WORKER_COMMAND, ...this.options.args]), {
      env: { ...this.options.env, [WORKER_RESTARTS_ENV]: String(this.restarts) },
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
      serialization: "json",
      ipc: (message: WorkerMessage) => this.onMessage(message, worker.pid),
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: WorkerMessage, pid: number): void {
    if (message.type === "heartbeat") {
      this.heartbeat.answer(message.seq);
      return;
    }
    if (message.type === "ready") {
      this.heartbeat.start();
      this.listen = message.listen;
      this.options.logger.info(`worker ready (pid ${pid})`, { pid, restarts: this.restarts });
      if (!this.everReady) {
        this.everReady = true;
        this.options.onReady(message.listen, pid);
      }
      return;
    }
    if (message.type === "logging") {
      this.options.onLogOptions?.(message.options);
      return;
    }
    this.requests.settle(message.id, message.result, message.error, message.exitCode);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
