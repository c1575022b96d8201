// The whole service in-process for end-to-end tests: a fresh test env, the real app (called via
// app.request) and a real worker with its inference thread; `close()` tears all three down.
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { createTestEnv, type TestEnv } from "./test-env.ts";
import { startTestApi, type TestApi } from "./test-api.ts";

export interface TestStack {
  env: TestEnv;
  api: TestApi;
  worker: WorkerHandle;
  close(): Promise<void>;
}

export async function startTestStack(overrides: Record<string, string> = {}): Promise<TestStack> {
  const env = await createTestEnv(overrides);
  const api = await startTestApi(env.config);
  const worker = await startWorker(env.config, createLogger("error"));
  return {
    env,
    api,
    worker,
    async close() {
      await worker.close();
      await api.close();
      await env.cleanup();
    },
  };
}
