// Files and batches are covered by retention (GENQ_JOB_RETENTION): the API's sweep deletes finished
// batches and old files, rows and bytes, but never a file an unfinished batch still reads.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type JobJson, type TestApi } from "../harness/test-api.ts";
import { batchFile } from "../harness/batch-files.ts";

let env: TestEnv;
let api: TestApi;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_JOB_RETENTION: "1h" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

async function upload(name: string): Promise<JobJson> {
  const form = new FormData();
  form.append("purpose", "batch");
  form.append("file", new Blob([batchFile(3)]), name);
  const res = await api.app.request("/v1/files", { method: "POST", body: form });
  expect(res.status).toBe(200);
  return (await res.json()) as JobJson;
}

it("deletes finished batches and old files, keeps the input of an unfinished batch", async () => {
  const { store, fileBlobs } = api.nodeDeps.deps;
  const loose = await upload("loose.jsonl");
  const read = await upload("read.jsonl");
  // No worker: this batch stays in_progress, reading its file.
  const running = (await (await api.post("/v1/batches", { input_file_id: read.id, endpoint: "/v1/chat/completions", completion_window: "24h" })).json()) as JobJson;
  const longAgo = Date.now() - 2 * 3_600_000;
  await store.batches.create({
    id: "batch_00000000000000000000000001",
    tenantId: "",
    status: "completed",
    endpoint: "/v1/chat/completions",
    inputFileId: loose.id,
    completionWindow: "24h",
    priority: 8,
    createdAt: longAgo,
    expiresAt: longAgo + 86_400_000,
    updatedAt: longAgo,
  });
  await api.nodeDeps.batchRunner.sweepRetention(Date.now() + 2 * 3_600_000);
  expect(await store.batches.get("batch_00000000000000000000000001")).toBeUndefined();
  expect(await store.batches.get(running.id)).toBeDefined();
  expect(await store.files.getForTenant(loose.id, "")).toBeUndefined();
  expect(existsSync(fileBlobs.pathOf(loose.id))).toBe(false);
  expect(await store.files.getForTenant(read.id, "")).toBeDefined();
  expect(existsSync(fileBlobs.pathOf(read.id))).toBe(true);
  expect((await api.get(`/v1/files/${loose.id}`)).status).toBe(404);
});
