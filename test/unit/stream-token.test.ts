// Stream token lifetimes and signatures: expiry between TTL/2 and TTL, stable within a step (so
// ETags stay stable), and no acceptance under another secret or after a byte changes.
import { describe, expect, it } from "vitest";
import { StreamTokens } from "../../shared/auth/stream-token.ts";

const TTL_MS = 60_000;
const tokens = new StreamTokens("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==", TTL_MS);

describe("StreamTokens", () => {
  it("live between half the TTL and the TTL, then expire", () => {
    for (const nowMs of [1_700_000_000_000, 1_700_000_029_999, 1_700_000_030_000, 1_700_000_012_345]) {
      const { token, expiresAtMs } = tokens.mint("job_01ARZ3NDEKTSV4RRFFQ69G5FAV", "key_x", nowMs);
      expect(expiresAtMs - nowMs).toBeGreaterThan(TTL_MS / 2);
      expect(expiresAtMs - nowMs).toBeLessThanOrEqual(TTL_MS);
      expect(tokens.verify(token, expiresAtMs - 1)).toEqual({
        ok: true,
        claims: { jobId: "job_01ARZ3NDEKTSV4RRFFQ69G5FAV", tenantId: "key_x", expiresAtMs },
      });
      expect(tokens.verify(token, expiresAtMs)).toEqual({ ok: false, reason: "expired" });
    }
  });

  it("are the same within one half-TTL step and differ across steps", () => {
    const a = tokens.mint("job_a", "t", 1_700_000_010_000).token;
    expect(tokens.mint("job_a", "t", 1_700_000_039_999).token).toBe(a);
    expect(tokens.mint("job_a", "t", 1_700_000_040_000).token).not.toBe(a);
  });

  it("verify only under the secret that signed them, byte for byte", () => {
    const { token } = tokens.mint("job_a", "", 1_000);
    const other = new StreamTokens("b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI=", TTL_MS);
    expect(other.verify(token, 1_000)).toEqual({ ok: false, reason: "signature" });
    const [version, body, mac] = token.split(".");
    const swapped = Buffer.from(JSON.stringify({ j: "job_b", t: "", e: 61 })).toString("base64url");
    expect(tokens.verify(`${version}.${swapped}.${mac}`, 1_000)).toEqual({ ok: false, reason: "signature" });
    expect(tokens.verify(`${version}.${body}.${mac}x`, 1_000)).toEqual({ ok: false, reason: "malformed" });
    expect(tokens.verify("gq_live_abc_def", 1_000)).toEqual({ ok: false, reason: "malformed" });
  });
});
