// The periodic retention sweep, run by every store-backed worker and by the Workers cron
// (concurrent sweeps are harmless: each batch is one transaction over rows nobody else changes):
// deletes expired terminal jobs from the store in batches, then their per-job event streams from Redis.
import type { Redis } from "ioredis";
import type { Logger } from "./logger.ts";
import type { JobStore } from "./store/job-store.ts";
import { jobStreamKey } from "./streams/job-stream-publisher.ts";

export interface RetentionSweepOptions {
  jobs: JobStore;
  connection: Redis;
  prefix: string;
  /** GENQ_JOB_RETENTION: terminal jobs older than this are deleted. */
  retentionMs: number;
  logger: Logger;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /** Batches per sweep (default 20); the next sweep continues. */
  maxBatches?: number;
}

export class RetentionSweep {
  constructor(private readonly options: RetentionSweepOptions) {}

  /** One sweep; returns how many jobs were deleted. */
  async sweep(nowMs = Date.now()): Promise<number> {
    const { jobs, connection, prefix, logger } = this.options;
    const batchSize = this.options.batchSize ?? 500;
    let deleted = 0;
    for (let batch = 0; batch < (this.options.maxBatches ?? 20); batch++) {
      const ids = await jobs.deleteExpired(nowMs - this.options.retentionMs, batchSize);
      if (ids.length > 0) await connection.unlink(...ids.map((id) => jobStreamKey(prefix, id)));
      deleted += ids.length;
      if (ids.length < batchSize) break;
      // Let API processes take the write lock between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (deleted > 0) logger.info("retention: deleted expired jobs", { deleted });
    return deleted;
  }
}
