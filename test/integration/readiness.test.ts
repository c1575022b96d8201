// /readyz is 200 only when the store takes writes, Redis answers and every model has a live
// worker (heartbeats); an API alone, a stopped worker or a read-only database answer 503.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../api/app.ts";
import type { GenqDatabase } from "../../shared/db/client.ts";
import * as schema from "../../shared/db/schema/index.ts";
import { probeWritable } from "../../shared/db/write-probe.ts";
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

it("is not ready when the database file cannot be written", async () => {
  const readOnly = new Database(env.config.databasePath, { readonly: true });
  const db = drizzle(readOnly, { schema }) as unknown as GenqDatabase;
  const deps = api.nodeDeps.deps;
  const app = createApp({ ...deps, readiness: { ...deps.readiness, checkStoreWritable: () => probeWritable(db) } });
  const res = await app.request("/readyz");
  expect(res.status).toBe(503);
  expect(((await res.json()) as { checks: { database: string } }).checks.database).toMatch(/^not writable: .*readonly/);
  readOnly.close();
});
