// What every Node process of genq (API, worker) builds the same way over Redis: the connection,
// the event bus, the job queue producer, the job streams and webhook producer, and the job
// lifecycle that ties them to the store. API and worker add only what is theirs.
import type { Redis } from "ioredis";
import { connectRedis } from "./queue/redis-connect.ts";
import type { GenqConfig } from "./config.ts";
import { JobEventBus } from "./events/job-event-bus.ts";
import { JobLifecycle } from "./job-lifecycle.ts";
import type { Logger } from "./logger.ts";
import { JobQueue } from "./queue/job-queue.ts";
import type { Store } from "./store/store.ts";
import { JobStreamPublisher } from "./streams/job-stream-publisher.ts";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.ts";
import { WebhookQueue } from "./webhooks/webhook-queue.ts";

export interface NodeServices {
  store: Store;
  connection: Redis;
  events: JobEventBus;
  queue: JobQueue;
  streams: JobStreamPublisher;
  webhookQueue: WebhookQueue;
  webhooks: WebhookDispatcher;
  lifecycle: JobLifecycle;
  /** Closes what was opened here, the store included. */
  close(): Promise<void>;
}

/**
 * `redis: "fail-fast"` (the API) answers a request at once while Redis is down (rows are durable;
 * the reconciler enqueues later) but waits for the first connection; "patient" (workers) waits.
 */
export async function openNodeServices(
  config: GenqConfig,
  store: Store,
  logger: Logger,
  redis: "fail-fast" | "patient",
): Promise<NodeServices> {
  // Both wait for the first connection (startup fails with one clear line when Redis is down).
  const connection = await connectRedis(
    config.redisUrl,
    redis === "fail-fast" ? { maxRetriesPerRequest: 1, enableOfflineQueue: false } : { maxRetriesPerRequest: null },
    logger,
  );
  const prefix = config.queuePrefix;
  const events = new JobEventBus({ connection, prefix });
  await events.start();
  const queue = new JobQueue({ connection, prefix });
  const streams = new JobStreamPublisher({ connection, prefix, ttlMs: config.delivery.jobStreamTtlMs });
  const webhookQueue = new WebhookQueue({ connection, prefix });
  const webhooks = new WebhookDispatcher({
    deliveries: store.webhookDeliveries,
    queue: webhookQueue,
    maxPayloadBytes: config.delivery.webhookMaxPayloadBytes,
    baseUrl: config.delivery.publicUrl,
    logger,
  });
  const lifecycle = new JobLifecycle({ jobs: store.jobs, batches: store.batches, streams, webhooks, events, logger });
  return {
    store,
    connection,
    events,
    queue,
    streams,
    webhookQueue,
    webhooks,
    lifecycle,
    async close() {
      await streams.flush().catch(() => {});
      await events.close();
      await webhookQueue.close();
      await queue.close();
      connection.disconnect();
      await store.close();
    },
  };
}
