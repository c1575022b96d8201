// Invariant 2: Redis may lose data. Rows that are queued/running in SQLite but unknown to BullMQ
// are re-enqueued (idempotent: job id = row id); rows whose BullMQ job failed for good are failed.
import type { JobStore } from "../../shared/db/job-store.ts";
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import type { Logger } from "../../shared/logger.ts";
import type { JobEventBus } from "../../shared/queue/job-event-bus.ts";

export interface ReconcilerOptions {
  store: JobStore;
  queue: JobQueue;
  events: JobEventBus;
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
  async reconcile(nowMs = Date.now()): Promise<{ requeued: number; failed: number }> {
    const { store, queue, events, logger } = this.options;
    const served = new Set(this.options.models);
    const rows = store
      .listActive(nowMs - (this.options.minAgeMs ?? 10_000), this.options.batchSize ?? 500)
      .filter((row) => served.has(row.model));
    let requeued = 0;
    let failed = 0;
    for (const row of rows) {
      const state = await queue.stateOf(row.id, row.model);
      if (state === "unknown") {
        await queue.enqueue({ id: row.id, model: row.model, priority: row.priority });
        requeued++;
      } else if (state === "failed" || state === "completed") {
        // BullMQ gave up on it (or finished it without a result): the row must not hang forever.
        if (store.fail(row.id, "ENGINE_ERROR", `the queue reports the job ${state} without a result`, nowMs)) failed++;
        const fresh = store.get(row.id);
        if (fresh) await events.publishChanged({ id: fresh.id, status: fresh.status, version: fresh.version }).catch(() => {});
      }
    }
    if (requeued || failed) logger.warn("reconciled jobs", { requeued, failed });
    return { requeued, failed };
  }
}
