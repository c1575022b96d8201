// Issuing and verifying API keys over any store: the plaintext key leaves only in issue()'s
// return value; verify() is a prefix lookup + constant-time hash comparison.
import { newUlid } from "../ids.ts";
import type { ApiKeyStore } from "../store/api-key-store.ts";
import type { ApiKeyRow } from "../store/schema/api-keys.ts";
import type { TenantReassignment } from "../store/tenant-store.ts";
import { apiKeyPrefix, generateApiKey, hashSecret, secretMatchesHash } from "./api-key-secret.ts";

/** Tenant names an admin may give; also safe inside Redis keys and log lines. */
export const TENANT_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const KEY_ID_PATTERN = /^key_[0-9A-HJKMNP-TV-Z]{26}$/;

export type KeyVerification = { ok: true; row: ApiKeyRow } | { ok: false; reason: "malformed" | "unknown" | "revoked" };

// Compared against when the prefix is unknown, so every well-formed key costs one hash compare.
const DUMMY_HASH = hashSecret("genq-no-such-key");

/**
 * Issues a key. Without `tenantId` the key is its own tenant (its id). The first key ever issued
 * inherits the jobs submitted while the API ran without keys (`inherited` says how many).
 */
export async function issueApiKey(
  keys: ApiKeyStore,
  input: { name: string; tenantId?: string },
  nowMs = Date.now(),
): Promise<{ row: ApiKeyRow; key: string; inherited: TenantReassignment | null }> {
  if (input.tenantId !== undefined && !TENANT_PATTERN.test(input.tenantId)) {
    throw new Error(`tenant must match ${TENANT_PATTERN}`);
  }
  // A 48-bit prefix collision is astronomically rare; draw again rather than fail.
  for (let attempt = 0; attempt < 4; attempt++) {
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
    const inserted = await keys.insert(row);
    if (inserted) return { row, key: issued.key, inherited: inserted.inherited };
  }
  throw new Error("could not draw an unused API key prefix");
}

export async function verifyApiKey(keys: ApiKeyStore, presented: string): Promise<KeyVerification> {
  const prefix = apiKeyPrefix(presented);
  if (!prefix) return { ok: false, reason: "malformed" };
  const row = await keys.getByPrefix(prefix);
  const matches = secretMatchesHash(presented, row?.secretHash ?? DUMMY_HASH);
  if (!row || !matches) return { ok: false, reason: "unknown" };
  if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
  return { ok: true, row };
}
