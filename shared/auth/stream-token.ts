// Short-lived, job-scoped stream tokens: what a browser's EventSource (which cannot send an
// Authorization header) puts in `?token=` instead of an API key. HMAC-SHA256 over job id, tenant
// and expiry with an instance secret kept in the store; nothing else is ever in a URL.
import { createHmac, timingSafeEqual } from "node:crypto";

/** `gqst1.<base64url JSON {j: job id, t: tenant, e: expiry seconds}>.<base64url HMAC>` */
const TOKEN_PATTERN = /^gqst1\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/;

export interface StreamTokenClaims {
  jobId: string;
  tenantId: string;
  expiresAtMs: number;
}

export type StreamTokenCheck = { ok: true; claims: StreamTokenClaims } | { ok: false; reason: "malformed" | "signature" | "expired" };

export class StreamTokens {
  /**
   * @param secret instance secret (≥ 32 random bytes, base64), the same on every API process.
   * @param ttlMs GENQ_STREAM_TOKEN_TTL_MS: a token lives between ttlMs/2 and ttlMs.
   */
  constructor(
    private readonly secret: string,
    readonly ttlMs: number,
  ) {}

  /**
   * Expiries are rounded up to a half-TTL step, so every answer within one step carries the same
   * token: ETags (which include the expiry) stay stable for pollers, and a token from a `304`
   * answer is still good for at least half the TTL.
   */
  mint(jobId: string, tenantId: string, nowMs: number): { token: string; expiresAtMs: number } {
    const stepMs = Math.max(1_000, Math.floor(this.ttlMs / 2));
    const expiresAtMs = (Math.floor(nowMs / stepMs) + 2) * stepMs;
    const body = Buffer.from(JSON.stringify({ j: jobId, t: tenantId, e: expiresAtMs / 1000 })).toString("base64url");
    return { token: `gqst1.${body}.${this.sign(body)}`, expiresAtMs };
  }

  verify(token: string, nowMs: number): StreamTokenCheck {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return { ok: false, reason: "malformed" };
    const [, body, signature] = match;
    const expected = Buffer.from(this.sign(body));
    if (!timingSafeEqual(expected, Buffer.from(signature))) return { ok: false, reason: "signature" };
    let claims: { j?: unknown; t?: unknown; e?: unknown };
    try {
      claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as typeof claims;
    } catch {
      return { ok: false, reason: "malformed" };
    }
    if (typeof claims.j !== "string" || typeof claims.t !== "string" || typeof claims.e !== "number") return { ok: false, reason: "malformed" };
    if (claims.e * 1000 <= nowMs) return { ok: false, reason: "expired" };
    return { ok: true, claims: { jobId: claims.j, tenantId: claims.t, expiresAtMs: claims.e * 1000 } };
  }

  private sign(body: string): string {
    // The purpose label keeps this secret's MACs from meaning anything anywhere else.
    return createHmac("sha256", this.secret).update(`genq stream token v1\n${body}`).digest("base64url");
  }
}
