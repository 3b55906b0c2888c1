import { afterAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { conversationOf } from "../../../src/cli/client/client-send.ts";
import { ClientStateFile } from "../../../src/cli/client/client-state-file.ts";
import { SendChains } from "../../../src/client/send-chains.ts";
import { randomBytes } from "../../../src/protocol/bytes.ts";
import { tempDir } from "../../helpers/binary.ts";

const dir = tempDir("norc-client-state-");
afterAll(() => dir.cleanup());

describe("the CLI's client state file", () => {
  test("seen ids survive a restart (mode 0600) and are pruned by age", () => {
    const path = `${dir.path}/a.key.state.json`;
    const first = ClientStateFile.forKey(`${dir.path}/a.key`).seenStore();
    first.add("aa", 1_000);
    first.add("bb", 5_000);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = new ClientStateFile(path).seenStore();
    expect([again.has("aa"), again.has("bb"), again.has("cc")]).toEqual([true, true, false]);
    again.prune(2_000);
    again.add("cc", 6_000);
    expect(new ClientStateFile(path).seenStore().has("aa")).toBe(false);
  });

  test("a sender's chain continues across runs; the recipient's chain judges across runs", () => {
    const path = `${dir.path}/chains.json`;
    const [recipient, conversation, sender] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const run1 = new SendChains(new ClientStateFile(path).sendChainStore());
    const chain = run1.chain(recipient, conversation);
    const start = chain.next();
    chain.advance(randomBytes(64));
    run1.saved(recipient, conversation, chain);
    const resumed = new SendChains(new ClientStateFile(path).sendChainStore()).chain(recipient, conversation);
    expect(resumed.next().sequence).toBe(start.sequence + 1n);
    const payload = randomBytes(80);
    const link = { sequence: 7n, prevMessageHash: new Uint8Array(32) };
    expect(new ClientStateFile(path).receivedChains().observe(sender, conversation, link, payload)).toBe(
      "accept",
    );
    const later = new ClientStateFile(path).receivedChains();
    expect(later.observe(sender, conversation, link, payload)).toBe("accept");
    expect(later.observe(sender, conversation, link, randomBytes(80))).toBe("stale");
    expect(
      later.observe(sender, conversation, { sequence: 9n, prevMessageHash: randomBytes(32) }, payload),
    ).toBe("gap");
  });

  test("two processes on one key each replace only their own section", () => {
    const path = `${dir.path}/shared.json`;
    const listener = new ClientStateFile(path);
    const sender = new ClientStateFile(path);
    listener.seenStore().add("11", 1);
    sender.sendChainStore().save("r:c", { sequence: 5n, prevMessageHash: new Uint8Array(32) });
    listener.seenStore().add("22", 2);
    const reread = new ClientStateFile(path);
    expect([reread.seenStore().has("11"), reread.seenStore().has("22")]).toEqual([true, true]);
    expect(reread.sendChainStore().load("r:c")?.sequence).toBe(5n);
  });

  test("the CLI conversation of two devices is the same in both directions, and differs per pair", () => {
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    expect(conversationOf(a, b)).toEqual(conversationOf(b, a));
    expect(conversationOf(a, b)).not.toEqual(conversationOf(a, c));
  });
});
