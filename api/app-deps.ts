// Everything the runtime-neutral app needs, as one required object built in one place per
// runtime (api/node-api.ts for Node): the store port, the job lifecycle, Redis-backed queue,
// events and streams, model cards, limits and a clock. Also the Hono env every route shares.
import type { StreamTokens } from "../shared/auth/stream-token.ts";
import type { GenqConfig, TenantLimits } from "../shared/config.ts";
import type { JobEventBus } from "../shared/events/job-event-bus.ts";
import type { ModelCommand } from "../shared/events/model-command-bus.ts";
import type { JobLifecycle } from "../shared/job-lifecycle.ts";
import type { Context } from "hono";
import type { BatchConfig } from "../shared/batch-config.ts";
import type { FileBlobs } from "../shared/files/file-blobs.ts";
import type { RedisAuthThrottle } from "../shared/limits/redis-auth-throttle.ts";
import type { RedisTokenBucket } from "../shared/limits/redis-token-bucket.ts";
import type { RedisWaiterSlots } from "../shared/limits/redis-waiter-slots.ts";
import type { Logger } from "../shared/logger.ts";
import type { ThroughputMeter } from "../shared/metrics/throughput-meter.ts";
import type { ModelCard } from "../shared/models/model-card.ts";
import type { JobQueue } from "../shared/queue/job-queue.ts";
import type { ModelResidencyView } from "../shared/queue/model-residency-board.ts";
import type { QueuePosition } from "../shared/queue/queue-position.ts";
import type { ReportLedger } from "../shared/result-sink/report-ledger.ts";
import type { Store } from "../shared/store/store.ts";
import type { JobStreamEntry } from "../shared/streams/job-stream-reader.ts";
import type { WebhookAddressPolicy } from "../shared/webhooks/address-policy.ts";
import type { WebhookDispatcher } from "../shared/webhooks/webhook-dispatcher.ts";
import type { WorkerReport } from "../shared/dashboard/worker-reports.ts";
import type { WebhookFailure } from "../shared/dashboard/webhook-failure-feed.ts";
import type { ModelQueueDepth } from "../shared/queue/queue-depth.ts";

export interface AuthSettings {
  /**
   * When a request may come without a key: "always" (GENQ_AUTH=off), "until-first-key" (the
   * loopback quick start: open until any key has been issued), "never". Decided at startup by
   * api/auth/auth-policy.ts, which refuses an open API on a non-loopback address.
   */
  open: "always" | "until-first-key" | "never";
  /** GENQ_ADMIN_KEY; without it the admin API does not exist (404). */
  adminKey?: string;
  /** GENQ_METRICS_TOKEN; when set, /metrics wants it as a Bearer token (else /metrics is open). */
  metricsToken?: string;
  /** Failed-auth counters shared by all API processes; absent = failures are only logged. */
  throttle?: RedisAuthThrottle;
  /** The peer address as the runtime saw it (the socket on Node), for throttling and logs. */
  clientAddress?: (c: Context) => string | undefined;
  /** Signs `?token=` stream tokens into job answers' `urls.events`; absent = none are issued. */
  streamTokens?: StreamTokens;
}

/** Per-tenant limits from config (0 = off) plus the HTTP limits every request gets. */
export interface ApiLimits extends TenantLimits {
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Deepest accepted JSON nesting. */
  maxJsonDepth: number;
  /** Longest `?wait=` for long-polls, seconds. */
  maxWaitSeconds: number;
  /** Comment lines on idle SSE streams, ms. */
  sseKeepAliveMs: number;
}

export function apiLimits(config: GenqConfig): ApiLimits {
  return { ...config.tenantLimits, maxBodyBytes: 1_048_576, maxJsonDepth: 32, maxWaitSeconds: 60, sseKeepAliveMs: config.delivery.sseKeepAliveMs };
}

/** What /readyz checks beyond the store taking writes and Redis answering (see README). */
export interface ReadinessPort {
  /** Live workers per served model (heartbeats). */
  workersPerModel(): Promise<Record<string, number>>;
}

/**
 * Long-poll wake-ups and cancel signals: on Node the Redis pub/sub bus (JobEventBus); on Workers,
 * which cannot hold a subscription, store polling (shared/events/polling-job-events.ts).
 */
