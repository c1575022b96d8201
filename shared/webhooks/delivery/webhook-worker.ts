// The BullMQ Worker for webhook deliveries: I/O-bound, so many run at once; the custom backoff
// hands BullMQ the delay each failed attempt chose. A worker that dies mid-POST leaves the job
// to stall recovery, which runs it again (at-least-once; receivers dedupe on webhook-id).
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../../logger.ts";
import { WEBHOOK_QUEUE_NAME, type WebhookJobPayload } from "../../webhooks/webhook-queue.ts";
import { webhookBackoff } from "./webhook-delivery-processor.ts";

export interface WebhookWorkerOptions {
  connection: Redis;
  prefix: string;
  /** Deliveries in flight at once (GENQ_WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** BullMQ lock; must outlast one attempt (default 30 s; the POST timeout is 10 s). */
  lockMs?: number;
  logger: Logger;
  processor: (job: Job<WebhookJobPayload>) => Promise<string>;
}

export function createWebhookWorker(options: WebhookWorkerOptions): Worker<WebhookJobPayload, string> {
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker<WebhookJobPayload, string>(WEBHOOK_QUEUE_NAME, options.processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    settings: { backoffStrategy: webhookBackoff },
  });
  worker.on("error", (error) => options.logger.error("webhook worker error", { error }));
  return worker;
}
