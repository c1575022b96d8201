// createApp(deps): the runtime-neutral Hono app. Entries (node.ts, tests via app.request(), a
// Workers adapter) build the deps; nothing here touches process.env, sockets or the filesystem.
import { Hono } from "hono";
import { except } from "hono/combine";
import type { AppDeps, AppEnv } from "./app-deps.ts";
import { GenqError } from "../shared/errors.ts";
import { RESULTS_PATH } from "../shared/result-sink/result-report.ts";
import { createErrorHandler, errorResponse } from "./middleware/problem-response.ts";
import { adminGuard } from "./middleware/admin-guard.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { MUTATING_METHODS, rateLimitWrites } from "./middleware/rate-limit-writes.ts";
import { adminKeysRoutes } from "./routes/admin/admin-keys-routes.ts";
import { adminModelsRoutes } from "./routes/admin/admin-models-routes.ts";
import { adminTenantsRoutes } from "./routes/admin/admin-tenants-routes.ts";
import { docsRoutes } from "./routes/docs/docs-routes.ts";
import { healthRoutes } from "./routes/health/health-routes.ts";
import { jobsRoutes } from "./routes/jobs/jobs-routes.ts";
import { modelsRoutes } from "./routes/models/models-routes.ts";
import { openAiRoutes } from "./routes/openai/openai-routes.ts";
import { compressLarge } from "./middleware/compress-large.ts";
import { problemPages } from "./routes/problems/problem-pages.ts";
import { resultsRoutes } from "./routes/internal/results-routes.ts";
import { webhooksRoutes } from "./routes/webhooks/webhooks-routes.ts";
import { dashboardAccess } from "./middleware/dashboard-access.ts";
import { dashboardPage } from "./routes/dashboard/dashboard-page.ts";
import { dashboardRoutes } from "./routes/dashboard/dashboard-routes.ts";
import { filesRoutes } from "./routes/files/files-routes.ts";
import { batchesRoutes } from "./routes/batches/batches-routes.ts";

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger, deps.publicUrl));
  app.notFound((c) => errorResponse(c, new GenqError("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), deps.publicUrl));
  app.route("/", healthRoutes(deps));
  app.route("/problems", problemPages());
  app.route("/dashboard", dashboardPage(deps));
  // Worker-to-API reports (GENQ_RESULT_SINK=http): their own token, never an API key.
  app.route(RESULTS_PATH, resultsRoutes(deps));
  app.route("/", docsRoutes(deps));
  // Admin routes take GENQ_ADMIN_KEY instead of an API key; everything else under /v1 needs a
  // key (unless the startup policy allows open access), so new routes are authenticated by default.
  // The dashboard feed takes either (dashboard-access.ts).
  app.use("/v1/admin/*", adminGuard(deps.auth, deps.logger));
  app.use("/v1/dashboard/*", dashboardAccess(deps));
  app.use("/v1/*", except(["/v1/admin/*", "/v1/dashboard/*"], authenticate(deps)));
  // Registered for mutating methods only: reads (thousands of held long-polls) never pass it.
  app.on(MUTATING_METHODS, "/v1/*", except("/v1/admin/*", rateLimitWrites(deps)));
  app.route("/v1/admin/keys", adminKeysRoutes(deps));
  app.route("/v1/admin/tenants", adminTenantsRoutes(deps));
  app.route("/v1/admin/models", adminModelsRoutes(deps));
  app.use("/v1/jobs/*", compressLarge());
  app.route("/v1/jobs", jobsRoutes(deps));
  app.route("/v1/webhooks", webhooksRoutes(deps));
  app.route("/v1/dashboard", dashboardRoutes(deps));
  app.route("/v1/files", filesRoutes(deps));
  app.route("/v1/batches", batchesRoutes(deps));
  // OpenAI-compatible surface: OpenAI's shapes, and its error shape (middleware/openai-error-response.ts).
  app.route("/v1", openAiRoutes(deps));
  app.route("/v1/models", modelsRoutes(deps));
  return app;
}
