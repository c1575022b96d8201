// Cloudflare Workers entry (wrangler `main`): the same createApp over D1 and a per-request Redis
// connection (api/workers-api.ts), settings from the Worker's vars and secrets through the same
// config validation as Node, and a cron trigger for the sweepers a Node API runs on timers.
import bundle from "genq-model-bundle";
import { Hono } from "hono";
import { parseConfig } from "../shared/config.ts";
import { GenqError } from "../shared/errors.ts";
import { createLogger } from "../shared/logger.ts";
import { modelCardsFromBundle } from "../shared/models/model-card-bundle.ts";
import { DeadlineSweeper } from "../shared/queue/deadline-sweeper.ts";
import { QueueAging } from "../shared/queue/queue-aging.ts";
import { Reconciler } from "../shared/queue/reconciler.ts";
import { RetentionSweep } from "../shared/retention-sweep.ts";
import { createApp } from "./app.ts";
import { createErrorHandler } from "./middleware/problem-response.ts";
import { createWorkersDeps, createWorkersServices, type WorkersEnv, type WorkersRuntime } from "./workers-api.ts";

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

let runtime: { env: WorkersEnv; value: WorkersRuntime } | undefined;

/** Config and model cards, parsed once per isolate (a bad setting fails every request with its line). */
function runtimeFor(env: WorkersEnv): WorkersRuntime {
  if (runtime?.env === env) return runtime.value;
  const settings = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const config = parseConfig(settings);
  const logger = createLogger(config.logLevel, { process: "api-workers" }, (line) => console.error(line));
  const models = modelCardsFromBundle(bundle);
  if (models.size === 0) throw new Error("the model bundle is empty: run npm run workers:models before wrangler deploy");
  const value = { config, logger, models, defaultModel: bundle.models[0].name };
  runtime = { env, value };
  return value;
}

/** A problem+json answer from the one error handler, for failures before the app exists. */
function failure(error: unknown): Response {
  const logger = createLogger("error", { process: "api-workers" }, (line) => console.error(line));
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.all("*", () => {
    if (error instanceof GenqError) throw error;
    logger.error("the Worker could not start serving", { error });
    // The cause goes to the log; the answer says only which part failed.
    const redis = /Redis/.test((error as Error).message);
    throw new GenqError(redis ? "QUEUE_UNAVAILABLE" : "INTERNAL", redis ? "Redis is not reachable from the Worker" : "internal error");
  });
  return app.fetch(new Request("http://worker/")) as Response;
}

export default {
  async fetch(request: Request, env: WorkersEnv, ctx: ExecutionContext): Promise<Response> {
    let built: Awaited<ReturnType<typeof createWorkersDeps>>;
    try {
      const value = runtimeFor(env);
      built = await createWorkersDeps(await createWorkersServices(env, value), value);
    } catch (error) {
      return failure(error);
    }
    const response = await createApp(built.deps).fetch(request);
    // The request's Redis connection closes once the answer is fully sent (SSE included).
    if (!response.body) {
      ctx.waitUntil(built.close());
      return response;
    }
    const { readable, writable } = new TransformStream();
    ctx.waitUntil(
      response.body
        .pipeTo(writable)
        .catch(() => {})
        .finally(() => built.close()),
    );
    return new Response(readable, response);
  },

  /** Cron trigger: one pass of each sweeper (deadlines, aging, lost jobs, retention). */
  async scheduled(_controller: unknown, env: WorkersEnv, ctx: ExecutionContext): Promise<void> {
    const value = runtimeFor(env);
    const { config, logger } = value;
    const services = await createWorkersServices(env, value);
    const { store, queue, lifecycle, events, connection } = services;
    const passes: Array<[string, () => Promise<unknown>]> = [
      ["deadline sweep", () => new DeadlineSweeper({ jobs: store.jobs, lifecycle, queue, events, logger }).sweep()],
      ["queue aging", () => new QueueAging({ jobs: store.jobs, queue, agingMs: config.priorityAgingMs, logger }).pass()],
      ["reconcile", () => new Reconciler({ jobs: store.jobs, queue, models: [...value.models.keys()], logger }).reconcile()],
      [
        "retention sweep",
        () => new RetentionSweep({ jobs: store.jobs, connection, prefix: config.queuePrefix, retentionMs: config.reliability.jobRetentionMs, logger }).sweep(),
      ],
    ];
    const run = async () => {
      for (const [name, pass] of passes) await pass().catch((error) => logger.warn(`${name} failed`, { error }));
      await services.close();
    };
    ctx.waitUntil(run());
  },
};
