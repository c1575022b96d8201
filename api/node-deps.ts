// Builds the API's deps on Node: SQLite file, Redis (queue producer + event bus), model cards.
// Shared by the Node entry and the tests, which call the same app in-process.
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { Redis } from "ioredis";
import type { GenqConfig } from "../shared/config.ts";
import { openDatabase } from "../shared/db/client.ts";
import { ApiKeyStore } from "../shared/db/api-key-store.ts";
import { RedisTokenBucket } from "../shared/limits/redis-token-bucket.ts";
import { RedisWaiterSlots } from "../shared/limits/redis-waiter-slots.ts";
import { RedisAuthThrottle } from "../shared/limits/redis-auth-throttle.ts";
import { JobStore } from "../shared/db/job-store.ts";
import type { Logger } from "../shared/logger.ts";
import { loadModelCard, type ModelCard } from "../shared/models/model-card.ts";
import { JobEventBus } from "../shared/queue/job-event-bus.ts";
import { JobQueue } from "../shared/queue/job-queue.ts";
import type { AppDeps } from "./app-deps.ts";
import { resolveAuthPolicy } from "./auth/auth-policy.ts";
import { createNodeDeliveryDeps } from "./node-delivery-deps.ts";

export interface NodeDeps {
  deps: AppDeps;
  connection: Redis;
  close(): Promise<void>;
}

export async function createNodeDeps(config: GenqConfig, logger: Logger): Promise<NodeDeps> {
  if (!config.redisUrl) throw new Error("REDIS_URL is required to start the API");
  const db = openDatabase(config.databasePath);
  const keys = new ApiKeyStore(db);
  let policy: ReturnType<typeof resolveAuthPolicy>;
  try {
    // Refuses an open API on a non-loopback address before anything listens.
    policy = resolveAuthPolicy(config, keys.count());
  } catch (error) {
    db.$client.close();
    throw error;
  }
  if (policy.notice) logger.warn(policy.notice);
  // Fail fast per request when Redis is down (rows are durable; the reconciler enqueues later),
  // but wait for the first connection so startup does not race it.
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  connection.on("error", (error) => logger.debug("redis connection error", { error }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis at ${config.redisUrl} did not answer within 10 s`)), 10_000);
    connection.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const events = new JobEventBus({ connection, prefix: config.queuePrefix });
  await events.start();
  const queue = new JobQueue({ connection, prefix: config.queuePrefix });
  const models = new Map<string, ModelCard>(config.models.map((m) => [m.name, loadModelCard(m.name, m.path, { specialTokensInContent: config.specialTokensInContent.includes(m.name) })]));
  const delivery = createNodeDeliveryDeps({ config, db, connection, events, logger });
  const waiters = new RedisWaiterSlots({ connection, prefix: config.queuePrefix, maxPerTenant: config.tenantLimits.maxWaiters });
  const deps: AppDeps = {
    store: new JobStore(db),
    queue,
    events,
    models,
    defaultModel: config.models[0].name,
    logger,
    auth: {
      keys,
      open: policy.open,
      adminKey: config.adminKey,
      metricsToken: config.metricsToken,
      throttle: new RedisAuthThrottle({ connection, prefix: config.queuePrefix }),
      clientAddress: socketAddress,
    },
    rateLimiter: new RedisTokenBucket({
      connection,
      prefix: config.queuePrefix,
      perSecond: config.tenantLimits.submitsPerSecond,
      burst: config.tenantLimits.submitBurst,
    }),
    waiters,
    limits: {
      maxActiveJobsPerTenant: config.tenantLimits.maxActiveJobs,
      maxTokens: config.tenantLimits.maxTokens,
      maxPromptChars: config.tenantLimits.maxPromptChars,
    },
    delivery: delivery.ports,
  };
  return {
    deps,
    connection,
    async close() {
      waiters.close();
      await delivery.close();
      await events.close();
      await queue.close();
      connection.disconnect();
      db.$client.close();
    },
  };
}

/** @hono/node-server puts the IncomingMessage in c.env; its socket is the peer (no headers trusted). */
function socketAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}
