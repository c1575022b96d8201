// The store port on Cloudflare D1 (the API on Workers): every part over one drizzle-orm/d1 handle.
// The schema and migrations are SQLite's (wrangler applies migrations/ with `d1 migrations apply`).
import type { Store } from "../store.ts";
import type { WebhookSecretStoreOptions } from "../webhook-secret-store.ts";
import { D1ApiKeyStore } from "./d1-api-key-store.ts";
import { openD1Database, type D1Binding } from "./d1-database.ts";
import { D1InstanceSecretStore } from "./d1-instance-secret-store.ts";
import { D1JobStore } from "./d1-job-store.ts";
import { D1TenantStore } from "./d1-tenant-store.ts";
import { D1WebhookDeliveryStore } from "./d1-webhook-delivery-store.ts";
import { D1WebhookSecretStore } from "./d1-webhook-secret-store.ts";
import { d1BatchStore, d1FileStore } from "./d1-unavailable-batch-stores.ts";

export function openD1Store(binding: D1Binding, secrets: WebhookSecretStoreOptions): Store {
  const db = openD1Database(binding);
  const ping = async () => {
    await db.run("select 1");
  };
  return {
    jobs: new D1JobStore(db),
    apiKeys: new D1ApiKeyStore(db),
    webhookDeliveries: new D1WebhookDeliveryStore(db),
    webhookSecrets: new D1WebhookSecretStore(db, secrets),
    tenants: new D1TenantStore(db),
    instanceSecrets: new D1InstanceSecretStore(db),
    files: d1FileStore(),
    batches: d1BatchStore(),
    ping,
    // D1 is writable whenever it answers (no read-only files or full disks to detect): readiness pings it.
    checkWritable: ping,
    async close() {
      // The binding belongs to the request; nothing to close.
    },
  };
}
