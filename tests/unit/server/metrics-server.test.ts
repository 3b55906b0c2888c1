import { afterEach, expect, test } from "bun:test";
import { connect } from "node:net";
import { type MetricsServer, startMetricsServer } from "../../../src/server/metrics-server.ts";
import type { MetricsSample } from "../../../src/server/render-metrics.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

let server: MetricsServer | undefined;
afterEach(() => server?.stop());

/** The status line of a raw HTTP request, written as a load balancer's health check does. */
function statusLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.on("data", (data) => {
      text += data.toString();
      if (text.includes("\r\n")) {
        socket.destroy();
        resolve(text.slice(0, text.indexOf("\r\n")));
      }
    });
    socket.on("error", reject);
  });
}

test("/readyz and /healthz answer a request without a Host header (HAProxy's httpchk, HTTP/1.0)", async () => {
  let ready = true;
  const sample = () => ({ ready }) as unknown as Omit<MetricsSample, "eventLoopLagSeconds">;
  server = startMetricsServer("127.0.0.1", 0, sample, memoryLogger());
  const port = server.port;
  expect(await statusLine(port, "GET /readyz HTTP/1.0\r\n\r\n")).toBe("HTTP/1.1 200 OK");
  expect(await statusLine(port, "GET /healthz HTTP/1.0\r\n\r\n")).toBe("HTTP/1.1 200 OK");
  ready = false;
  expect(await statusLine(port, "GET /readyz HTTP/1.0\r\n\r\n")).toBe("HTTP/1.1 503 Service Unavailable");
  expect(await statusLine(port, "GET /nowhere HTTP/1.0\r\n\r\n")).toBe("HTTP/1.1 404 Not Found");
});
