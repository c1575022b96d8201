// Authenticates /v1 requests with an API key and sets the request's tenant. Missing, malformed,
// unknown and revoked keys all get the same 401 (no oracle for which keys exist).
import type { MiddlewareHandler } from "hono";
import { apiKeyPrefix } from "../../shared/auth/api-key-secret.ts";
import { GenqError } from "../../shared/errors.ts";
import { verifyApiKey } from "../../shared/auth/api-keys.ts";
import type { AppDeps, AppEnv } from "../app-deps.ts";
import { bearerToken } from "./bearer-token.ts";

/** Jobs submitted while no key is required belong to this tenant. */
export const OPEN_TENANT = "";

export function authenticate(deps: Pick<AppDeps, "auth" | "store" | "logger">): MiddlewareHandler<AppEnv> {
  const { auth, logger } = deps;
  const keys = deps.store.apiKeys;
  return async (c, next) => {
    if (auth.open === "always" || (auth.open === "until-first-key" && (await keys.count()) === 0)) {
      c.set("tenantId", OPEN_TENANT);
      c.set("apiKeyId", null);
      return next();
    }
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new GenqError("UNAUTHORIZED", "send an API key as Authorization: Bearer <key>");
    const result = await verifyApiKey(keys, token);
    if (!result.ok) {
      // Only the public prefix is logged; the secret half never reaches a log line.
      logger.info("api key rejected", { reason: result.reason, keyPrefix: apiKeyPrefix(token) ?? null, path: c.req.path });
      throw new GenqError("UNAUTHORIZED", "the API key is invalid or revoked");
    }
    c.set("tenantId", result.row.tenantId);
    c.set("apiKeyId", result.row.id);
    await next();
  };
}
