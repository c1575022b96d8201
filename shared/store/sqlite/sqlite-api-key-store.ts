// ApiKeyStore on SQLite (better-sqlite3 + drizzle).
import { desc, eq, sql } from "drizzle-orm";
import type { ApiKeyStore } from "../api-key-store.ts";
import { apiKeys, type ApiKeyRow } from "../schema/api-keys.ts";
import { OPEN_TENANT } from "../schema/jobs.ts";
import type { TenantReassignment } from "../tenant-store.ts";
import { reassignTenant } from "./sqlite-tenant-store.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

export class SqliteApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: GenqDatabase) {}

  async insert(row: ApiKeyRow): Promise<{ inherited: TenantReassignment | null } | undefined> {
    return this.db.transaction(
      (tx) => {
        const first = (tx.select({ n: sql<number>`count(*)` }).from(apiKeys).get()?.n ?? 0) === 0;
        if (tx.insert(apiKeys).values(row).onConflictDoNothing({ target: apiKeys.prefix }).run().changes !== 1) return undefined;
        return { inherited: first ? reassignTenant(tx, OPEN_TENANT, row.tenantId) : null };
      },
      { behavior: "immediate" },
    );
  }

  async get(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  }

  async getByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).get();
  }

  async list(): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).orderBy(desc(apiKeys.id)).all();
  }

  async revoke(id: string, nowMs: number): Promise<ApiKeyRow | undefined> {
    return this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${nowMs})` })
      .where(eq(apiKeys.id, id))
      .returning()
      .get();
  }

  async count(): Promise<number> {
    return this.db.select({ n: sql<number>`count(*)` }).from(apiKeys).get()?.n ?? 0;
  }
}
