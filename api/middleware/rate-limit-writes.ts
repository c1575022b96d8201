// Per-tenant rate limit on every mutating request (POST, PUT, PATCH, DELETE under /v1, admin
// routes aside): one Redis token bucket per tenant shared by all API processes, taken before
// the body is read, so a flood of submits, cancels, redeliveries or rotations costs nothing.
import type { MiddlewareHandler } from "hono";
import { GenqError } from "../../shared/errors.ts";
import type { AppDeps, AppEnv } from "../app-deps.ts";

export const MUTATING_METHODS = ["POST", "PUT", "PATCH", "DELETE"];

export function rateLimitWrites(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (deps.rateLimiter) {
      let result: { allowed: boolean; retryAfterMs: number } | undefined;
      try {
        result = await deps.rateLimiter.take(c.get("tenantId"));
      } catch (error) {
        // Fail open: a Redis hiccup must not stop submits (rows are durable; the reconciler
        // enqueues them later), and the active-jobs cap in SQLite still bounds every tenant.
        deps.logger.warn("rate limiter unavailable; request allowed", { error });
      }
      if (result && !result.allowed) {
        const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
        throw new GenqError("RATE_LIMITED", `too many requests; retry in ${seconds} s`, { retryAfterSeconds: seconds });
      }
    }
    await next();
  };
}
