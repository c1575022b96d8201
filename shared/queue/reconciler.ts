// Invariant 2: Redis may lose data. Rows that are queued/running in the store but unknown to
// BullMQ are re-enqueued (idempotent: job id = row id), and so are rows whose BullMQ job ended
// without a result: the queue's verdict never fails a row (invariant 7; poison jobs are caught by
// engine-run counts in the processor).
import type { Logger } from "../logger.ts";
import type { JobQueue } from "./job-queue.ts";
import type { JobStore } from "../store/job-store.ts";

export interface ReconcilerOptions {
  jobs: JobStore;
  queue: JobQueue;
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

  /** One pass; returns how many rows were re-enqueued. */
  async reconcile(nowMs = Date.now()): Promise<{ requeued: number }> {
    const { jobs, queue, logger } = this.options;
    const served = new Set(this.options.models);
    const rows = (await jobs.listActive(nowMs - (this.options.minAgeMs ?? 10_000), this.options.batchSize ?? 500)).filter((row) =>
      served.has(row.model),
    );
    let requeued = 0;
    for (const row of rows) {
      const state = await queue.stateOf(row.id, row.model);
      // failed/completed without a terminal row: BullMQ gave up (thrown errors) or acknowledged a
      // run whose result was never written; the old entry must go first (add() ignores a known id).
      if (state === "failed" || state === "completed") await queue.remove(row.id, row.model);
      if (state === "unknown" || state === "failed" || state === "completed") {
        await queue.enqueue({ id: row.id, model: row.model, priority: row.priority });
        requeued++;
      }
    }
    if (requeued) logger.warn("reconciled jobs", { requeued });
    return { requeued };
  }
}
