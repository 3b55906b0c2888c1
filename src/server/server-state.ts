import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { ActiveListener } from "./bind-listener.ts";
import type { HandlerFactory } from "./connection-handler.ts";
import type { ConnectionRegistry } from "./connection-registry.ts";
import type { ListenerContext } from "./listener.ts";
import type { MetricsServer } from "./metrics-server.ts";
import type { ServerStats } from "./server-stats.ts";

/** The mutable state of one running server, shared by run-server, reload and shutdown. */
export interface ServerState {
  config: Config;
  logger: Logger;
  stats: ServerStats;
  registry: ConnectionRegistry;
  handlerFactory: HandlerFactory;
  listenerContext: ListenerContext;
  listener: ActiveListener;
  metrics?: MetricsServer;
  draining: boolean;
  /** Connections the server cut during shutdown (deadline or forced). */
  closedAtShutdown: number;
}
