// Turns job row changes into webhook deliveries: the delivery row (the store) first, then its
// BullMQ job, both in the flow that wrote the job row. A crash between the steps is repaired
// by the worker's webhook reconciler, so a subscribed event is never silently dropped.
import type { JobRow } from "../store/schema/jobs.ts";
import type { WebhookDeliveryRow } from "../store/schema/webhook-deliveries.ts";
import type { WebhookDeliveryStore } from "../store/webhook-delivery-store.ts";
import type { Logger } from "../logger.ts";
import type { WebhookQueue } from "./webhook-queue.ts";
import { eventForStatus, parseWebhookTarget, wantsEvent, webhookMessageId, type WebhookEvent } from "./webhook-events.ts";
import { buildWebhookPayload } from "./webhook-payload.ts";

/** Manual redeliveries per delivery: each round can take hours of retries and many POSTs. */
export const MAX_REDELIVERIES = 10;

export interface RedeliveryResult {
  /** Deliveries that started a new round. */
  replayed: WebhookDeliveryRow[];
  /** Finished deliveries left alone because they had MAX_REDELIVERIES already. */
  capped: number;
}

export interface WebhookDispatcherOptions {
  deliveries: WebhookDeliveryStore;
  queue: WebhookQueue;
  /** GENQ_WEBHOOK_MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
  /** Absolute base for links in payloads (GENQ_PUBLIC_URL). */
  baseUrl: string;
  logger: Logger;
  now?: () => number;
}

export class WebhookDispatcher {
  private readonly now: () => number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Call after every job row change; returns the message id when a delivery was (re)queued. */
  async dispatch(row: JobRow): Promise<string | undefined> {
    const event = eventForStatus(row.status);
    const target = parseWebhookTarget(row.webhook);
    if (!event || !target || !wantsEvent(target, event)) return undefined;
    return await this.dispatchEvent(row, event, target.url);
  }

  /** Creates the delivery for `event` unless it exists; (re)adds its BullMQ job while pending. */
  async dispatchEvent(row: JobRow, event: WebhookEvent, url: string): Promise<string | undefined> {
    const payload = buildWebhookPayload(row, event, { maxBytes: this.options.maxPayloadBytes, baseUrl: this.options.baseUrl });
    return await this.dispatchMessage({ id: webhookMessageId(row.id, event), ownerId: row.id, tenantId: row.tenantId, event, url, payload });
  }

  /**
   * Any message (a job's or a batch's event): the delivery row unless `id` exists, then its
   * BullMQ job while pending. `ownerId` (the job or batch id) files the delivery for retention.
   */
  async dispatchMessage(message: { id: string; ownerId: string; tenantId: string; event: string; url: string; payload: string }): Promise<string | undefined> {
    const { deliveries, queue } = this.options;
    const { id, event, url, payload } = message;
    const nowMs = this.now();
    const delivery = await deliveries.insertIfAbsent({
      id,
      jobId: message.ownerId,
      tenantId: message.tenantId,
      event,
      url,
      payload,
      status: "pending",
      queueJobId: id,
      nextAttemptAt: nowMs,
      createdAt: nowMs,
      updatedAt: nowMs,
    });
    if (delivery.status !== "pending") return undefined;
    await queue.add(id, delivery.queueJobId);
    return id;
  }

  /**
   * Replays a job's finished deliveries (all, or one event) as a new round with a fresh retry
   * schedule and the same webhook-id. Pending ones are already on their way and are left alone.
   */
  async redeliver(row: JobRow, event?: WebhookEvent): Promise<RedeliveryResult> {
    const { deliveries, queue } = this.options;
    const target = parseWebhookTarget(row.webhook);
    const terminalEvent = eventForStatus(row.status);
    // A terminal event that was never recorded (e.g. the process died first) is created now.
    if (target && terminalEvent && terminalEvent !== "job.started" && wantsEvent(target, terminalEvent) && (!event || event === terminalEvent)) {
      await this.dispatchEvent(row, terminalEvent, target.url);
    }
    const replayed: WebhookDeliveryRow[] = [];
    let capped = 0;
    for (const delivery of await deliveries.listForJob(row.id)) {
      if (event && delivery.event !== event) continue;
      if (delivery.status !== "pending" && delivery.round >= MAX_REDELIVERIES) capped++;
      const next = await deliveries.startRound(delivery.id, this.now(), MAX_REDELIVERIES);
      if (!next) continue;
      await queue.add(next.id, next.queueJobId);
      replayed.push(next);
    }
    return { replayed, capped };
  }
}
