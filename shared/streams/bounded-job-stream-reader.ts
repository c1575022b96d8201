// SSE where a blocking reader cannot outlive its request (the API on Workers): each subscriber
// reads its job's Redis Stream with XREAD BLOCK on a connection of its own for at most
// `maxOpenMs`, then the stream is closed with a retry hint; EventSource reconnects with
// Last-Event-ID and continues exactly where it stopped.
import type { Redis } from "ioredis";
import { jobStreamKey } from "./job-stream-publisher.ts";
import type { JobStreamEntry } from "./job-stream-reader.ts";

export interface BoundedJobStreamReaderOptions {
  /** Duplicated per subscriber (a blocked connection can do nothing else). */
  connection: Redis;
  prefix: string;
  /** How long one SSE response stays open (default 25 s). */
  maxOpenMs?: number;
  /** The `retry:` hint sent when it closes (default 1 s). */
  retryMs?: number;
  /** Longest single XREAD block (default 5 s). */
  blockMs?: number;
}

export class BoundedJobStreamReader {
  constructor(private readonly options: BoundedJobStreamReaderOptions) {}

  subscribe(jobId: string, afterId: string, onEntries: (entries: JobStreamEntry[]) => void, onClosed?: (retryMs: number) => void): () => void {
    const { maxOpenMs = 25_000, retryMs = 1_000, blockMs = 5_000 } = this.options;
    const key = jobStreamKey(this.options.prefix, jobId);
    const reader = this.options.connection.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    reader.on("error", () => {
      // The loop ends on a failed read; the client reconnects after the retry hint.
    });
    let stopped = false;
    const stop = () => {
      stopped = true;
      reader.disconnect();
    };
    void (async () => {
      const deadline = Date.now() + maxOpenMs;
      let cursor = afterId;
      try {
        while (!stopped && Date.now() < deadline) {
          const block = Math.max(1, Math.min(blockMs, deadline - Date.now()));
          const result = (await reader.xread("COUNT", 500, "BLOCK", block, "STREAMS", key, cursor)) as Array<[string, Array<[string, string[]]>]> | null;
          const raw = result?.[0]?.[1] ?? [];
          if (stopped || raw.length === 0) continue;
          cursor = raw[raw.length - 1][0];
          onEntries(raw.map(([id, fields]) => ({ id, type: field(fields, "type") as JobStreamEntry["type"], data: field(fields, "data") })));
        }
      } catch {
        // Redis went away mid-read: close with the retry hint like a timeout.
      }
      if (!stopped) onClosed?.(retryMs);
      stop();
    })();
    return stop;
  }
}

function field(fields: string[], name: string): string {
  return fields[fields.indexOf(name) + 1] ?? "";
}
