// Per-test environment: a fresh data dir + SQLite file, a unique BullMQ prefix on the suite's
// Redis, and the tiny model; config parsed exactly as the entries parse it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { Redis } from "ioredis";
import { parseConfig, type GenqConfig } from "../../shared/config.ts";
import { tinyModelDir } from "./tiny-model.ts";

export interface TestEnv {
  config: GenqConfig;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), "genq-test-"));
  const prefix = `t${randomBytes(6).toString("hex")}`;
  const redisUrl = inject("redisUrl");
  const env: Record<string, string> = {
    GENQ_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    GENQ_MODELS: `tiny=${await tinyModelDir()}`,
    GENQ_QUEUE_PREFIX: prefix,
    GENQ_LOG_LEVEL: "error",
    GENQ_PORT: "0",
    GENQ_MAX_BATCH: "8",
    ...overrides,
  };
  const config = parseConfig(env);
  return {
    config,
    env,
    async cleanup() {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
