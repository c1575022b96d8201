// Authenticates /v1 requests with an API key (or, for one job's reads, a `?token=` stream token)
// and sets the request's tenant. Missing, malformed, unknown and revoked keys all get the same
// 401 (no oracle for which keys exist).
import type { MiddlewareHandler } from "hono";
import { apiKeyPrefix } from "../../shared/auth/api-key-secret.ts";
import { GenqError } from "../../shared/errors.ts";
import { verifyApiKey } from "../../shared/auth/api-keys.ts";
import type { AppDeps, AppEnv } from "../app-deps.ts";
import { OPEN_TENANT } from "../../shared/store/schema/jobs.ts";
import { streamTokenAccess } from "../auth/stream-token-access.ts";
import { AuthFailures } from "./auth-failures.ts";
import { bearerToken } from "../../shared/auth/bearer-token.ts";

export function authenticate(deps: Pick<AppDeps, "auth" | "store" | "logger" | "now">): MiddlewareHandler<AppEnv> {
  const { auth, logger } = deps;
  const keys = deps.store.apiKeys;
  const failures = new AuthFailures(auth, logger);
  return async (c, next) => {
    c.set("streamToken", null);
    if (auth.open === "always" || (auth.open === "until-first-key" && (await keys.count()) === 0)) {
      c.set("tenantId", OPEN_TENANT);
      c.set("apiKeyId", null);
      return next();
    }
    const header = c.req.header("authorization");
    const streamToken = header === undefined ? c.req.query("token") : undefined;
    if (streamToken !== undefined) {
      // Token URLs are for browsers on other origins (EventSource, fetch); no cookies are
      // involved, so any origin may read what the token already grants.
      c.header("access-control-allow-origin", "*");
      c.header("access-control-expose-headers", "etag, retry-after");
      let claims;
      try {
        claims = streamTokenAccess(auth, c.req.method, c.req.path, streamToken, deps.now());
      } catch (error) {
        // A bad stream token is a failed authentication like a bad key: logged (never the
        // token) and counted per source, so token guessing is throttled too.
        const source = failures.source(c);
        await failures.refuseIfThrottled("api_key", source);
        await failures.record("api_key", source, c, { reason: "stream_token" });
        throw error;
      }
      c.set("tenantId", claims.tenantId);
      c.set("apiKeyId", null);
      c.set("streamToken", { token: streamToken, expiresAtMs: claims.expiresAtMs });
      return next();
    }
    const token = bearerToken(header);
    if (!token) throw new GenqError("UNAUTHORIZED", "send an API key as Authorization: Bearer <key>");
    const result = await verifyApiKey(keys, token);
    if (!result.ok) {
      // Only the public prefix is logged; the secret half never reaches a log line. Valid keys
      // never wait on the throttle: it is consulted only once a key has failed.
      const source = failures.source(c);
      await failures.refuseIfThrottled("api_key", source);
      await failures.record("api_key", source, c, { reason: result.reason, keyPrefix: apiKeyPrefix(token) ?? null });
      throw new GenqError("UNAUTHORIZED", "the API key is invalid or revoked");
    }
    c.set("tenantId", result.row.tenantId);
    c.set("apiKeyId", result.row.id);
    await next();
  };
}
