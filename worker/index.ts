// Worker process entry (`npm run worker`): reads config once, starts the worker, stops on signals.
import { loadConfig } from "../shared/config.ts";
import { createLogger } from "../shared/logger.ts";
import { startWorker } from "./worker-runtime.ts";

const config = loadConfig();
const logger = createLogger(config.logLevel, { process: "worker", pid: process.pid });
const handle = await startWorker(config, logger);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping worker", { signal });
    handle.close().then(
      () => process.exit(0),
      (error) => {
        logger.error("worker shutdown failed", { error });
        process.exit(1);
      },
    );
  });
}
