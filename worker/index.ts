// Worker process entry (`npm run worker`): reads config once, starts the worker, stops on signals.
import { createLogger } from "../shared/logger.ts";
import { exitOnStartupFailure, loadConfigOrExit } from "../shared/startup-failure.ts";
import { startWorker } from "./worker-runtime.ts";

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, { process: "worker", pid: process.pid });
const handle = await startWorker(config, logger).catch((error: unknown) => exitOnStartupFailure(error, config));

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
