// At-least-once repair for webhooks. (1) Terminal jobs whose subscribed event has no delivery
// row (the process died between the row write and the dispatch) get one. (2) Pending
// deliveries that are overdue and unknown to BullMQ (Redis lost them) are queued again.
import { and, gt, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { GenqDatabase } from "../../shared/db/client.ts";
import { jobs, TERMINAL_STATUSES, type JobRow } from "../../shared/db/schema/jobs.ts";
import { webhookDeliveries } from "../../shared/db/schema/webhook-deliveries.ts";
import type { WebhookDeliveryStore } from "../../shared/db/webhook-delivery-store.ts";
import type { Logger } from "../../shared/logger.ts";
import type { WebhookQueue } from "../../shared/queue/webhook-queue.ts";
import type { WebhookDispatcher } from "../../shared/webhooks/webhook-dispatcher.ts";

export interface WebhookReconcilerOptions {
  db: GenqDatabase;
  deliveries: WebhookDeliveryStore;
  queue: WebhookQueue;
  dispatcher: WebhookDispatcher;
  logger: Logger;
  /** Leave rows younger than this to the normal flow (default 30 s). */
  minAgeMs?: number;
  /** How far back terminal jobs are checked (default 24 h). */
  lookbackMs?: number;
  /** Rows per pass (default 500). */
  batchSize?: number;
}

export class WebhookReconciler {
  constructor(private readonly options: WebhookReconcilerOptions) {}

  async reconcile(nowMs = Date.now()): Promise<{ created: number; requeued: number }> {
    const { deliveries, queue, dispatcher, logger } = this.options;
    const minAge = this.options.minAgeMs ?? 30_000;
    const limit = this.options.batchSize ?? 500;
    let created = 0;
    for (const row of this.jobsMissingTerminalDelivery(nowMs - (this.options.lookbackMs ?? 86_400_000), nowMs - minAge, limit)) {
      if (await dispatcher.dispatch(row)) created++;
    }
    let requeued = 0;
    for (const delivery of deliveries.listOverdue(nowMs - minAge, limit)) {
      const state = await queue.stateOf(delivery.queueJobId);
      if (state !== "unknown" && state !== "completed" && state !== "failed") continue;
      // A finished BullMQ job id cannot be re-added; a lost one can keep its id.
      const queueJobId = state === "unknown" ? delivery.queueJobId : `${delivery.queueJobId.replace(/\.k\d+$/, "")}.k${nowMs}`;
      deliveries.requeued(delivery.id, queueJobId, nowMs);
      await queue.add(delivery.id, queueJobId);
      requeued++;
    }
    if (created || requeued) logger.warn("reconciled webhook deliveries", { created, requeued });
    return { created, requeued };
  }

  /** One indexed query: terminal, has a webhook wanting this status's event, no delivery row. */
  private jobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): JobRow[] {
    return this.options.db
      .select()
      .from(jobs)
      .where(
        and(
          inArray(jobs.status, [...TERMINAL_STATUSES]),
          gt(jobs.updatedAt, sinceMs),
          lte(jobs.updatedAt, untilMs),
          isNotNull(jobs.webhook),
          sql`(json_extract(${jobs.webhook}, '$.events') is null
               or exists (select 1 from json_each(${jobs.webhook}, '$.events') e where e.value = 'job.' || ${jobs.status}))`,
          // Message ids are msg_<job id>_<status> for terminal events (webhook-events.ts).
          sql`not exists (select 1 from ${webhookDeliveries} d where d.id = 'msg_' || ${jobs.id} || '_' || ${jobs.status})`,
        ),
      )
      .orderBy(jobs.updatedAt)
      .limit(limit)
      .all();
  }
}
