// The API on Node: builds its one AppDeps (store, Redis services, SSE reader, limits, model
// cards) and serves createApp on @hono/node-server. Shared by the Node entry, `npm start` and
// the tests, which call the same app in-process.
import { connectRedis } from "../shared/queue/redis-connect.ts";
import { startWebhookRuntime } from "../shared/webhooks/delivery/webhook-runtime.ts";
import type { IncomingMessage } from "node:http";
import { serve, type ServerType } from "@hono/node-server";
import type { Context } from "hono";
import { StreamTokens } from "../shared/auth/stream-token.ts";
import type { GenqConfig } from "../shared/config.ts";
import type { JobEventBus } from "../shared/events/job-event-bus.ts";
import { RedisAuthThrottle } from "../shared/limits/redis-auth-throttle.ts";
import { RedisTokenBucket } from "../shared/limits/redis-token-bucket.ts";
import { RedisWaiterSlots } from "../shared/limits/redis-waiter-slots.ts";
import type { Logger } from "../shared/logger.ts";
import { ThroughputMeter } from "../shared/metrics/throughput-meter.ts";
import { loadModelCards } from "../shared/models/load-model-cards.ts";
import { WorkerPresence } from "../shared/queue/worker-presence.ts";
import { ModelCommandBus } from "../shared/events/model-command-bus.ts";
import { ModelResidencyBoard } from "../shared/queue/model-residency-board.ts";
import { openNodeServices, type NodeServices } from "../shared/node-services.ts";
import { DeadlineSweeper } from "../shared/queue/deadline-sweeper.ts";
import { QueueAging } from "../shared/queue/queue-aging.ts";
import { Reconciler } from "../shared/queue/reconciler.ts";
import { RetentionSweep } from "../shared/retention-sweep.ts";
import type { Store } from "../shared/store/store.ts";
import { QueuePosition } from "../shared/queue/queue-position.ts";
import { QueueDepth } from "../shared/queue/queue-depth.ts";
import { WorkerReports } from "../shared/dashboard/worker-reports.ts";
import { WebhookFailureFeed } from "../shared/dashboard/webhook-failure-feed.ts";
import { nodeMetrics } from "./node-metrics.ts";
import { ReportLedger } from "../shared/result-sink/report-ledger.ts";
import { openStore } from "../shared/store/open-store.ts";
import { JobStreamReader } from "../shared/streams/job-stream-reader.ts";
import { WebhookAddressPolicy } from "../shared/webhooks/address-policy.ts";
import { FileBlobs } from "../shared/files/file-blobs.ts";
import { BatchRunner } from "./batches/batch-runner.ts";
import { JobSubmitter } from "./routes/jobs/submit-job.ts";
import { createApp } from "./app.ts";
import { apiLimits, type AppDeps } from "./app-deps.ts";
import { resolveAuthPolicy } from "./auth/auth-policy.ts";

export interface NodeDeps {
  /** On Node the long-lived Redis subscribers themselves (tests inspect them). */
  deps: AppDeps & { events: JobEventBus; streams: JobStreamReader; fileBlobs: FileBlobs };
  services: NodeServices;
  /** Drives batches (validation, intake, finalization) and sweeps files and batches past retention. */
  batchRunner: BatchRunner;
  close(): Promise<void>;
}

