// createApp(deps): the runtime-neutral Hono app. Entries (node.ts, tests via app.request(), a
// Workers adapter) build the deps; nothing here touches process.env, sockets or the filesystem.
import { Hono } from "hono";
import { DEFAULT_LIMITS, type AppDeps } from "./app-deps.ts";
import type { AppEnv } from "./app-env.ts";
import { GenqError } from "../shared/errors.ts";
import { createErrorHandler, problemResponse } from "./middleware/problem-response.ts";
import { tenantContext } from "./middleware/tenant-context.ts";
import { healthRoutes } from "./routes/health/health-routes.ts";
import { jobsRoutes } from "./routes/jobs/jobs-routes.ts";

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) => problemResponse(c, new GenqError("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`)));
  app.route("/", healthRoutes(deps));
  app.use("/v1/*", tenantContext());
  app.route("/v1/jobs", jobsRoutes(deps, limits));
  return app;
}
