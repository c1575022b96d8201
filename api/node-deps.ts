// Builds the API's deps on Node: SQLite file, Redis (queue producer + event bus), model cards.
// Shared by the Node entry and the tests, which call the same app in-process.
import type { Redis } from "ioredis";
import type { GenqConfig } from "../shared/config.ts";
import { openDatabase } from "../shared/db/client.ts";
import { ApiKeyStore } from "../shared/db/api-key-store.ts";
import { RedisTokenBucket } from "../shared/limits/redis-token-bucket.ts";
import { JobStore } from "../shared/db/job-store.ts";
import { probeWritable } from "../shared/db/write-probe.ts";
import type { Logger } from "../shared/logger.ts";
import { loadModelCards } from "../shared/models/load-model-cards.ts";
import { connectRedis } from "../shared/queue/redis-connect.ts";
import { WorkerPresence } from "../shared/queue/worker-presence.ts";
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
  const models = loadModelCards(config.models);
  const db = openDatabase(config.databasePath);
  const keys = new ApiKeyStore(db);
  let policy: ReturnType<typeof resolveAuthPolicy>;
  try {
    // Refuses an open API on a non-loopback address before anything listens.
    policy = resolveAuthPolicy(config, keys.count());
    probeWritable(db);
  } catch (error) {
    db.$client.close();
    throw error;
  }
  if (policy.notice) logger.warn(policy.notice);
  // Fail fast per request when Redis is down (rows are durable; the reconciler enqueues later),
  // but wait for the first connection so startup does not race it.
  let connection: Redis;
  try {
    connection = await connectRedis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }, logger);
  } catch (error) {
    db.$client.close();
    throw error;
  }
  const events = new JobEventBus({ connection, prefix: config.queuePrefix });
  await events.start();
  const queue = new JobQueue({ connection, prefix: config.queuePrefix });
  const delivery = createNodeDeliveryDeps({ config, db, connection, events, logger });
  const presence = new WorkerPresence(connection, config.queuePrefix, config.reliability.heartbeatMs);
  const deps: AppDeps = {
    store: new JobStore(db),
    readiness: {
      checkStoreWritable: () => probeWritable(db),
      workersPerModel: () => presence.count([...models.keys()]),
    },
    queue,
    events,
    models,
    defaultModel: config.models[0].name,
    logger,
    auth: { keys, open: policy.open, adminKey: config.adminKey },
    rateLimiter: new RedisTokenBucket({
      connection,
      prefix: config.queuePrefix,
      perSecond: config.tenantLimits.submitsPerSecond,
      burst: config.tenantLimits.submitBurst,
    }),
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
      await delivery.close();
      await events.close();
      await queue.close();
      connection.disconnect();
      db.$client.close();
    },
  };
}
