// /metrics behind GENQ_METRICS_TOKEN: when the operator sets it, scrapers must send it as
// `Authorization: Bearer <token>` (compared in constant time); unset, /metrics stays open.
import type { MiddlewareHandler } from "hono";
import { scrapeAuthorized } from "../../shared/auth/metrics-scrape-auth.ts";
import { GenqError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import type { AppEnv } from "../app-deps.ts";

export function metricsGuard(metricsToken: string | undefined, logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!scrapeAuthorized(c.req.header("authorization"), metricsToken)) {
      logger.warn("authentication failed", { credential: "metrics", method: c.req.method, path: c.req.path });
      throw new GenqError("UNAUTHORIZED", "send the metrics token as Authorization: Bearer <GENQ_METRICS_TOKEN>");
    }
    await next();
  };
}
