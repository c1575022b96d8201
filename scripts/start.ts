// `npm start`: the embedded quick start. Creates ./data (SQLite migrated), builds the default
// tiny model if absent, finds or launches Redis, runs the API and one worker in this process.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startApi } from "../api/node-api.ts";
import { checkAuthBeforeStart } from "../api/auth/auth-policy.ts";
import { ensurePrivateDir } from "../shared/store/private-files.ts";
import { loadConfig } from "../shared/config.ts";
import { createLogger } from "../shared/logger.ts";
import { runStartup } from "../shared/startup/startup-failure.ts";
import { startWorker } from "../worker/worker-runtime.ts";
import { ensureLocalRedis, type LocalRedis } from "./local-redis.ts";
import { readyBanner } from "./ready-banner.ts";
import { buildModelFolder } from "./model-builder/write-model-folder.ts";

const { config, logger, redis, worker, api, authPolicy } = await runStartup("start", async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { process: "genq", pid: process.pid });
  // Refuse an API open to the network before building a model or starting anything (startApi
  // checks again and logs whether requests may go without a key).
  const authPolicy = await checkAuthBeforeStart(config);

  // The data dir holds the database (secrets) and the local Redis: owner-only before anything lands.
  ensurePrivateDir(config.dataDir);
  const defaultModel = config.models[0];
  if (!config.modelsConfigured && !existsSync(join(defaultModel.path, "config.json"))) {
    logger.info("building the default tiny model (random weights: its text is nonsense)", { path: defaultModel.path });
    await buildModelFolder({ preset: "tiny", outDir: defaultModel.path });
  }

  let redis: LocalRedis | undefined;
  if (!config.redisUrl) {
    redis = await ensureLocalRedis(config.dataDir);
    config.redisUrl = redis.url;
  }
  try {
    // The API first: a port in use fails before the worker loads its models.
    const api = await startApi(config, logger);
    const worker = await startWorker(config, logger).catch(async (error: unknown) => {
      await api.close();
      throw error;
    });
    return { config, logger, redis, worker, api, authPolicy };
  } catch (error) {
    await redis?.stop();
    throw error;
  }
});
const defaultModel = config.models[0];
process.stdout.write(
  readyBanner({
    url: api.url,
    model: defaultModel.name,
    redis: `${config.redisUrl}${redis?.launched ? ` started under ${config.dataDir}/redis` : ""}`,
    open: authPolicy.open,
  }),
);

let stopping = false;
const stop = (exitCode: number) => {
  if (stopping) return;
  stopping = true;
  (async () => {
    await api.close();
    await worker.close();
    await redis?.stop();
  })().then(
    () => process.exit(exitCode),
    (error) => {
      logger.error("shutdown failed", { error });
      process.exit(1);
    },
  );
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    process.stdout.write("\nstopping genq…\n");
    stop(0);
  });
}
void worker.fatal.then((reason) => {
  logger.error(`${reason}; handing jobs back and exiting`);
  stop(1);
});
