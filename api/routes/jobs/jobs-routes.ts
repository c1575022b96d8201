// The /v1/jobs resource.
import { Hono } from "hono";
import type { AppDeps, ApiLimits } from "../../app-deps.ts";
import type { AppEnv } from "../../app-env.ts";
import { cancelJobHandler } from "./cancel-job.ts";
import { createJobHandler } from "./create-job.ts";
import { getJobHandler } from "./get-job.ts";
import { listJobsHandler } from "./list-jobs.ts";
import { jobEventsHandler } from "./job-events.ts";
import { listJobWebhooksHandler, redeliverJobWebhooksHandler } from "./job-webhooks.ts";

export function jobsRoutes(deps: AppDeps, limits: ApiLimits): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .post("/", createJobHandler(deps, limits))
    .get("/", listJobsHandler(deps))
    .get("/:id", getJobHandler(deps, limits))
    .post("/:id/cancel", cancelJobHandler(deps))
    .get("/:id/events", jobEventsHandler(deps))
    .get("/:id/webhooks", listJobWebhooksHandler(deps))
    .post("/:id/webhooks/redeliver", redeliverJobWebhooksHandler(deps));
}
