// The deployment-secrets part of the store port: one secret per purpose (e.g. `stream-token`),
// generated at first use and then the same for every process on this store (no shared disk).
export type InstanceSecretName = "stream-token";

export interface InstanceSecretStore {
  /** The secret for `name` (32 random bytes, base64); racing first callers agree on one. */
  getOrCreate(name: InstanceSecretName, nowMs: number): Promise<string>;
}
