// One BullMQ Worker per served model. Concurrency = max batch + admission lookahead, so the engine
// sees a full batch plus a few waiting jobs it can admit (or preempt for) without a round trip.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { queueNameFor, type GenerateJobPayload } from "../../shared/jobs.ts";
import type { Logger } from "../../shared/logger.ts";

export interface GenerateWorkerOptions {
  model: string;
  connection: Redis;
  prefix: string;
  /** Jobs taken at once (GENQ_MAX_BATCH + GENQ_ADMISSION_LOOKAHEAD). */
  concurrency: number;
  /** BullMQ lock; renewed at half of it from this (never blocked) thread; a dead worker's jobs are retried after it. */
  lockMs: number;
  logger: Logger;
  processor: (job: import("bullmq").Job<GenerateJobPayload>, token?: string) => Promise<string>;
}

/**
 * A stall (the holding worker died) is never terminal: the job goes back to wait however often it
 * happens. Poison jobs are caught by counting engine runs in the row (generate-job-processor.ts),
 * not stalls: a worker takes up to max batch jobs at once, and a crash stalls all of them.
 */
const NEVER_FAIL_ON_STALL = Number.MAX_SAFE_INTEGER;

export function createGenerateWorker(options: GenerateWorkerOptions): Worker<GenerateJobPayload, string> {
  const worker = new Worker<GenerateJobPayload, string>(queueNameFor(options.model), options.processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: NEVER_FAIL_ON_STALL,
    autorun: true,
  });
  // A thrown error (e.g. SQLite busy) is retried by the queue's attempts; once they are used up the
  // row stays active and the reconciler enqueues it again: only the engine-run count fails a job.
  worker.on("failed", (job, error) => {
    if (job) options.logger.warn("job attempt failed", { jobId: job.id, attemptsMade: job.attemptsMade, error });
  });
  worker.on("error", (error) => options.logger.error("worker error", { error }));
  return worker;
}
