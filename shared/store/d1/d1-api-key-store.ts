// ApiKeyStore on D1. The insert and the first key's takeover of the keyless tenant are one
// db.batch: the takeover statements are guarded by "the key table holds exactly this new key".
import { desc, eq, sql } from "drizzle-orm";
import type { ApiKeyStore } from "../api-key-store.ts";
import { apiKeys, type ApiKeyRow } from "../schema/api-keys.ts";
import { OPEN_TENANT } from "../schema/jobs.ts";
import type { TenantReassignment } from "../tenant-store.ts";
import type { GenqD1Database } from "./d1-database.ts";
import { reassignmentOf, reassignStatements } from "./d1-tenant-store.ts";

export class D1ApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: GenqD1Database) {}

  async insert(row: ApiKeyRow): Promise<{ inherited: TenantReassignment | null } | undefined> {
    const { db } = this;
    const onlyThisKey = sql`(select count(*) from ${apiKeys}) = 1 and exists (select 1 from ${apiKeys} where ${apiKeys.id} = ${row.id})`;
    const takeover = row.tenantId === OPEN_TENANT ? [] : reassignStatements(db, OPEN_TENANT, row.tenantId, onlyThisKey);
    const [inserted, first, ...moved] = await db.batch([
      db.insert(apiKeys).values(row).onConflictDoNothing({ target: apiKeys.prefix }).returning({ id: apiKeys.id }),
      db.select({ first: sql<number>`${onlyThisKey}` }).from(sql`(select 1)`),
      ...takeover,
    ]);
    if (inserted.length !== 1) return undefined;
    if (first[0]?.first !== 1) return { inherited: null };
    return { inherited: moved.length > 0 ? reassignmentOf(moved) : { jobs: 0, webhookDeliveries: 0, webhookSecrets: 0 } };
  }

  async get(id: string): Promise<ApiKeyRow | undefined> {
    return await this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  }

  async getByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    return await this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).get();
  }

  async list(): Promise<ApiKeyRow[]> {
    return await this.db.select().from(apiKeys).orderBy(desc(apiKeys.id)).all();
  }

  async revoke(id: string, nowMs: number): Promise<ApiKeyRow | undefined> {
    return await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${nowMs})` })
      .where(eq(apiKeys.id, id))
      .returning()
      .get();
  }

  async count(): Promise<number> {
    return (await this.db.select({ n: sql<number>`count(*)` }).from(apiKeys).get())?.n ?? 0;
  }
}
