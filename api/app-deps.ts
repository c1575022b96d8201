// Everything the runtime-neutral app needs, injected by the entry (node.ts, tests, or a Workers
// adapter): storage, queue, notifications, model cards, limits and a clock.
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

export interface ApiLimits {
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Deepest accepted JSON nesting. */
  maxJsonDepth: number;
  /** Longest `?wait=` for long-polls, seconds. */
  maxWaitSeconds: number;
}

export interface AppDeps {
  store: JobStore;
  queue: QueuePort;
  events: EventsPort;
  /** Registered models by name; `defaultModel` names the first. */
  models: Map<string, ModelCard>;
  defaultModel: string;
  logger: Logger;
  limits?: Partial<ApiLimits>;
  now?: () => number;
}

export const DEFAULT_LIMITS: ApiLimits = { maxBodyBytes: 1_048_576, maxJsonDepth: 32, maxWaitSeconds: 60 };
