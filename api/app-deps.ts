// Everything the runtime-neutral app needs, injected by the entry (node.ts, tests, or a Workers
// adapter): storage, queue, notifications, model cards, limits and a clock.
import type { ApiKeyStore } from "../shared/db/api-key-store.ts";
import type { DeliveryPorts } from "./delivery-ports.ts";
import type { JobStore } from "../shared/db/job-store.ts";
import type { Logger } from "../shared/logger.ts";
import type { ModelCard } from "../shared/models/model-card.ts";
import type { EnqueueRequest } from "../shared/queue/job-queue.ts";
import type { JobChangedEvent } from "../shared/jobs.ts";

export interface QueuePort {
  enqueue(request: EnqueueRequest): Promise<void>;
  remove(id: string, model: string): Promise<boolean>;
  /** Waiting-job counts per model, for /metrics and readiness. */
  counts?(): Promise<Record<string, Record<string, number>>>;
  ping?(): Promise<void>;
}

export interface EventsPort {
  waitForChange(id: string, timeoutMs: number): { changed: Promise<boolean>; dispose: () => void };
  publishChanged(event: JobChangedEvent): Promise<void>;
  publishCancel(id: string): Promise<void>;
  readonly waiterCount: number;
}

export interface RateLimitPort {
  /** Takes one submit token for the tenant; refused with the wait until the next one. */
  take(tenantId: string): Promise<{ allowed: boolean; retryAfterMs: number }>;
}

export interface AuthDeps {
  keys: ApiKeyStore;
  /**
   * When a request may come without a key: "always" (GENQ_AUTH=off), "until-first-key" (the
   * loopback quick start: open until any key has been issued), "never". Decided at startup by
   * api/auth/auth-policy.ts, which refuses an open API on a non-loopback address.
   */
  open: "always" | "until-first-key" | "never";
  /** GENQ_ADMIN_KEY; without it the admin API does not exist (404). */
  adminKey?: string;
}

export interface ApiLimits {
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Deepest accepted JSON nesting. */
  maxJsonDepth: number;
  /** Longest `?wait=` for long-polls, seconds. */
  maxWaitSeconds: number;
  /** Queued-or-running jobs per tenant; 0 = no cap. */
  maxActiveJobsPerTenant: number;
  /** Largest accepted `max_tokens` (the model's context also applies). */
  maxTokens: number;
  /** Longest prompt (or sum of message contents), characters. */
  maxPromptChars: number;
}

/** What /readyz checks beyond Redis answering (see README: readiness). */
export interface ReadinessPort {
  /** Throws when the store cannot take writes (read-only file, full disk, lost connection). */
  checkStoreWritable(): void | Promise<void>;
  /** Live workers per served model (heartbeats). */
  workersPerModel(): Promise<Record<string, number>>;
}

export interface AppDeps {
  store: JobStore;
  readiness: ReadinessPort;
  queue: QueuePort;
  events: EventsPort;
  /** Registered models by name; `defaultModel` names the first. */
  models: Map<string, ModelCard>;
  defaultModel: string;
  logger: Logger;
  auth: AuthDeps;
  /** Per-tenant submit rate; absent = unlimited. */
  rateLimiter?: RateLimitPort;
  /** Webhooks, SSE streams, queue position; absent = those features are off. */
  delivery?: DeliveryPorts;
  limits?: Partial<ApiLimits>;
  now?: () => number;
}

// The per-tenant numbers match shared/config.ts's defaults; entries pass the configured ones.
export const DEFAULT_LIMITS: ApiLimits = {
  maxBodyBytes: 1_048_576,
  maxJsonDepth: 32,
  maxWaitSeconds: 60,
  maxActiveJobsPerTenant: 10_000,
  maxTokens: 8_192,
  maxPromptChars: 100_000,
};
