// Sets the request's tenant. Without API keys every request belongs to the open tenant "".
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";

export function tenantContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("tenantId", "");
    c.set("apiKeyId", null);
    await next();
  };
}
