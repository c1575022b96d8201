// Vitest global setup: when REDIS_URL is unset, start one redis-server for the whole run and
// hand its URL to the test files through `provide`/`inject` (and the env for child processes).
import type { TestProject } from "vitest/node";
import { startRedisServer, type RedisServerHandle } from "./redis-server.ts";

let server: RedisServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.REDIS_URL;
  if (!url) {
    server = await startRedisServer();
    url = server.url;
  }
  process.env.GENQ_TEST_REDIS_URL = url;
  project.provide("redisUrl", url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
