// The store contract's targets: each opens a fresh SQLite file or a fresh PostgreSQL database
// (test/harness/postgres-database.ts) and can open several Store instances on it, the way
// several processes do; `drop()` removes it. Contract tests run the same cases on each.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newUlid } from "../../shared/ids.ts";
import type { NewJobRow } from "../../shared/store/schema/jobs.ts";
import { openPostgresStore } from "../../shared/store/postgres/postgres-store.ts";
import { openSqliteStore } from "../../shared/store/sqlite/sqlite-store.ts";
import type { Store } from "../../shared/store/store.ts";
import type { WebhookSecretStoreOptions } from "../../shared/store/webhook-secret-store.ts";
import { createTestDatabase } from "./postgres-database.ts";

export type StoreDialect = "sqlite" | "postgres";
export const STORE_DIALECTS: StoreDialect[] = ["sqlite", "postgres"];

export interface StoreTarget {
  /** Opens one more Store on the same database (another "process"). */
  open(options?: Partial<WebhookSecretStoreOptions>): Promise<Store>;
  /** Closes every Store it opened and removes the database. */
  drop(): Promise<void>;
}

export async function createStoreTarget(dialect: StoreDialect): Promise<StoreTarget> {
  const opened: Store[] = [];
  const secrets = (options: Partial<WebhookSecretStoreOptions>) => ({ graceMs: 60_000, ...options });
  let open: (options: Partial<WebhookSecretStoreOptions>) => Promise<Store>;
  let remove: () => Promise<void>;
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "genq-store-"));
    open = async (options) => openSqliteStore(join(dir, "genq.db"), secrets(options));
    remove = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const database = await createTestDatabase();
    open = (options) => openPostgresStore(database.url, secrets(options));
    remove = database.drop;
  }
  return {
    async open(options = {}) {
      const store = await open(options);
      opened.push(store);
      return store;
    },
    async drop() {
      await Promise.all(opened.map((s) => s.close()));
      await remove();
    },
  };
}

/** A fresh database with two Store instances on it (two processes, or two hosts). */
export async function openTwoStores(dialect: StoreDialect): Promise<{ target: StoreTarget; a: Store; b: Store }> {
  const target = await createStoreTarget(dialect);
  return { target, a: await target.open(), b: await target.open() };
}

/** A queued job row as the API admits it (fields not given take their defaults). */
export function jobRow(overrides: Partial<NewJobRow> = {}): NewJobRow {
  const now = overrides.createdAt ?? Date.now();
  return {
    id: `job_${newUlid(now)}`,
    tenantId: "",
    model: "tiny",
    status: "queued",
    priority: 5,
    input: JSON.stringify({ prompt: "hello" }),
    params: JSON.stringify({ max_tokens: 4 }),
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
