// Guards the admin API with GENQ_ADMIN_KEY (compared in constant time), throttles wrong keys
// (per source and globally, in Redis) and logs every admin request and every failure — never
// the key. Without a configured admin key the admin API does not exist: 404, as for any route.
import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../../shared/auth/api-key-secret.ts";
import { GenqError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import type { AppEnv, AuthSettings } from "../app-deps.ts";
import { AuthFailures } from "./auth-failures.ts";
import { bearerToken } from "../../shared/auth/bearer-token.ts";

export function adminGuard(auth: AuthSettings, logger: Logger): MiddlewareHandler<AppEnv> {
  const failures = new AuthFailures(auth, logger);
  return async (c, next) => {
    const adminKey = auth.adminKey;
    if (!adminKey) throw new GenqError("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`);
    const source = failures.source(c);
    // Checked before the key: a throttled guesser must not learn whether this guess was right.
    await failures.refuseIfThrottled("admin", source);
    const token = bearerToken(c.req.header("authorization"));
    if (!token || !secretsEqual(token, adminKey)) {
      await failures.record("admin", source, c, { reason: token ? "wrong key" : "no bearer token" });
      throw new GenqError("UNAUTHORIZED", "send the admin key as Authorization: Bearer <GENQ_ADMIN_KEY>");
    }
    await next();
    logger.info("admin request", { method: c.req.method, path: c.req.path, status: c.res.status, source });
  };
}
