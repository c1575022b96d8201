// The /v1/jobs resource.
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { cancelJobHandler } from "./cancel-job.ts";
import { createJobHandler } from "./create-job.ts";
import { getJobHandler } from "./get-job.ts";
import { listJobsHandler } from "./list-jobs.ts";
import { jobEventsHandler } from "./job-events.ts";
import { listJobWebhooksHandler, redeliverJobWebhooksHandler } from "../webhooks/job-webhooks.ts";

export function jobsRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .post("/", createJobHandler(deps))
    .get("/", listJobsHandler(deps))
    .get("/:id", getJobHandler(deps))
    .post("/:id/cancel", cancelJobHandler(deps))
    .get("/:id/events", jobEventsHandler(deps))
    .get("/:id/webhooks", listJobWebhooksHandler(deps))
    .post("/:id/webhooks/redeliver", redeliverJobWebhooksHandler(deps));
}
