// The API-keys part of the store port: plain rows in, rows out. Issuing and verifying keys
// (generation, hashing, constant-time compare) is shared/auth/api-keys.ts, the same for every store.
import type { ApiKeyRow } from "./schema/api-keys.ts";
import type { TenantReassignment } from "./tenant-store.ts";

export interface ApiKeyStore {
  /**
   * Undefined when the prefix is taken (the caller draws a new key). The first key ever inserted
   * takes over the keyless tenant's ("") jobs in the same transaction (TenantStore.reassign).
   */
  insert(row: ApiKeyRow): Promise<{ inherited: TenantReassignment | null } | undefined>;
  get(id: string): Promise<ApiKeyRow | undefined>;
  getByPrefix(prefix: string): Promise<ApiKeyRow | undefined>;
  /** Newest first. */
  list(): Promise<ApiKeyRow[]>;
  /** Marks a key revoked (idempotent: the first revocation time is kept); the row after it. */
  revoke(id: string, nowMs: number): Promise<ApiKeyRow | undefined>;
  /** Every key ever issued, revoked ones included: revoking the last key never reopens the API. */
  count(): Promise<number>;
}
