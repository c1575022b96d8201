// API key material: `gq_live_<prefix>_<secret>` with a 48-bit public prefix (row lookup) and a
// 256-bit secret. Keys are high-entropy, so a plain SHA-256 is a sufficient one-way hash (no
// slow KDF needed: there is nothing to brute-force); comparisons run in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const KEY_PATTERN = /^gq_live_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  /** The whole key; shown to its owner once, never stored. */
  key: string;
  prefix: string;
  /** Hex SHA-256 of `key`: what the database keeps. */
  secretHash: string;
}

export function generateApiKey(): IssuedApiKey {
  const prefix = randomBytes(6).toString("hex");
  const key = `gq_live_${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, secretHash: hashSecret(key) };
}

/** The lookup prefix of a well-formed key, or undefined (malformed keys never reach the DB). */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

export function hashSecret(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/**
 * Constant-time equality of a presented secret and a stored hex SHA-256. Hashing first gives
 * equal-length inputs, so neither content nor length leaks through timing.
 */
export function secretMatchesHash(presented: string, storedHash: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = Buffer.from(storedHash, "hex");
  return b.length === a.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two secrets of any length (e.g. the admin key). */
export function secretsEqual(presented: string, expected: string): boolean {
  return secretMatchesHash(presented, hashSecret(expected));
}
