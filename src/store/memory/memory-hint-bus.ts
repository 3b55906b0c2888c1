import type { HintBus } from "../cluster-ports.ts";

/**
 * The HintBus within one process (one node, in-process tests): a publish reaches every listener
 * of the channel in a later microtask, as a notification would arrive after its commit.
 */
export class MemoryHintBus implements HintBus {
  private readonly channels = new Map<string, Set<(payload: string) => void>>();

  async publish(channel: string, payload: string): Promise<void> {
    for (const onHint of [...(this.channels.get(channel) ?? [])]) queueMicrotask(() => onHint(payload));
  }

  async listen(
    channel: string,
    onHint: (payload: string) => void,
    onListening: () => void,
  ): Promise<() => Promise<void>> {
    const listeners = this.channels.get(channel) ?? new Set();
    this.channels.set(channel, listeners);
    const listener = (payload: string) => onHint(payload);
    listeners.add(listener);
    onListening();
    return async () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.channels.delete(channel);
    };
  }
}
