// The store port: every read and write of durable state, async, so that SQLite (here),
// PostgreSQL (many hosts) and D1 (edge) implementations plug in without touching routes or the
// worker. Every multi-statement decision is one method that each implementation makes atomic.
import type { ApiKeyStore } from "./api-key-store.ts";
import type { InstanceSecretStore } from "./instance-secret-store.ts";
import type { TenantStore } from "./tenant-store.ts";
import type { JobStore } from "./job-store.ts";
import type { WebhookDeliveryStore } from "./webhook-delivery-store.ts";
import type { WebhookSecretStore } from "./webhook-secret-store.ts";
import type { FileStore } from "./file-store.ts";
import type { BatchStore } from "./batch-store.ts";

export interface Store {
  jobs: JobStore;
  apiKeys: ApiKeyStore;
  webhookDeliveries: WebhookDeliveryStore;
  webhookSecrets: WebhookSecretStore;
  tenants: TenantStore;
  instanceSecrets: InstanceSecretStore;
  /** OpenAI Files: uploaded batch inputs and written batch outputs (rows; bytes on disk). */
  files: FileStore;
  /** OpenAI Batches and their lines (job rows with batch_id). */
  batches: BatchStore;
  /** Throws when the database does not answer (readiness). */
  ping(): Promise<void>;
  /** Throws when the database cannot take writes (read-only file, full disk): readiness and startup. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
