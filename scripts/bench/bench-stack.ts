// Starts a throwaway genq stack for benchmarks: redis-server on a free port, temp data dir,
// the API and one worker in this process (like `npm start`). Stop it with `close()`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { parseConfig, type GenqConfig } from "../../shared/config.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker } from "../../worker/worker-runtime.ts";
import { buildModelFolder } from "../model-builder/write-model-folder.ts";
import { startRedisServer } from "../redis-server-process.ts";

export interface BenchStack {
  api: ApiHandle;
  config: GenqConfig;
  close(): Promise<void>;
}

export interface BenchStackOptions {
  /** Also run a worker in this process (default true); off measures the API alone. */
  withWorker?: boolean;
}

export async function startBenchStack(env: Record<string, string> = {}, options: BenchStackOptions = {}): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), "genq-bench-"));
  const redis = await startRedisServer({ dir });
  const modelDir = join(dir, "models", "tiny");
  if (!env.GENQ_MODELS) await buildModelFolder({ preset: "tiny", outDir: modelDir });
  const config = parseConfig({
    GENQ_DATA_DIR: dir,
    REDIS_URL: redis.url,
    GENQ_MODELS: `tiny=${modelDir}`,
    GENQ_PORT: "0",
    GENQ_LOG_LEVEL: "error",
    // Benchmarks submit in bursts far above the default per-tenant rate limit.
    GENQ_RATE_LIMIT_PER_SECOND: "0",
    ...env,
  });
  const logger = createLogger(config.logLevel);
  const worker = options.withWorker === false ? undefined : await startWorker(config, logger);
  const api = await startApi(config, logger);
  return {
    api,
    config,
    async close() {
      await api.close();
      await worker?.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
