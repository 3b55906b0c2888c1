import { expect, test } from "bun:test";
import type { Logger } from "../../../src/log/logger.ts";
import { createClientHello } from "../../../src/protocol/client-handshake.ts";
import { decodeErrorBody, detail } from "../../../src/protocol/error-frame.ts";
import { frameBody } from "../../../src/protocol/header.ts";
import { createSessionFactory } from "../../../src/session/session-factory.ts";
import type { ConnectionContext } from "../../../src/session/transport.ts";
import { testRelay } from "../../helpers/test-relay.ts";
import { testIdentity } from "./session-helpers.ts";

function fakeContext() {
  const sent: Uint8Array[] = [];
  const closed: string[] = [];
  const noop = () => {};
  const context: ConnectionContext = {
    peer: "127.0.0.1:5000",
    tls: false,
    tlsVersion: () => undefined,
    send: (bytes) => sent.push(bytes),
    bufferedBytes: () => 0,
    limitOutbound: () => {},
    pauseReading: noop,
    resumeReading: noop,
    close: (reason) => closed.push(reason),
    log: { trace: noop, debug: noop, info: noop, warn: noop, error: noop } as unknown as Logger,
  };
  return { context, sent, closed };
}

test("no ClientHello within hello_timeout: plaintext 101 reason=timeout, then close", async () => {
  const { context, sent, closed } = fakeContext();
  createSessionFactory(testIdentity(), testRelay(testIdentity()), {
    timeouts: { helloMs: 30, authMs: 1_000 },
  })(context);
  await Bun.sleep(80);
  expect(sent.length).toBe(1);
  const error = decodeErrorBody(frameBody(sent[0] as Uint8Array));
  expect([error.code, detail(error, "reason")]).toEqual([101, "timeout"]);
  expect(closed.length).toBe(1);
});

test("after the handshake the auth timeout applies; closing the connection cancels it", async () => {
  const first = fakeContext();
  const handler = createSessionFactory(testIdentity(), testRelay(testIdentity()), {
    timeouts: { helloMs: 30, authMs: 60 },
  })(first.context);
  handler.onData(createClientHello().frame);
  await Bun.sleep(45);
  expect(first.closed.length).toBe(0);
  await Bun.sleep(60);
  expect(first.sent.length).toBe(2);
  expect(first.closed.length).toBe(1);

  const second = fakeContext();
  const other = createSessionFactory(testIdentity(), testRelay(testIdentity()), {
    timeouts: { helloMs: 30, authMs: 60 },
  })(second.context);
  other.onClose();
  await Bun.sleep(50);
  expect(second.sent.length).toBe(0);
});
