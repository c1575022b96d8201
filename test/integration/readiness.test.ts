// /readyz is 200 only when the store takes writes, Redis answers and every model has a live
// worker (heartbeats); an API alone or a stopped worker answer 503. (The write probe behind the
// database check also refuses startup on a read-only file: test/e2e/startup-failures.test.ts.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";

let env: TestEnv;
let api: TestApi;
let worker: WorkerHandle | undefined;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_HEARTBEAT_MS: "200" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

it("is not ready while no worker serves the model, ready with one, not ready once it stopped", async () => {
  let res = await api.get("/readyz");
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ status: "not ready", checks: { database: "ok", redis: "ok", workers: 'no live worker serves "tiny"' }, workers: { tiny: 0 } });

  worker = await startWorker(env.config, createLogger("error"));
  res = await api.get("/readyz");
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ready", checks: { workers: "ok" }, workers: { tiny: 1 } });

  await worker.close();
  worker = undefined;
  res = await api.get("/readyz");
  expect(res.status).toBe(503);
  expect((await res.json()).workers).toEqual({ tiny: 0 });
});

