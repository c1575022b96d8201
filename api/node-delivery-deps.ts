// Builds the API's result-delivery ports on Node: webhook stores + producer, the SSE stream
// reader (one blocking Redis connection per process), queue position and throughput.
import type { Redis } from "ioredis";
import type { GenqConfig } from "../shared/config.ts";
import type { GenqDatabase } from "../shared/db/client.ts";
import { WebhookDeliveryStore } from "../shared/db/webhook-delivery-store.ts";
import { WebhookSecretStore } from "../shared/db/webhook-secret-store.ts";
import type { Logger } from "../shared/logger.ts";
import type { JobEventBus } from "../shared/queue/job-event-bus.ts";
import { JobStreamPublisher } from "../shared/queue/job-stream-publisher.ts";
import { JobStreamReader } from "../shared/queue/job-stream-reader.ts";
import { QueuePosition } from "../shared/queue/queue-position.ts";
import { ThroughputMeter } from "../shared/queue/throughput-meter.ts";
import { WebhookQueue } from "../shared/queue/webhook-queue.ts";
import { WebhookAddressPolicy } from "../shared/webhooks/address-policy.ts";
import { WebhookDispatcher } from "../shared/webhooks/webhook-dispatcher.ts";
import { checkWebhookUrl } from "../shared/webhooks/webhook-url-check.ts";
import type { DeliveryPorts } from "./delivery-ports.ts";

export interface NodeDeliveryDeps {
  ports: DeliveryPorts;
  close(): Promise<void>;
}

export function createNodeDeliveryDeps(input: {
  config: GenqConfig;
  db: GenqDatabase;
  connection: Redis;
  events: JobEventBus;
  logger: Logger;
}): NodeDeliveryDeps {
  const { config, db, connection, events, logger } = input;
  const prefix = config.queuePrefix;
  const policy = new WebhookAddressPolicy(config.webhookAllowHosts);
  const deliveries = new WebhookDeliveryStore(db);
  const secrets = new WebhookSecretStore(db, { configuredSecret: config.webhookSecret, graceMs: config.delivery.webhookSecretGraceMs });
  const webhookQueue = new WebhookQueue({ connection, prefix });
  const dispatcher = new WebhookDispatcher({
    deliveries,
    queue: webhookQueue,
    maxPayloadBytes: config.delivery.webhookMaxPayloadBytes,
    baseUrl: config.delivery.publicUrl,
    logger,
  });
  const publisher = new JobStreamPublisher({ connection, prefix, ttlMs: config.delivery.jobStreamTtlMs });
  const reader = new JobStreamReader({ connection, prefix });
  const positions = new QueuePosition({ connection, prefix });
  const throughput = new ThroughputMeter();
  const stopMeter = events.onChange((event) => throughput.observe(event));

  const ports: DeliveryPorts = {
    webhooks: {
      checkUrl: (url) => void checkWebhookUrl(url, policy),
      list: (jobId) => deliveries.listForJob(jobId),
      redeliver: async (row, event) => {
        const { replayed, capped } = await dispatcher.redeliver(row, event);
        return { replayed: replayed.length, capped };
      },
      rotateSecret: (tenantId) => secrets.rotate(tenantId),
      revealSecret: (tenantId) => secrets.reveal(tenantId),
    },
    streams: {
      subscribe: (jobId, afterId, onEntries) => reader.subscribe(jobId, afterId, onEntries),
      ensureTerminal: (row) => publisher.ensureTerminal(row),
      keepAliveMs: config.delivery.sseKeepAliveMs,
      subscriberCount: () => reader.subscriberCount,
    },
    async jobChanged(row) {
      await publisher.status(row).catch((error) => logger.warn("job stream write failed", { jobId: row.id, error }));
      // A failure here is repaired by the worker's webhook reconciler.
      await dispatcher.dispatch(row).catch((error) => logger.warn("webhook dispatch failed", { jobId: row.id, error }));
    },
    queuePosition: (id, model) => positions.of(id, model),
    completionsPerSecond: () => throughput.completionsPerSecond(),
  };
  return {
    ports,
    async close() {
      stopMeter();
      await reader.close();
      await webhookQueue.close();
    },
  };
}
