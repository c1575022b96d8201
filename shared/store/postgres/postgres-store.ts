// The store port on PostgreSQL (the many-hosts deployment, GENQ_DATABASE_URL): opens the pool
// (migrations applied at open) and builds every part of the Store over it.
import { sql, TransactionRollbackError } from "drizzle-orm";
import type { Store } from "../store.ts";
import type { WebhookSecretStoreOptions } from "../webhook-secret-store.ts";
import { PostgresApiKeyStore } from "./postgres-api-key-store.ts";
import { openPostgresDatabase } from "./postgres-database.ts";
import { describePostgresFailure } from "./postgres-failure.ts";
import { PostgresInstanceSecretStore } from "./postgres-instance-secret-store.ts";
import { PostgresJobStore } from "./postgres-job-store.ts";
import { PostgresTenantStore } from "./postgres-tenant-store.ts";
import { PostgresWebhookDeliveryStore } from "./postgres-webhook-delivery-store.ts";
import { PostgresWebhookSecretStore } from "./postgres-webhook-secret-store.ts";

export async function openPostgresStore(url: string, secrets: WebhookSecretStoreOptions): Promise<Store> {
  const db = await openPostgresDatabase(url);
  let closed = false;
  return {
    jobs: new PostgresJobStore(db),
    apiKeys: new PostgresApiKeyStore(db),
    webhookDeliveries: new PostgresWebhookDeliveryStore(db),
    webhookSecrets: new PostgresWebhookSecretStore(db, secrets),
    tenants: new PostgresTenantStore(db),
    instanceSecrets: new PostgresInstanceSecretStore(db),
    async ping() {
      await db.execute(sql`select 1`);
    },
    async checkWritable() {
      // A write rolled back: catches read-only sessions (standbys) and missing privileges alike.
      await db
        .transaction(async (tx) => {
          await tx.execute(sql`insert into instance_secrets (name, secret, created_at) values ('genq-writable-check', '', 0) on conflict (name) do update set created_at = 0`);
          tx.rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof TransactionRollbackError)) throw describePostgresFailure(url, error);
        });
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.$client.end();
    },
  };
}
