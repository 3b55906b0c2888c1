/** The lines of a child process's stdout, as they come. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}

/** Waits for each reader's next line to be `expected`; throws naming it when a worker said otherwise. */
export async function expectLine(readers: AsyncGenerator<string>[], expected: string): Promise<void> {
  for (const reader of readers) {
    if ((await reader.next()).value !== expected) throw new Error(`a worker failed before "${expected}"`);
  }
}
