// Batch events (`batch.completed`, `batch.failed`, `batch.expired`, `batch.cancelled`) as Standard
// Webhooks through the job webhooks' machinery (delivery rows, retries, signing with the tenant's
// secret), to the batch's webhook URL. The message id is fixed per batch and event, so a resumed
// finalization that dispatches again sends nothing twice.
import type { BatchRow } from "../../shared/store/schema/batches.ts";
import type { WebhookDispatcher } from "../../shared/webhooks/webhook-dispatcher.ts";
import { parseWebhookTarget } from "../../shared/webhooks/webhook-events.ts";
import { toBatchObject } from "../routes/batches/batch-object.ts";

export const BATCH_EVENTS = ["batch.completed", "batch.failed", "batch.expired", "batch.cancelled"] as const;

/** Dispatches the event of `batch`'s terminal status (call with the row as it will be written). */
export async function dispatchBatchEvent(webhooks: WebhookDispatcher, batch: BatchRow, nowMs: number): Promise<void> {
  const target = parseWebhookTarget(batch.webhook);
  const event = `batch.${batch.status}`;
  if (!target || !(BATCH_EVENTS as readonly string[]).includes(event)) return;
  const payload = JSON.stringify({ type: event, timestamp: new Date(nowMs).toISOString(), data: toBatchObject(batch) });
  await webhooks.dispatchMessage({ id: `msg_${batch.id}_${batch.status}`, ownerId: batch.id, tenantId: batch.tenantId, event, url: target.url, payload });
}
