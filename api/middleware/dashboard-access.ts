// Who may read the dashboard feed, and how much: GENQ_ADMIN_KEY sees every tenant, workers
// included (as does an open quick start, where whoever can reach the API is the operator); an
// API key sees its own tenant's view. Wrong keys get the API's 401 and throttling.
import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../../shared/auth/api-key-secret.ts";
import { bearerToken } from "../../shared/auth/bearer-token.ts";
import { OPEN_TENANT } from "../../shared/store/schema/jobs.ts";
import type { AppDeps, AppEnv } from "../app-deps.ts";
import { authenticate } from "./authenticate.ts";

/** True when requests need no key (GENQ_AUTH=off, or the loopback quick start before the first key). */
export async function accessIsOpen(deps: Pick<AppDeps, "auth" | "store">): Promise<boolean> {
  return deps.auth.open === "always" || (deps.auth.open === "until-first-key" && (await deps.store.apiKeys.count()) === 0);
}

export function dashboardAccess(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const tenantAccess = authenticate(deps);
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    const admin = deps.auth.adminKey !== undefined && token !== undefined && secretsEqual(token, deps.auth.adminKey);
    if (admin || (token === undefined && (await accessIsOpen(deps)))) {
      c.set("dashboardScope", "admin");
      c.set("tenantId", OPEN_TENANT);
      c.set("apiKeyId", null);
      c.set("streamToken", null);
      return next();
    }
    c.set("dashboardScope", "tenant");
    return tenantAccess(c, next);
  };
}
