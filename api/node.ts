// API process entry (`npm run api`): reads config once, serves, stops on signals.
import { createLogger } from "../shared/logger.ts";
import { exitOnStartupFailure, loadConfigOrExit } from "../shared/startup-failure.ts";
import { startApi } from "./node-api.ts";

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, { process: "api", pid: process.pid });
const api = await startApi(config, logger).catch((error: unknown) => exitOnStartupFailure(error, config));
logger.info("api listening", { url: api.url });

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    api.close().then(() => process.exit(0), () => process.exit(1));
  });
}
