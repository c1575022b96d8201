// Result delivery inside a worker process: job streams for SSE (deltas + status events), the
// webhook dispatcher, the webhook delivery Worker and its reconciler. `onChanged` is called in
// the flow that wrote a job row, before the change is announced on the event bus.
import type { Redis } from "ioredis";
import type { Worker } from "bullmq";
import type { GenqConfig } from "../shared/config.ts";
import type { GenqDatabase } from "../shared/db/client.ts";
import type { JobRow } from "../shared/db/schema/jobs.ts";
import { WebhookDeliveryStore } from "../shared/db/webhook-delivery-store.ts";
import { WebhookSecretStore } from "../shared/db/webhook-secret-store.ts";
import type { Logger } from "../shared/logger.ts";
import { JobStreamPublisher } from "../shared/queue/job-stream-publisher.ts";
import { WebhookQueue } from "../shared/queue/webhook-queue.ts";
import { WebhookAddressPolicy } from "../shared/webhooks/address-policy.ts";
import { WebhookDispatcher } from "../shared/webhooks/webhook-dispatcher.ts";
import { createWebhookDeliveryProcessor } from "./queue/webhook-delivery-processor.ts";
import { WebhookReconciler } from "./queue/webhook-reconciler.ts";
import { createWebhookWorker } from "./queue/webhook-worker.ts";
import { WebhookSender } from "./webhooks/webhook-sender.ts";

export interface DeliveryHandle {
  /** Token text as it is generated (GenerateJobProcessorDeps.onDelta). */
  onDelta(jobId: string, text: string, tokens: number): void;
  /** After a job row changed: stream status event, then webhook dispatch. Never throws. */
  onChanged(row: JobRow): Promise<void>;
  readonly webhookWorker: Worker;
  readonly reconciler: WebhookReconciler;
  close(): Promise<void>;
}

export interface DeliveryRuntimeOptions {
  /** How often the webhook reconciler runs (default 15 s). */
  reconcileEveryMs?: number;
  /** BullMQ lock of a delivery (default max(30 s, 3 x timeout)); a dead worker's POST is retried after it. */
  webhookLockMs?: number;
}

export function startDelivery(
  config: GenqConfig,
  deps: { db: GenqDatabase; connection: Redis; logger: Logger },
  options: DeliveryRuntimeOptions = {},
): DeliveryHandle {
  const { db, connection, logger } = deps;
  const prefix = config.queuePrefix;
  const d = config.delivery;
  const policy = new WebhookAddressPolicy(config.webhookAllowHosts);
  const deliveries = new WebhookDeliveryStore(db);
  const secrets = new WebhookSecretStore(db, { configuredSecret: config.webhookSecret, graceMs: d.webhookSecretGraceMs });
  const queue = new WebhookQueue({ connection, prefix });
  const dispatcher = new WebhookDispatcher({ deliveries, queue, maxPayloadBytes: d.webhookMaxPayloadBytes, baseUrl: d.publicUrl, logger });
  const publisher = new JobStreamPublisher({ connection, prefix, ttlMs: d.jobStreamTtlMs });
  const webhookWorker = createWebhookWorker({
    connection,
    prefix,
    concurrency: d.webhookConcurrency,
    lockMs: options.webhookLockMs ?? Math.max(30_000, d.webhookTimeoutMs * 3),
    logger,
    processor: createWebhookDeliveryProcessor({
      deliveries,
      secrets,
      sender: new WebhookSender({ policy, timeoutMs: d.webhookTimeoutMs }),
      scheduleMs: d.webhookRetryScheduleMs,
      jitter: d.webhookRetryJitter,
      logger,
    }),
  });
  const reconciler = new WebhookReconciler({ db, deliveries, queue, dispatcher, logger });
  const reconcile = () => reconciler.reconcile().catch((error) => logger.warn("webhook reconcile failed", { error }));
  void reconcile();
  const timer = setInterval(reconcile, options.reconcileEveryMs ?? 15_000);
  timer.unref();

  return {
    webhookWorker,
    reconciler,
    onDelta: (jobId, text, tokens) => publisher.delta(jobId, text, tokens),
    async onChanged(row) {
      await publisher.status(row).catch((error) => logger.warn("job stream write failed", { jobId: row.id, error }));
      // On failure the reconciler creates the delivery later; the job itself is unaffected.
      await dispatcher.dispatch(row).catch((error) => logger.warn("webhook dispatch failed", { jobId: row.id, error }));
    },
    async close() {
      clearInterval(timer);
      // In-flight POSTs get one timeout to finish; after that BullMQ stall recovery retries them.
      const closed = webhookWorker.close();
      const late = await Promise.race([closed.then(() => false), new Promise((r) => setTimeout(() => r(true), d.webhookTimeoutMs + 1_000).unref())]);
      if (late) await webhookWorker.close(true);
      await publisher.flush().catch(() => {});
      await queue.close();
    },
  };
}
