// The API on Cloudflare Workers: builds AppDeps for one request (or one cron tick) over the D1
// store and a Redis connection opened for that request (workerd ties a socket to the request that
// opened it). Long-polls poll the store, SSE reads the job's stream for a bounded time; the
// sweepers run from the cron trigger. api/workers.ts is the entry.
import { QueueDepth } from "../shared/queue/queue-depth.ts";
import { WorkerReports } from "../shared/dashboard/worker-reports.ts";
import { WebhookFailureFeed } from "../shared/dashboard/webhook-failure-feed.ts";
import { workersMetrics } from "./workers-metrics.ts";
import { unavailableFileBlobs } from "../shared/store/d1/d1-unavailable-batch-stores.ts";
import type { Context } from "hono";
import { StreamTokens } from "../shared/auth/stream-token.ts";
import type { GenqConfig } from "../shared/config.ts";
import { ModelCommandBus } from "../shared/events/model-command-bus.ts";
import { PollingJobEvents } from "../shared/events/polling-job-events.ts";
import { RedisAuthThrottle } from "../shared/limits/redis-auth-throttle.ts";
import { RedisTokenBucket } from "../shared/limits/redis-token-bucket.ts";
import { RedisWaiterSlots } from "../shared/limits/redis-waiter-slots.ts";
import type { Logger } from "../shared/logger.ts";
import { ThroughputMeter } from "../shared/metrics/throughput-meter.ts";
import type { ModelCard } from "../shared/models/model-card.ts";
import { redisServicesOn, withStore, type NodeServices } from "../shared/node-services.ts";
import { ModelResidencyBoard } from "../shared/queue/model-residency-board.ts";
import { QueuePosition } from "../shared/queue/queue-position.ts";
import { connectRedis } from "../shared/queue/redis-connect.ts";
import { WorkerPresence } from "../shared/queue/worker-presence.ts";
import { ReportLedger } from "../shared/result-sink/report-ledger.ts";
import { openD1Store } from "../shared/store/d1/d1-store.ts";
import type { D1Binding } from "../shared/store/d1/d1-database.ts";
import { BoundedJobStreamReader } from "../shared/streams/bounded-job-stream-reader.ts";
import { WebhookAddressPolicy } from "../shared/webhooks/address-policy.ts";
import { apiLimits, type AppDeps } from "./app-deps.ts";

/** The Worker's bindings: D1 as `DB`; vars and secrets are the GENQ_* settings. */
export interface WorkersEnv {
  DB: D1Binding;
  [setting: string]: unknown;
}

/** Everything of a deployment that outlives a request: parsed once per isolate. */
export interface WorkersRuntime {
  config: GenqConfig;
  logger: Logger;
  models: Map<string, ModelCard>;
  defaultModel: string;
}

/** The stream-token secret, read from D1 once per isolate (a plain string may cross requests). */
let streamTokenSecret: string | undefined;

export async function createWorkersServices(env: WorkersEnv, runtime: WorkersRuntime): Promise<NodeServices> {
  const { config, logger } = runtime;
  const store = openD1Store(env.DB, { configuredSecret: config.webhookSecret, graceMs: config.delivery.webhookSecretGraceMs });
  // Fail fast like the Node API: a request is answered at once while Redis is down.
  const connection = await connectRedis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }, logger);
  return withStore(await redisServicesOn(connection, config, { subscribe: false }), store, config, logger);
}

export async function createWorkersDeps(services: NodeServices, runtime: WorkersRuntime): Promise<{ deps: AppDeps; close(): Promise<void> }> {
  const { config, logger, models } = runtime;
  const { store, connection, queue, lifecycle, webhooks, events } = services;
  const prefix = config.queuePrefix;
  const waiters = new RedisWaiterSlots({ connection, prefix, maxPerTenant: config.tenantLimits.maxWaiters });
  const presence = new WorkerPresence(connection, prefix, config.reliability.heartbeatMs);
  const residencyBoard = new ModelResidencyBoard(connection, prefix, config.reliability.heartbeatMs);
  const modelCommands = new ModelCommandBus(connection, prefix);
  const queueDepth = new QueueDepth({ connection, prefix });
  const workerReports = new WorkerReports({ connection, prefix, staleMs: 3 * Math.max(1_000, config.reliability.heartbeatMs) });
  const webhookFailures = new WebhookFailureFeed(connection, prefix);
  streamTokenSecret ??= await store.instanceSecrets.getOrCreate("stream-token", Date.now());
  const deps: AppDeps = {
    store,
    lifecycle,
    queue,
    events: new PollingJobEvents(events),
    streams: new BoundedJobStreamReader({ connection, prefix, retryMs: 1_000 }),
    webhooks,
    webhookPolicy: new WebhookAddressPolicy(config.webhookAllowHosts),
    queuePositions: new QueuePosition({ connection, prefix }),
    // No subscription feeds it here: Retry-After falls back to its no-throughput value.
    throughput: new ThroughputMeter(),
    rateLimiter: new RedisTokenBucket({ connection, prefix, perSecond: config.tenantLimits.submitsPerSecond, burst: config.tenantLimits.submitBurst }),
    waiters,
    models,
    readiness: { workersPerModel: () => presence.count([...models.keys()]) },
    // Redis-backed views: they need no subscription, so they work per request here too.
    live: {
      queueDepth: (names) => queueDepth.of(names),
      workers: () => workerReports.list(),
      webhookFailures: (tenantId, limit) => webhookFailures.recent(tenantId, limit),
    },
    metrics: workersMetrics(() => deps),
    // Files & Batches answer 501 here: a Node API holds the files and drives batches.
    fileBlobs: unavailableFileBlobs,
    batchConfig: config.batches,
    batchDriver: { kick: () => {} },
    residency: {
      read: (names) => residencyBoard.read(names),
      command: (command) => modelCommands.publish(command),
    },
    defaultModel: runtime.defaultModel,
    logger,
    auth: {
      // No loopback quick start on the network: keys are required unless GENQ_AUTH=off.
      open: config.auth === "off" ? "always" : "never",
      adminKey: config.adminKey,
      metricsToken: config.metricsToken,
      throttle: new RedisAuthThrottle({ connection, prefix }),
      clientAddress: (c: Context) => c.req.header("cf-connecting-ip"),
      streamTokens: new StreamTokens(streamTokenSecret, config.delivery.streamTokenTtlMs),
    },
    limits: apiLimits(config),
    publicUrl: config.delivery.publicUrl,
    resultReports: config.resultSink.token ? { token: config.resultSink.token, ledger: new ReportLedger({ connection, prefix }) } : undefined,
    now: Date.now,
  };
  return {
    deps,
    async close() {
      waiters.close();
      await services.close();
    },
  };
}
