import { defineCommand } from "citty";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { runSupervisedWorker } from "../../daemon/supervised-worker.ts";
import { WORKER_CWD_ENV } from "../../daemon/worker-ipc.ts";
import { ExitCode, NorcError } from "../../errors.ts";

/** The supervisor's worker process (`daemon.auto_restart`): not for users, so hidden from --help. */
export default defineCommand({
  meta: {
    name: "_worker",
    description: "The server process under the supervisor (internal)",
    hidden: true,
  },
  args: {},
  async run({ args }) {
    if (process.send === undefined) {
      throw new NorcError(
        '"_worker" is internal: the supervisor runs it (daemon.auto_restart); use "norc-server start"',
        ExitCode.usage,
      );
    }
    process.umask(0o027);
    const startCwd = process.env[WORKER_CWD_ENV] ?? process.cwd();
    delete process.env[WORKER_CWD_ENV];
    return await runSupervisedWorker(configSourceFromArgs(args, startCwd));
  },
});
