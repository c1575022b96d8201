// Retention (GENQ_JOB_RETENTION): deletes terminal jobs that finished before a cutoff, with their
// webhook deliveries and attempts, in small batches so that no sweep holds the write lock for long.
import { and, inArray, lt } from "drizzle-orm";
import type { GenqDatabase } from "./client.ts";
import { jobs, TERMINAL_STATUSES } from "./schema/jobs.ts";
import { webhookAttempts } from "./schema/webhook-attempts.ts";
import { webhookDeliveries } from "./schema/webhook-deliveries.ts";

export class JobRetention {
  constructor(private readonly db: GenqDatabase) {}

  /**
   * One batch: up to `batchSize` terminal jobs last changed before `cutoffMs` (for a terminal row,
   * when it finished; found through jobs_status_idx), deleted in one transaction. Returns their ids.
   */
  deleteBatch(cutoffMs: number, batchSize: number): string[] {
    return this.db.transaction(
      (tx) => {
        const ids = tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(and(inArray(jobs.status, [...TERMINAL_STATUSES]), lt(jobs.updatedAt, cutoffMs)))
          .limit(batchSize)
          .all()
          .map((r) => r.id);
        if (ids.length === 0) return ids;
        tx.delete(webhookAttempts).where(inArray(webhookAttempts.jobId, ids)).run();
        tx.delete(webhookDeliveries).where(inArray(webhookDeliveries.jobId, ids)).run();
        tx.delete(jobs).where(inArray(jobs.id, ids)).run();
        return ids;
      },
      { behavior: "immediate" },
    );
  }
}
