// Guards the admin API with GENQ_ADMIN_KEY (compared in constant time). Without a configured
// admin key the admin API does not exist: 404, as for any unknown route.
import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../../shared/auth/api-key-secret.ts";
import { GenqError } from "../../shared/errors.ts";
import type { AppEnv } from "../app-deps.ts";
import { bearerToken } from "./bearer-token.ts";

export function adminGuard(adminKey: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!adminKey) throw new GenqError("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`);
    const token = bearerToken(c.req.header("authorization"));
    if (!token || !secretsEqual(token, adminKey)) {
      throw new GenqError("UNAUTHORIZED", "send the admin key as Authorization: Bearer <GENQ_ADMIN_KEY>");
    }
    await next();
  };
}
