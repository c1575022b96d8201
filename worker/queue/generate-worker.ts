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
  /** How often a crash victim can be picked up again before the job fails (default 3). */
  maxStalledCount?: number;
  logger: Logger;
  processor: (job: import("bullmq").Job<GenerateJobPayload>) => Promise<string>;
  onFailedForGood: (jobId: string, reason: string) => void;
}

export function createGenerateWorker(options: GenerateWorkerOptions): Worker<GenerateJobPayload, string> {
  const worker = new Worker<GenerateJobPayload, string>(queueNameFor(options.model), options.processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: options.maxStalledCount ?? 3,
    autorun: true,
  });
  worker.on("failed", (job, error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const exhausted = job.attemptsMade >= attempts || /stalled/i.test(error.message);
    options.logger.warn("job attempt failed", { jobId: job.id, attemptsMade: job.attemptsMade, error });
    if (exhausted) options.onFailedForGood(job.data.jobId, error.message);
  });
  worker.on("error", (error) => options.logger.error("worker error", { error }));
  return worker;
}
