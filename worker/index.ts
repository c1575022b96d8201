// Worker process entry (`npm run worker`): reads config once, starts the worker, stops on signals.
import { loadConfig } from "../shared/config.ts";
import { createLogger } from "../shared/logger.ts";
import { runStartup } from "../shared/startup/startup-failure.ts";
import { startWorker } from "./worker-runtime.ts";

const { handle, logger } = await runStartup("worker", async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { process: "worker", pid: process.pid });
  return { handle: await startWorker(config, logger), logger };
});

let stopping = false;
const stop = (exitCode: number) => {
  if (stopping) return;
  stopping = true;
  handle.close().then(
    () => process.exit(exitCode),
    (error) => {
      logger.error("worker shutdown failed", { error });
      process.exit(1);
    },
  );
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    logger.info("stopping worker", { signal });
    stop(0);
  });
}
// Crash-only: a worker whose inference thread died hands its jobs back and exits for a supervisor to restart.
void handle.fatal.then((reason) => {
  logger.error(`${reason}; handing jobs back and exiting`);
  stop(1);
});