export async function createNodeDeps(config: GenqConfig, logger: Logger): Promise<NodeDeps> {
  const models = loadModelCards(config.models, config.specialTokensInContent);
  const store = await openStore(config);
  let policy: ReturnType<typeof resolveAuthPolicy>;
  let services: NodeServices;
  try {
    // Refuses an open API on a non-loopback address before anything listens.
    policy = resolveAuthPolicy(config, await store.apiKeys.count());
    await store.checkWritable();
    services = await openNodeServices(config, store, logger, "fail-fast");
  } catch (error) {
    await store.close();
    throw error;
  }
  if (policy.notice) logger.warn(policy.notice);
  const { connection, events } = services;
  const prefix = config.queuePrefix;
  const streams = new JobStreamReader({ connection, prefix });
  const throughput = new ThroughputMeter();
  const waiters = new RedisWaiterSlots({ connection, prefix, maxPerTenant: config.tenantLimits.maxWaiters });
  const presence = new WorkerPresence(connection, prefix, config.reliability.heartbeatMs);
  const residencyBoard = new ModelResidencyBoard(connection, prefix, config.reliability.heartbeatMs);
  const modelCommands = new ModelCommandBus(connection, prefix);
  const stopMeter = events.onChange((event) => throughput.observe(event));
  const queueDepth = new QueueDepth({ connection, prefix });
  const workerReports = new WorkerReports({ connection, prefix, staleMs: 3 * Math.max(1_000, config.reliability.heartbeatMs) });
  const webhookFailures = new WebhookFailureFeed(connection, prefix);
  const fileBlobs = new FileBlobs(config.dataDir);
  // Wired to the batch runner below, which itself needs these deps (to check lines like POST /v1/jobs).
  const batchDriver: AppDeps["batchDriver"] = { kick: () => {} };
  const deps: NodeDeps["deps"] = {
    store,
    lifecycle: services.lifecycle,
    queue: services.queue,
    events,
    streams,
    webhooks: services.webhooks,
    webhookPolicy: new WebhookAddressPolicy(config.webhookAllowHosts),
    queuePositions: new QueuePosition({ connection, prefix }),
    live: {
      queueDepth: (names) => queueDepth.of(names),
      workers: () => workerReports.list(),
      webhookFailures: (tenantId, limit) => webhookFailures.recent(tenantId, limit),
    },
    metrics: nodeMetrics(() => deps),
    throughput,
    rateLimiter: new RedisTokenBucket({
      connection,
      prefix,
      perSecond: config.tenantLimits.submitsPerSecond,
      burst: config.tenantLimits.submitBurst,
    }),
    waiters,
    models,
    readiness: {
      workersPerModel: () => presence.count([...models.keys()]),
    },
    residency: {
      read: (names) => residencyBoard.read(names),
      command: (command) => modelCommands.publish(command),
    },
    defaultModel: config.models[0].name,
    logger,
    auth: {
      open: policy.open,
      adminKey: config.adminKey,
      metricsToken: config.metricsToken,
      throttle: new RedisAuthThrottle({ connection, prefix }),
      clientAddress: socketAddress,
      streamTokens: new StreamTokens(await store.instanceSecrets.getOrCreate("stream-token", Date.now()), config.delivery.streamTokenTtlMs),
    },
    limits: apiLimits(config),
    fileBlobs,
    batchConfig: config.batches,
    batchDriver,
    publicUrl: config.delivery.publicUrl,
    resultReports: config.resultSink.token ? { token: config.resultSink.token, ledger: new ReportLedger({ connection, prefix }) } : undefined,
    now: Date.now,
  };
  // Deadlines (max_queue_seconds, timeout_seconds) are enforced by the API, so they hold with no
  // worker up; aging re-prioritises waiting jobs one level per GENQ_PRIORITY_AGING_SECONDS.
  const sweeper = new DeadlineSweeper({ jobs: store.jobs, lifecycle: services.lifecycle, queue: services.queue, events, logger });
  sweeper.start();
  const aging = new QueueAging({ jobs: store.jobs, queue: services.queue, agingMs: config.priorityAgingMs, logger });
  aging.start();
  const storeChores = config.resultSink.token ? await startStoreChores(config, store, services, [...models.keys()], logger) : async () => {};
  // Batches are driven by the API processes (they hold the files); leases keep them apart.
  const batchRunner = new BatchRunner({
    store,
    blobs: fileBlobs,
    queue: services.queue,
    lifecycle: services.lifecycle,
    events,
    webhooks: services.webhooks,
    submitter: new JobSubmitter(deps),
    logger,
    retentionMs: config.reliability.jobRetentionMs,
    retentionSweepMs: config.reliability.retentionSweepMs,
  });
  batchDriver.kick = (id) => batchRunner.kick(id);
  batchRunner.start();
  return {
    deps,
    services,
    batchRunner,
    async close() {
      await batchRunner.stop();
      await sweeper.stop();
      await aging.stop();
      await storeChores();
      stopMeter();
      waiters.close();
      await streams.close();
      await services.close();
    },
  };
}

export interface ApiHandle {
  url: string;
  port: number;
  deps: AppDeps;
  /** Stops accepting, ends long-polls and closes connections. */
  close(): Promise<void>;
}

export async function startApi(config: GenqConfig, logger: Logger): Promise<ApiHandle> {
  const nodeDeps = await createNodeDeps(config, logger);
  const app = createApp(nodeDeps.deps);
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
        s.off("error", reject);
        resolve(s);
      });
      s.once("error", reject);
    });
  } catch (error) {
    await nodeDeps.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    deps: nodeDeps.deps,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-polls would hold close() for up to a minute: end idle and waiting sockets now.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await nodeDeps.close();
    },
  };
}

/** @hono/node-server puts the IncomingMessage in c.env; its socket is the peer (no headers trusted). */
function socketAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

const RECONCILE_EVERY_MS = 15_000;

/**
 * With GENQ_RESULT_SINK_TOKEN set, GENQ_RESULT_SINK=http workers (which open no store) may be all
 * there is: the API then also delivers webhooks, re-enqueues lost jobs and applies retention.
 * Returns the stopper.
 */
async function startStoreChores(config: GenqConfig, store: Store, services: NodeServices, models: string[], logger: Logger): Promise<() => Promise<void>> {
  // BullMQ workers need a connection that waits (maxRetriesPerRequest: null); the API's fails fast.
  const patient = await connectRedis(config.redisUrl, { maxRetriesPerRequest: null }, logger);
  const webhooks = await startWebhookRuntime(config, { ...services, connection: patient }, logger);
  const reconciler = new Reconciler({ jobs: store.jobs, queue: services.queue, models, logger });
  const retention = new RetentionSweep({ jobs: store.jobs, connection: services.connection, prefix: config.queuePrefix, retentionMs: config.reliability.jobRetentionMs, logger });
  const timers = [
    setInterval(() => void reconciler.reconcile().catch((error) => logger.warn("reconcile failed", { error })), RECONCILE_EVERY_MS),
    setInterval(() => void retention.sweep().catch((error) => logger.warn("retention sweep failed", { error })), config.reliability.retentionSweepMs),
  ];
  timers.forEach((timer) => timer.unref());
  return async () => {
    timers.forEach((timer) => clearInterval(timer));
    await webhooks.close();
    patient.disconnect();
  };
}
