// What every Node process of genq (API, worker) builds the same way over Redis: the connection,
// the event bus, the job queue producer, the job streams and webhook producer, and (with a store)
// the job lifecycle that ties them to it. API and worker add only what is theirs.
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

/** What a process builds over Redis alone (a GENQ_RESULT_SINK=http worker has nothing more). */
export interface RedisServices {
  connection: Redis;
  events: JobEventBus;
  queue: JobQueue;
  streams: JobStreamPublisher;
  webhookQueue: WebhookQueue;
  /** Closes what was opened here. */
  close(): Promise<void>;
}

export interface NodeServices extends RedisServices {
  store: Store;
  webhooks: WebhookDispatcher;
  lifecycle: JobLifecycle;
  /** Closes what was opened here, the store included. */
  close(): Promise<void>;
}

/**
 * `redis: "fail-fast"` (the API) answers a request at once while Redis is down (rows are durable;
 * the reconciler enqueues later) but waits for the first connection; "patient" (workers) waits.
 */
export async function openRedisServices(config: GenqConfig, logger: Logger, redis: "fail-fast" | "patient"): Promise<RedisServices> {
  // Both wait for the first connection (startup fails with one clear line when Redis is down).
  const connection = await connectRedis(
    config.redisUrl,
    redis === "fail-fast" ? { maxRetriesPerRequest: 1, enableOfflineQueue: false } : { maxRetriesPerRequest: null },
    logger,
  );
  return await redisServicesOn(connection, config, { subscribe: true });
}

/**
 * The Redis services over an open connection. `subscribe: false` (the API on Workers, whose
 * connection lives for one request) publishes events but holds no subscriber connection.
 */
export async function redisServicesOn(connection: Redis, config: GenqConfig, options: { subscribe: boolean }): Promise<RedisServices> {
  const prefix = config.queuePrefix;
  const events = new JobEventBus({ connection, prefix });
  if (options.subscribe) await events.start();
  const queue = new JobQueue({ connection, prefix });
  const streams = new JobStreamPublisher({ connection, prefix, ttlMs: config.delivery.jobStreamTtlMs });
  const webhookQueue = new WebhookQueue({ connection, prefix });
  return {
    connection,
    events,
    queue,
    streams,
    webhookQueue,
    async close() {
      await streams.flush().catch(() => {});
      await events.close();
      await webhookQueue.close();
      await queue.close();
      connection.disconnect();
    },
  };
}

/** Redis services plus the store: the webhook dispatcher and the job lifecycle over it. */
export async function openNodeServices(
  config: GenqConfig,
  store: Store,
  logger: Logger,
  redis: "fail-fast" | "patient",
): Promise<NodeServices> {
  return withStore(await openRedisServices(config, logger, redis), store, config, logger);
}

/** Adds the store-bound services to Redis services; `close()` then closes the store too. */
export function withStore(base: RedisServices, store: Store, config: GenqConfig, logger: Logger): NodeServices {
  const { events, streams, webhookQueue } = base;
  const webhooks = new WebhookDispatcher({
    deliveries: store.webhookDeliveries,
    queue: webhookQueue,
    maxPayloadBytes: config.delivery.webhookMaxPayloadBytes,
    baseUrl: config.delivery.publicUrl,
    logger,
  });
  const lifecycle = new JobLifecycle({ jobs: store.jobs, batches: store.batches, streams, webhooks, events, logger });
  return {
    ...base,
    store,
    webhooks,
    lifecycle,
    async close() {
      await base.close();
      await store.close();
    },
  };
}
