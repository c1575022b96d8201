// The store port on one SQLite file (the one-box deployment): opens the database (migrations
// applied at open) and builds every part of the Store over it.
import type { Store } from "../store.ts";
import type { WebhookSecretStoreOptions } from "../webhook-secret-store.ts";
import { SqliteApiKeyStore } from "./sqlite-api-key-store.ts";
import { SqliteInstanceSecretStore } from "./sqlite-instance-secret-store.ts";
import { SqliteTenantStore } from "./sqlite-tenant-store.ts";
import { openDatabase } from "./sqlite-database.ts";
import { SqliteJobStore } from "./sqlite-job-store.ts";
import { SqliteWebhookDeliveryStore } from "./sqlite-webhook-delivery-store.ts";
import { SqliteWebhookSecretStore } from "./sqlite-webhook-secret-store.ts";
import { SqliteFileStore } from "./sqlite-file-store.ts";
import { SqliteBatchStore } from "./sqlite-batch-store.ts";

export function openSqliteStore(path: string, secrets: WebhookSecretStoreOptions): Store {
  const db = openDatabase(path);
  return {
    jobs: new SqliteJobStore(db),
    apiKeys: new SqliteApiKeyStore(db),
    webhookDeliveries: new SqliteWebhookDeliveryStore(db),
    webhookSecrets: new SqliteWebhookSecretStore(db, secrets),
    tenants: new SqliteTenantStore(db),
    instanceSecrets: new SqliteInstanceSecretStore(db),
    files: new SqliteFileStore(db),
    batches: new SqliteBatchStore(db),
    async ping() {
      db.$client.prepare("select 1").get();
    },
    async checkWritable() {
      // A rolled-back rewrite of the header's user_version: BEGIN IMMEDIATE alone succeeds on a read-only file.
      const sqlite = db.$client;
      const version = Number(sqlite.pragma("user_version", { simple: true }));
      sqlite.exec("BEGIN IMMEDIATE");
      try {
        sqlite.pragma(`user_version = ${version}`);
      } finally {
        sqlite.exec("ROLLBACK");
      }
    },
    async close() {
      if (db.$client.open) db.$client.close();
    },
  };
}
