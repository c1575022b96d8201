// Webhook delivery inside a worker process: the delivery Worker (sign, POST, record, retry) and
// the webhook reconciler. Deliveries are created by the job lifecycle's dispatcher, in the flow
// that wrote each job row.
import type { Worker } from "bullmq";
import type { GenqConfig } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import type { NodeServices } from "../../node-services.ts";
import { WebhookAddressPolicy } from "../../webhooks/address-policy.ts";
import { withWebhookAttemptMetrics, type WebhookAttemptMetricsDeps } from "./webhook-attempt-metrics.ts";
import { createWebhookDeliveryProcessor } from "./webhook-delivery-processor.ts";
import { WebhookReconciler } from "./webhook-reconciler.ts";
import { WebhookSender } from "./webhook-sender.ts";
import { createWebhookWorker } from "./webhook-worker.ts";

export interface WebhookRuntime {
  readonly webhookWorker: Worker;
  readonly reconciler: WebhookReconciler;
  close(): Promise<void>;
}

export interface WebhookRuntimeOptions {
  /** How often the webhook reconciler runs (default 15 s). */
  reconcileEveryMs?: number;
  /** BullMQ lock of a delivery (default max(30 s, 3 x timeout)); a dead worker's POST is retried after it. */
  webhookLockMs?: number;
  /** Counts and times each attempt and feeds failures to the dashboard (absent = not measured). */
  attemptMetrics?: Pick<WebhookAttemptMetricsDeps, "metrics" | "failures">;
}

export async function startWebhookRuntime(
  config: GenqConfig,
  services: Pick<NodeServices, "store" | "connection" | "webhookQueue" | "webhooks">,
  logger: Logger,
  options: WebhookRuntimeOptions = {},
): Promise<WebhookRuntime> {
  const { store, connection, webhookQueue, webhooks } = services;
  const d = config.delivery;
  const deliver = createWebhookDeliveryProcessor({
    deliveries: store.webhookDeliveries,
    secrets: store.webhookSecrets,
    sender: new WebhookSender({ policy: new WebhookAddressPolicy(config.webhookAllowHosts), timeoutMs: d.webhookTimeoutMs }),
    scheduleMs: d.webhookRetryScheduleMs,
    jitter: d.webhookRetryJitter,
    jobs: store.jobs,
    logger,
  });
  const processor = options.attemptMetrics
    ? withWebhookAttemptMetrics(deliver, { ...options.attemptMetrics, deliveries: store.webhookDeliveries, logger })
    : deliver;
  const webhookWorker = createWebhookWorker({
    connection,
    prefix: config.queuePrefix,
    concurrency: d.webhookConcurrency,
    lockMs: options.webhookLockMs ?? Math.max(30_000, d.webhookTimeoutMs * 3),
    logger,
    processor,
  });
  const reconciler = new WebhookReconciler({ deliveries: store.webhookDeliveries, queue: webhookQueue, dispatcher: webhooks, logger });
  const reconcile = () => reconciler.reconcile().catch((error) => logger.warn("webhook reconcile failed", { error }));
  void reconcile();
  const timer = setInterval(reconcile, options.reconcileEveryMs ?? 15_000);
  timer.unref();

  return {
    webhookWorker,
    reconciler,
    async close() {
      clearInterval(timer);
      // In-flight POSTs get one timeout to finish; after that BullMQ stall recovery retries them.
      const closed = webhookWorker.close();
      const late = await Promise.race([closed.then(() => false), new Promise((r) => setTimeout(() => r(true), d.webhookTimeoutMs + 1_000).unref())]);
      if (late) await webhookWorker.close(true);
    },
  };
}
