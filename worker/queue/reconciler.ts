// Invariant 2: Redis may lose data. Rows that are queued/running in the store but unknown to
// BullMQ are re-enqueued (idempotent: job id = row id); rows whose BullMQ job failed for good are
// failed through the job lifecycle, so streams, webhooks and long-polls hear about it.
import type { JobLifecycle } from "../../shared/job-lifecycle.ts";
import type { Logger } from "../../shared/logger.ts";
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import type { JobStore } from "../../shared/store/job-store.ts";

export interface ReconcilerOptions {
  jobs: JobStore;
  queue: JobQueue;
  lifecycle: JobLifecycle;
  /** Only rows of these models (the ones this worker serves). */
  models: string[];
  logger: Logger;
  /** Rows untouched for this long are checked (default 10 s), so fresh submits are left alone. */
  minAgeMs?: number;
  /** Rows checked per pass (default 500). */
  batchSize?: number;
}

export class Reconciler {
  constructor(private readonly options: ReconcilerOptions) {}

  /** One pass: how many rows were re-enqueued and how many failed. */
  async reconcile(nowMs = Date.now()): Promise<{ requeued: number; failed: number }> {
    const { jobs, queue, lifecycle, logger } = this.options;
    const served = new Set(this.options.models);
    const rows = (await jobs.listActive(nowMs - (this.options.minAgeMs ?? 10_000), this.options.batchSize ?? 500)).filter((row) =>
      served.has(row.model),
    );
    let requeued = 0;
    let failed = 0;
    for (const row of rows) {
      const state = await queue.stateOf(row.id, row.model);
      if (state === "unknown") {
        await queue.enqueue({ id: row.id, model: row.model, priority: row.priority });
        requeued++;
      } else if (state === "failed" || state === "completed") {
        // BullMQ gave up on it (or finished it without a result): the row must not hang forever.
        if (await lifecycle.fail(row.id, "ENGINE_ERROR", `the queue reports the job ${state} without a result`)) failed++;
      }
    }
    if (requeued || failed) logger.warn("reconciled jobs", { requeued, failed });
    return { requeued, failed };
  }
}
