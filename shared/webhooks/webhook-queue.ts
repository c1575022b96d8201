// The producer side of the webhook delivery queue. One BullMQ job per delivery round; the job
// id is the message id (+ ".r<round>" for redeliveries), so adding twice is a no-op.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export const WEBHOOK_QUEUE_NAME = "webhooks";
/** The custom backoff type; the webhook worker's strategy reads the delay from the error. */
export const WEBHOOK_BACKOFF_TYPE = "webhook-schedule";

export interface WebhookJobPayload {
  deliveryId: string;
}

export interface WebhookQueueOptions {
  /** A shared ioredis connection (producers may share one). */
  connection: Redis;
  /** BullMQ key prefix. */
  prefix: string;
}

export class WebhookQueue {
  readonly queue: Queue<WebhookJobPayload>;

  constructor(options: WebhookQueueOptions) {
    this.queue = new Queue<WebhookJobPayload>(WEBHOOK_QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        // The retry schedule lives in SQLite (it survives a Redis loss); BullMQ only carries the
        // delays it is handed, so its own attempt cap is a backstop, never the limit.
        attempts: 10_000,
        backoff: { type: WEBHOOK_BACKOFF_TYPE },
        stackTraceLimit: 1,
        removeOnComplete: { age: 3_600, count: 10_000 },
        removeOnFail: { age: 24 * 3_600 },
      },
    });
  }

  async add(deliveryId: string, queueJobId: string, delayMs = 0): Promise<void> {
    await this.queue.add("deliver", { deliveryId }, { jobId: queueJobId, delay: delayMs > 0 ? delayMs : undefined });
  }

  /** BullMQ's state for the job ("unknown" when Redis has no such job). */
  async stateOf(queueJobId: string): Promise<string> {
    return await this.queue.getJobState(queueJobId);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
