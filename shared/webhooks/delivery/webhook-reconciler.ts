// At-least-once repair for webhooks. (1) Terminal jobs whose subscribed event has no delivery
// row (the process died between the row write and the dispatch) get one. (2) Pending
// deliveries that are overdue and unknown to BullMQ (Redis lost them) are queued again.
import type { Logger } from "../../logger.ts";
import type { WebhookDeliveryStore } from "../../store/webhook-delivery-store.ts";
import type { WebhookDispatcher } from "../../webhooks/webhook-dispatcher.ts";
import type { WebhookQueue } from "../../webhooks/webhook-queue.ts";

export interface WebhookReconcilerOptions {
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
    const since = nowMs - (this.options.lookbackMs ?? 86_400_000);
    for (const row of await deliveries.listJobsMissingTerminalDelivery(since, nowMs - minAge, limit)) {
      if (await dispatcher.dispatch(row)) created++;
    }
    let requeued = 0;
    for (const delivery of await deliveries.listOverdue(nowMs - minAge, limit)) {
      const state = await queue.stateOf(delivery.queueJobId);
      if (state !== "unknown" && state !== "completed" && state !== "failed") continue;
      // A finished BullMQ job id cannot be re-added; a lost one can keep its id.
      const queueJobId = state === "unknown" ? delivery.queueJobId : `${delivery.queueJobId.replace(/\.k\d+$/, "")}.k${nowMs}`;
      await deliveries.requeued(delivery.id, queueJobId, nowMs);
      await queue.add(delivery.id, queueJobId);
      requeued++;
    }
    if (created || requeued) logger.warn("reconciled webhook deliveries", { created, requeued });
    return { created, requeued };
  }

}
