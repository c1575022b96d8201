// `npm start`: the embedded quick start. Creates ./data (SQLite migrated), builds the default
// tiny model if absent, finds or launches Redis, runs the API and one worker in this process.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startApi } from "../api/node-api.ts";
import { checkAuthBeforeStart } from "../api/auth/auth-policy.ts";
import { ensurePrivateDir } from "../shared/store/private-files.ts";
import { exitOnStartupFailure, loadConfigOrExit } from "../shared/startup-failure.ts";
import { createLogger } from "../shared/logger.ts";
import { startWorker } from "../worker/worker-runtime.ts";
import { ensureLocalRedis, type LocalRedis } from "./local-redis.ts";
import { readyBanner } from "./ready-banner.ts";
import { buildModelFolder } from "./model-builder/write-model-folder.ts";

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, { process: "genq", pid: process.pid });
// Refuse an API open to the network before building a model or starting anything (startApi
// checks again and logs whether requests may go without a key).
const authPolicy = await checkAuthBeforeStart(config).catch((error: unknown) => exitOnStartupFailure(error, config));

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

const worker = await startWorker(config, logger);
const api = await startApi(config, logger);
process.stdout.write(
  readyBanner({
    url: api.url,
    model: defaultModel.name,
    redis: `${config.redisUrl}${redis?.launched ? ` started under ${config.dataDir}/redis` : ""}`,
    open: authPolicy.open,
  }),
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\nstopping genq…\n");
    (async () => {
      await api.close();
      await worker.close();
      await redis?.stop();
    })().then(
      () => process.exit(0),
      (error) => {
        logger.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  });
}
