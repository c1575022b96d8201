// Reads a Server-Sent Events response body into parsed events (id, event, data, comments), so
// tests can await the next event, disconnect mid-stream and see when the server ends it.
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  /** Comment lines (": keep-alive") seen since the previous event. */
  comments: string[];
}

export interface SseReader {
  events: SseEvent[];
  comments: string[];
  /** Resolves with the next not-yet-returned event, or undefined when the stream ended. */
  next(timeoutMs?: number): Promise<SseEvent | undefined>;
  /** Resolves when the server closed the stream. */
  ended: Promise<void>;
  /** Disconnects (like a client going away). */
  close(): Promise<void>;
}

export function readSse(response: Response): SseReader {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let cursor = 0;
  let buffer = "";
  let pendingComments: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let split: number;
        while ((split = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const event: SseEvent = { data: "", comments: [] };
          const data: string[] = [];
          let isEvent = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) {
              comments.push(line.slice(1).trim());
              pendingComments.push(line.slice(1).trim());
              continue;
            }
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            isEvent = true;
            if (field === "data") data.push(value);
            else if (field === "id") event.id = value;
            else if (field === "event") event.event = value;
          }
          if (!isEvent) continue;
          event.data = data.join("\n");
          event.comments = pendingComments;
          pendingComments = [];
          events.push(event);
          wake?.();
        }
      }
    } catch {
      // Canceled by close().
    } finally {
      done = true;
      wake?.();
    }
  })();
  return {
    events,
    comments,
    ended,
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (cursor >= events.length) {
        if (done) return undefined;
        if (Date.now() > deadline) throw new Error(`no SSE event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 20);
        });
      }
      return events[cursor++];
    },
    async close() {
      await reader.cancel().catch(() => {});
      await ended;
    },
  };
}
