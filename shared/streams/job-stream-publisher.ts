// Writes a job's live events to its Redis Stream (XADD, capped by MAXLEN, expiring after the
// last write): token deltas, coalesced per event-loop turn, and status changes. Stream ids are
// the SSE event ids, so a client resumes exactly where it stopped (Last-Event-ID).
import type { Redis } from "ioredis";
import { isTerminalStatus, type JobRow } from "../store/schema/jobs.ts";
import { jobSummary } from "../job-summary.ts";

export function jobStreamKey(prefix: string, jobId: string): string {
  return `${prefix}:job-stream:${jobId}`;
}

export interface JobStreamPublisherOptions {
  connection: Redis;
  prefix: string;
  /** The stream expires this long after its last event (GENQ_JOB_STREAM_TTL_MS). */
  ttlMs: number;
  /** Approximate cap on entries per job (default 10,000); older deltas are trimmed. */
  maxLen?: number;
}

export type JobStreamEventType = "status" | "delta";

export class JobStreamPublisher {
  private readonly pending = new Map<string, { text: string; tokens: number }>();
  private flushScheduled = false;

  constructor(private readonly options: JobStreamPublisherOptions) {}

  /** Buffers a delta; everything buffered in one turn leaves as one entry per job, one round trip. */
  delta(jobId: string, text: string, tokens: number): void {
    const entry = this.pending.get(jobId);
    if (entry) {
      entry.text += text;
      entry.tokens = tokens;
    } else {
      this.pending.set(jobId, { text, tokens });
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush().catch(() => {}));
    }
  }

  /**
   * Appends a status event (the job as the API would show it, plus `attempt`: a new attempt
   * after a worker crash restarts the text). Buffered deltas are written first, in order.
   */
  async status(row: JobRow): Promise<string> {
    const flushed = this.flush();
    const id = await this.add(row.id, "status", JSON.stringify({ ...jobSummary(row), attempt: row.attempts }));
    await flushed;
    return id;
  }

  /**
   * The id of the stream's terminal status event, written from the row when missing (the
   * stream expired, or the row was finished by a path that writes no stream, e.g. a cancel).
   */
  async ensureTerminal(row: JobRow): Promise<string> {
    const key = jobStreamKey(this.options.prefix, row.id);
    const last = (await this.options.connection.xrevrange(key, "+", "-", "COUNT", 1)) as Array<[string, string[]]>;
    if (last.length > 0 && isTerminalEntry(last[0][1])) return last[0][0];
    return await this.status(row);
  }

  /** Sends buffered deltas now (commands are issued synchronously, before any later XADD). */
  flush(): Promise<unknown> {
    this.flushScheduled = false;
    if (this.pending.size === 0) return Promise.resolve();
    const pipeline = this.options.connection.pipeline();
    for (const [jobId, entry] of this.pending) {
      const key = jobStreamKey(this.options.prefix, jobId);
      pipeline.xadd(key, "MAXLEN", "~", this.maxLen, "*", "type", "delta", "data", JSON.stringify(entry));
      pipeline.pexpire(key, this.options.ttlMs);
    }
    this.pending.clear();
    return pipeline.exec();
  }

  private get maxLen(): number {
    return this.options.maxLen ?? 10_000;
  }

  private async add(jobId: string, type: JobStreamEventType, data: string): Promise<string> {
    const key = jobStreamKey(this.options.prefix, jobId);
    const results = await this.options.connection
      .multi()
      .xadd(key, "MAXLEN", "~", this.maxLen, "*", "type", type, "data", data)
      .pexpire(key, this.options.ttlMs)
      .exec();
    const [error, id] = results?.[0] ?? [new Error("stream write aborted"), null];
    if (error) throw error;
    return id as string;
  }
}

/** Fields of a stream entry ([k, v, k, v]) describe a terminal status event. */
function isTerminalEntry(fields: string[]): boolean {
  const type = fields[fields.indexOf("type") + 1];
  if (type !== "status") return false;
  try {
    const status = (JSON.parse(fields[fields.indexOf("data") + 1]) as { status: string }).status;
    return isTerminalStatus(status);
  } catch {
    return false;
  }
}
