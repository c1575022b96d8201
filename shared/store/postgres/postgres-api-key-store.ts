// ApiKeyStore on PostgreSQL. The insert holds the api_keys advisory lock, so of two racing
// first keys exactly one sees "no key yet" and takes over the keyless tenant.
import { count, desc, eq, sql } from "drizzle-orm";
import type { ApiKeyStore } from "../api-key-store.ts";
import type { ApiKeyRow } from "../schema/api-keys.ts";
import { OPEN_TENANT } from "../schema/jobs.ts";
import { apiKeys } from "../schema/postgres/api-keys.ts";
import type { TenantReassignment } from "../tenant-store.ts";
import { first } from "./first-row.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";
import { LOCK_CLASS, lockInTransaction } from "./postgres-locks.ts";
import { reassignTenantIn } from "./postgres-tenant-store.ts";

export class PostgresApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: GenqPgDatabase) {}

  async insert(row: ApiKeyRow): Promise<{ inherited: TenantReassignment | null } | undefined> {
    return this.db.transaction(async (tx) => {
      await lockInTransaction(tx, LOCK_CLASS.apiKeys, "api_keys");
      const [{ n }] = await tx.select({ n: count() }).from(apiKeys);
      const inserted = await tx.insert(apiKeys).values(row).onConflictDoNothing({ target: apiKeys.prefix }).returning({ id: apiKeys.id });
      if (inserted.length !== 1) return undefined;
      return { inherited: n === 0 ? await reassignTenantIn(tx, OPEN_TENANT, row.tenantId) : null };
    });
  }

  async get(id: string): Promise<ApiKeyRow | undefined> {
    return first(this.db.select().from(apiKeys).where(eq(apiKeys.id, id)));
  }

  async getByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    return first(this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)));
  }

  async list(): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).orderBy(desc(apiKeys.id));
  }

  async revoke(id: string, nowMs: number): Promise<ApiKeyRow | undefined> {
    return first(
      this.db
        .update(apiKeys)
        .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${nowMs})` })
        .where(eq(apiKeys.id, id))
        .returning(),
    );
  }

  async count(): Promise<number> {
    const [{ n }] = await this.db.select({ n: count() }).from(apiKeys);
    return n;
  }
}
