// API process entry (`npm run api`): reads config once, serves, stops on signals.
import { loadConfig } from "../shared/config.ts";
import { createLogger } from "../shared/logger.ts";
import { runStartup } from "../shared/startup/startup-failure.ts";
import { startApi } from "./node-api.ts";

const { api, logger } = await runStartup("api", async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { process: "api", pid: process.pid });
  return { api: await startApi(config, logger), logger };
});
logger.info("api listening", { url: api.url });

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    api.close().then(() => process.exit(0), () => process.exit(1));
  });
}
