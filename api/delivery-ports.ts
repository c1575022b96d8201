// What result delivery needs from the runtime (webhooks, SSE streams, queue position, recent
// throughput), injected like the other ports; absent on runtimes without Redis Streams/BullMQ.
import type { JobRow } from "../shared/db/schema/jobs.ts";
import type { DeliveryWithAttempts } from "../shared/db/webhook-delivery-store.ts";
import type { RevealedSecret, RotatedSecret } from "../shared/db/webhook-secret-store.ts";
import type { JobStreamEntry } from "../shared/queue/job-stream-reader.ts";
import type { WebhookEvent } from "../shared/webhooks/webhook-events.ts";

export interface WebhooksPort {
  /** Submit-time SSRF rules (scheme, credentials, literal IPs); throws WEBHOOK_URL_REJECTED. */
  checkUrl(url: string): void;
  /** The job's deliveries with their attempt logs. */
  list(jobId: string): DeliveryWithAttempts[];
  /**
   * Replays finished deliveries (all, or one event) with the same webhook-id; says how many
   * started a round and how many were left alone at the redelivery cap.
   */
  redeliver(row: JobRow, event?: WebhookEvent): Promise<{ replayed: number; capped: number }>;
  /** New signing secret for the tenant; the old ones sign on for the grace period. */
  rotateSecret(tenantId: string): RotatedSecret;
  /** The tenant's current secret (created if it has none), the first time only. */
  revealSecret(tenantId: string): RevealedSecret;
}

export interface JobStreamsPort {
  /** Entries after `afterId` ("0-0" = all) until the returned function is called. */
  subscribe(jobId: string, afterId: string, onEntries: (entries: JobStreamEntry[]) => void): () => void;
  /** Id of the stream's terminal status event, written from the row when missing. */
  ensureTerminal(row: JobRow): Promise<string>;
  /** Comment lines on idle streams, ms. */
  keepAliveMs: number;
  /** Open subscriptions in this process (each SSE client holds one until it leaves). */
  subscriberCount(): number;
}

export interface DeliveryPorts {
  webhooks: WebhooksPort;
  streams: JobStreamsPort;
  /** After the API itself changed a row (a queued job canceled): stream event + webhook. Never throws. */
  jobChanged(row: JobRow): Promise<void>;
  /** Jobs ahead of a queued job, or null when not waiting. */
  queuePosition(id: string, model: string): Promise<number | null>;
  /** Jobs finished per second lately (all models), for Retry-After. */
  completionsPerSecond(): number;
}
