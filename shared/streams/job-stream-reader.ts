// Fans job streams out to SSE clients from ONE blocking reader connection per process: a single
// XREAD BLOCK over every watched stream, each subscriber with its own cursor (its Last-Event-ID).
// A new subscriber interrupts the block with CLIENT UNBLOCK, so it starts reading at once.
import type { Redis } from "ioredis";
import { jobStreamKey, type JobStreamEventType } from "./job-stream-publisher.ts";

export interface JobStreamEntry {
  /** Redis stream id ("<ms>-<seq>"): the SSE event id. */
  id: string;
  type: JobStreamEventType;
  /** JSON text as written by the publisher. */
  data: string;
}

export interface JobStreamReaderOptions {
  /** Used for CLIENT UNBLOCK; the reader duplicates it for its own blocking connection. */
  connection: Redis;
  prefix: string;
  /** Longest single XREAD block (default 2,000 ms); a safety net should an unblock be missed. */
  blockMs?: number;
  /** Entries per stream per read (default 500). */
  count?: number;
}

interface Subscriber {
  cursor: string;
  onEntries: (entries: JobStreamEntry[]) => void;
}

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Orders two stream ids (<ms>-<seq>) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

export class JobStreamReader {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private reader: Redis | undefined;
  private readerId: number | undefined;
  private looping = false;
  private blocked = false;
  private closed = false;

  constructor(private readonly options: JobStreamReaderOptions) {}

  /** Calls `onEntries` with every entry after `afterId` ("0-0" = from the start) until unsubscribed. */
  subscribe(jobId: string, afterId: string, onEntries: (entries: JobStreamEntry[]) => void): () => void {
    const key = jobStreamKey(this.options.prefix, jobId);
    const subscriber: Subscriber = { cursor: afterId, onEntries };
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(subscriber);
    if (!this.looping) void this.loop();
    else void this.interrupt();
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.subscribers.get(key) === set) this.subscribers.delete(key);
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    this.reader?.disconnect();
    this.reader = undefined;
  }

  private connect(): Redis {
    if (this.reader) return this.reader;
    const reader = this.options.connection.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    reader.on("error", () => {
      // ioredis reconnects; the loop retries its read.
    });
    // The id changes with every (re)connection; CLIENT UNBLOCK needs the current one.
    reader.on("ready", () => {
      reader.client("ID").then(
        (id) => (this.readerId = Number(id)),
        () => (this.readerId = undefined),
      );
    });
    this.reader = reader;
    return reader;
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (!this.closed && this.subscribers.size > 0) {
        const reader = this.connect();
        const keys = [...this.subscribers.keys()];
        const ids = keys.map((key) => lowestCursor(this.subscribers.get(key)!));
        let result: Array<[string, Array<[string, string[]]>]> | null;
        this.blocked = true;
        try {
          result = (await reader.xread(
            "COUNT",
            this.options.count ?? 500,
            "BLOCK",
            this.options.blockMs ?? 2_000,
            "STREAMS",
            ...keys,
            ...ids,
          )) as typeof result;
        } catch {
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, 200));
          continue;
        } finally {
          this.blocked = false;
        }
        if (result) this.deliver(result);
      }
    } finally {
      this.looping = false;
    }
  }

  private deliver(result: Array<[string, Array<[string, string[]]>]>): void {
    for (const [key, raw] of result) {
      const set = this.subscribers.get(key);
      if (!set || raw.length === 0) continue;
      const entries = raw.map(([id, fields]) => toEntry(id, fields));
      for (const subscriber of [...set]) {
        const fresh = entries.filter((e) => compareStreamIds(e.id, subscriber.cursor) > 0);
        if (fresh.length === 0) continue;
        subscriber.cursor = fresh[fresh.length - 1].id;
        subscriber.onEntries(fresh);
      }
    }
  }

  /** Ends the current XREAD BLOCK early so a new subscription joins it. */
  private async interrupt(): Promise<void> {
    // The UNBLOCK may overtake the XREAD still in flight: retry briefly until it lands.
    for (let tries = 0; tries < 20 && this.blocked && !this.closed; tries++) {
      if (this.readerId !== undefined) {
        const unblocked = await this.options.connection.client("UNBLOCK", this.readerId).catch(() => 0);
        if (unblocked === 1) return;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

function lowestCursor(set: Set<Subscriber>): string {
  let lowest: string | undefined;
  for (const s of set) if (lowest === undefined || compareStreamIds(s.cursor, lowest) < 0) lowest = s.cursor;
  return lowest ?? "0-0";
}

function toEntry(id: string, fields: string[]): JobStreamEntry {
  const get = (name: string) => fields[fields.indexOf(name) + 1] ?? "";
  return { id, type: get("type") as JobStreamEventType, data: get("data") };
}
