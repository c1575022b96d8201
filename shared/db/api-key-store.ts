// Reads and writes of API keys: issue (the plaintext key leaves only in the return value),
// list, revoke, and verify a presented key (prefix lookup + constant-time hash comparison).
import { desc, eq, sql } from "drizzle-orm";
import { apiKeyPrefix, generateApiKey, hashSecret, secretMatchesHash } from "../auth/api-key-secret.ts";
import { newUlid } from "../ids.ts";
import type { GenqDatabase } from "./client.ts";
import { apiKeys, type ApiKeyRow } from "./schema/api-keys.ts";
import { reassignTenant, type TenantReassignment } from "./tenant-reassignment.ts";

/** The tenant of jobs submitted while the API needs no key (loopback quick start, GENQ_AUTH=off). */
export const OPEN_TENANT = "";

/** Tenant names an admin may give; also safe inside Redis keys and log lines. */
export const TENANT_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const KEY_ID_PATTERN = /^key_[0-9A-HJKMNP-TV-Z]{26}$/;

export type KeyVerification = { ok: true; row: ApiKeyRow } | { ok: false; reason: "malformed" | "unknown" | "revoked" };

// Compared against when the prefix is unknown, so every well-formed key costs one hash compare.
const DUMMY_HASH = hashSecret("genq-no-such-key");

export class ApiKeyStore {
  constructor(private readonly db: GenqDatabase) {}

  /**
   * Issues a key. Without `tenantId` the key is its own tenant (its id). The first key ever
   * issued inherits the jobs submitted while the API ran without keys (the open tenant "").
   */
  create(input: { name: string; tenantId?: string }, nowMs = Date.now()): { row: ApiKeyRow; key: string; inherited: TenantReassignment | null } {
    if (input.tenantId !== undefined && !TENANT_PATTERN.test(input.tenantId)) {
      throw new Error(`tenant must match ${TENANT_PATTERN}`);
    }
    for (let attempt = 0; ; attempt++) {
      const issued = generateApiKey();
      const id = `key_${newUlid(nowMs)}`;
      const row: ApiKeyRow = {
        id,
        name: input.name,
        tenantId: input.tenantId ?? id,
        prefix: issued.prefix,
        secretHash: issued.secretHash,
        createdAt: nowMs,
        revokedAt: null,
      };
      try {
        const inherited = this.db.transaction(
          (tx) => {
            const first = (tx.select({ n: sql<number>`count(*)` }).from(apiKeys).get()?.n ?? 0) === 0;
            tx.insert(apiKeys).values(row).run();
            return first ? reassignTenant(tx, OPEN_TENANT, row.tenantId) : null;
          },
          { behavior: "immediate" },
        );
        return { row, key: issued.key, inherited };
      } catch (error) {
        // A 48-bit prefix collision is astronomically rare; draw again rather than fail.
        if (attempt < 3 && /UNIQUE/i.test(String(error))) continue;
        throw error;
      }
    }
  }

  get(id: string): ApiKeyRow | undefined {
    return this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  }

  list(): ApiKeyRow[] {
    return this.db.select().from(apiKeys).orderBy(desc(apiKeys.id)).all();
  }

  /** Marks a key revoked (idempotent: the first revocation time is kept). */
  revoke(id: string, nowMs = Date.now()): ApiKeyRow | undefined {
    this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${nowMs})` })
      .where(eq(apiKeys.id, id))
      .run();
    return this.get(id);
  }

  /** Every key ever issued, revoked ones included: revoking the last key never reopens the API. */
  count(): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(apiKeys).get()?.n ?? 0;
  }

  verify(presented: string): KeyVerification {
    const prefix = apiKeyPrefix(presented);
    if (!prefix) return { ok: false, reason: "malformed" };
    const row = this.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).get();
    const matches = secretMatchesHash(presented, row?.secretHash ?? DUMMY_HASH);
    if (!row || !matches) return { ok: false, reason: "unknown" };
    if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
    return { ok: true, row };
  }
}