export type JobEvents = Pick<JobEventBus, "waitForChange" | "publishCancel" | "waiterCount" | "onChange">;

/**
 * Job streams for SSE: on Node one blocking reader per process (JobStreamReader); on Workers a
 * bounded read per response (BoundedJobStreamReader), which calls `onClosed` with a retry hint.
 */
export interface JobStreamSource {
  subscribe(jobId: string, afterId: string, onEntries: (entries: JobStreamEntry[]) => void, onClosed?: (retryMs: number) => void): () => void;
}

/** Model residency across workers (GET /v1/models) and the admin load/unload commands. */
export interface ResidencyPort {
  /** Each listed model's state combined over the live workers. */
  read(models: readonly string[]): Promise<ModelResidencyView[]>;
  /** Tells the workers; resolves with how many worker processes listen. */
  command(command: ModelCommand): Promise<number>;
}

/** A Prometheus text exposition, rendered per scrape. */
export interface MetricsExposition {
  contentType: string;
  render(): Promise<string>;
}

/** Live operational views (Redis, never table scans) for /metrics and the dashboard. */
export interface LiveViews {
  /** Waiting jobs per model and priority level, and jobs held by workers. */
  queueDepth(models: readonly string[]): Promise<Record<string, ModelQueueDepth>>;
  /** Live workers' reports (models and their state, running batch, KV usage). */
  workers(): Promise<WorkerReport[]>;
  /** Latest failed webhook attempts, newest first; `tenantId` null = every tenant's. */
  webhookFailures(tenantId: string | null, limit: number): Promise<WebhookFailure[]>;
}

export interface AppDeps {
  store: Store;
  /** Live workers per model, for /readyz. */
  readiness: ReadinessPort;
  residency: ResidencyPort;
  /** Every job-row change the API makes (cancel) goes through it. */
  lifecycle: JobLifecycle;
  queue: JobQueue;
  /** Row-change wake-ups (long-polls) and cancel signals. */
  events: JobEvents;
  /** SSE: job streams. */
  streams: JobStreamSource;
  /** Redelivery of a job's webhooks. */
  webhooks: WebhookDispatcher;
  /** SSRF rules for webhook URLs at submit. */
  webhookPolicy: WebhookAddressPolicy;
  queuePositions: QueuePosition;
  live: LiveViews;
  /** GET /metrics (Node: api/node-metrics.ts, the API's series plus the process's and in-process workers'). */
  metrics: MetricsExposition;
  /** Jobs finished per second lately, for Retry-After. */
  throughput: ThroughputMeter;
  /** Per-tenant rate of mutating requests (a rate of 0 turns it off). */
  rateLimiter: RedisTokenBucket;
  /** Per-tenant cap on open long-polls and SSE streams, across API processes. */
  waiters: RedisWaiterSlots;
  /** Registered models by name; `defaultModel` names the first. */
  models: Map<string, ModelCard>;
  defaultModel: string;
  logger: Logger;
  /** Bytes of uploaded and written files (OpenAI Files) on the data dir. */
  fileBlobs: Pick<FileBlobs, "writer" | "read" | "remove">;
  /** Upload limits and the batch completion window. */
  batchConfig: BatchConfig;
  /** Moves a batch on now (after create and cancel) rather than at the runner's next pass. */
  batchDriver: { kick(batchId: string): void };
  auth: AuthSettings;
  limits: ApiLimits;
  /** GENQ_PUBLIC_URL: base of problem+json `type` links ("" = relative links). */
  publicUrl: string;
  /** GENQ_RESULT_SINK_TOKEN set: POST /internal/v1/results takes reports from GENQ_RESULT_SINK=http workers. */
  resultReports?: { token: string; ledger: ReportLedger };
  now: () => number;
}

/** Hono environment shared by every route: per-request variables set by middleware. */
export interface AppEnv {
  Variables: {
    /** Owner of the request's jobs; "" when the service runs without API keys. */
    tenantId: string;
    /** Key id when authenticated with an API key. */
    apiKeyId: string | null;
    /** The `?token=` stream token the request was authenticated with (job reads only). */
    streamToken: { token: string; expiresAtMs: number } | null;
    /** Dashboard routes only: the admin key (or an open quick start) sees everything, an API key its tenant. */
    dashboardScope: "admin" | "tenant";
  };
}
