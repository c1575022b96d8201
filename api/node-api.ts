// The API on Node: builds its one AppDeps (store, Redis services, SSE reader, limits, model
// cards) and serves createApp on @hono/node-server. Shared by the Node entry, `npm start` and
// the tests, which call the same app in-process.
import type { IncomingMessage } from "node:http";
import { serve, type ServerType } from "@hono/node-server";
import type { Context } from "hono";
import { StreamTokens } from "../shared/auth/stream-token.ts";
import type { GenqConfig } from "../shared/config.ts";
import { RedisAuthThrottle } from "../shared/limits/redis-auth-throttle.ts";
import { RedisTokenBucket } from "../shared/limits/redis-token-bucket.ts";
import { RedisWaiterSlots } from "../shared/limits/redis-waiter-slots.ts";
import type { Logger } from "../shared/logger.ts";
import { ThroughputMeter } from "../shared/metrics/throughput-meter.ts";
import { loadModelCards } from "../shared/models/load-model-cards.ts";
import { WorkerPresence } from "../shared/queue/worker-presence.ts";
import { openNodeServices, type NodeServices } from "../shared/node-services.ts";
import { DeadlineSweeper } from "../shared/queue/deadline-sweeper.ts";
import { QueueAging } from "../shared/queue/queue-aging.ts";
import { QueuePosition } from "../shared/queue/queue-position.ts";
import { openStore } from "../shared/store/open-store.ts";
import { JobStreamReader } from "../shared/streams/job-stream-reader.ts";
import { WebhookAddressPolicy } from "../shared/webhooks/address-policy.ts";
import { createApp } from "./app.ts";
import { apiLimits, type AppDeps } from "./app-deps.ts";
import { resolveAuthPolicy } from "./auth/auth-policy.ts";

export interface NodeDeps {
  deps: AppDeps;
  services: NodeServices;
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
  const stopMeter = events.onChange((event) => throughput.observe(event));
  const deps: AppDeps = {
    store,
    lifecycle: services.lifecycle,
    queue: services.queue,
    events,
    streams,
    webhooks: services.webhooks,
    webhookPolicy: new WebhookAddressPolicy(config.webhookAllowHosts),
    queuePositions: new QueuePosition({ connection, prefix }),
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
    publicUrl: config.delivery.publicUrl,
    now: Date.now,
  };
  // Deadlines (max_queue_seconds, timeout_seconds) are enforced by the API, so they hold with no
  // worker up; aging re-prioritises waiting jobs one level per GENQ_PRIORITY_AGING_SECONDS.
  const sweeper = new DeadlineSweeper({ jobs: store.jobs, lifecycle: services.lifecycle, queue: services.queue, events, logger });
  sweeper.start();
  const aging = new QueueAging({ jobs: store.jobs, queue: services.queue, agingMs: config.priorityAgingMs, logger });
  aging.start();
  return {
    deps,
    services,
    async close() {
      await sweeper.stop();
      await aging.stop();
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
