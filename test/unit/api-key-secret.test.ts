// API key material and the fair-queue priority mapping: formats, hashing, constant-time checks,
// and that ranks order jobs within a priority level but never across levels.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apiKeyPrefix, generateApiKey, hashSecret, secretMatchesHash, secretsEqual } from "../../shared/auth/api-key-secret.ts";
import { bullPriority, FAIR_RANK_STRIDE } from "../../shared/jobs.ts";

describe("API keys", () => {
  it("are random, well-formed, and stored only as a hash", () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    for (const { key, prefix, secretHash } of keys) {
      expect(key).toMatch(/^gq_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/); // 43 base64url chars = 256 bits
      expect(apiKeyPrefix(key)).toBe(prefix);
      expect(secretHash).toBe(hashSecret(key));
      expect(secretHash).not.toContain(key.slice(-43));
      expect(secretMatchesHash(key, secretHash)).toBe(true);
    }
  });

  it("match only the exact key", () => {
    const { key, secretHash } = generateApiKey();
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (other) => {
        fc.pre(other !== key);
        expect(secretMatchesHash(other, secretHash)).toBe(false);
      }),
    );
    expect(secretMatchesHash(key + " ", secretHash)).toBe(false);
    expect(secretMatchesHash(key, "not-hex")).toBe(false);
    expect(apiKeyPrefix(`${key}x`)).toBeUndefined();
    expect(apiKeyPrefix(key.toUpperCase())).toBeUndefined();
  });

  it("compares admin keys of any length", () => {
    expect(secretsEqual("admin-key-0123456789", "admin-key-0123456789")).toBe(true);
    expect(secretsEqual("admin-key-012345678", "admin-key-0123456789")).toBe(false);
    expect(secretsEqual("", "admin-key-0123456789")).toBe(false);
  });
});

describe("bullPriority", () => {
  it("orders by genq priority first, then by tenant rank, within BullMQ's range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.nat(), fc.nat(), (p1, p2, r1, r2) => {
        const a = bullPriority(p1, r1);
        const b = bullPriority(p2, r2);
        expect(a).toBeGreaterThanOrEqual(1);
        expect(a).toBeLessThanOrEqual(2 ** 21);
        if (p1 < p2) expect(a).toBeLessThan(b);
        if (p1 === p2 && Math.min(r1, FAIR_RANK_STRIDE - 1) < Math.min(r2, FAIR_RANK_STRIDE - 1)) expect(a).toBeLessThan(b);
      }),
    );
    expect(bullPriority(5)).toBe(bullPriority(5, 0));
  });
});
