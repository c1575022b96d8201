// Reads GET /v1/models for residency tests: one model's object, and polling until a condition holds.
import { expect } from "vitest";
import type { JobJson, TestApi } from "./test-api.ts";

export async function modelObject(api: TestApi, id: string): Promise<JobJson> {
  const res = await api.get(`/v1/models/${id}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Polls GET /v1/models/:id until `done` holds; returns that answer. */
export async function waitForModel(api: TestApi, id: string, done: (model: JobJson) => boolean, timeoutMs = 20_000): Promise<JobJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const model = await modelObject(api, id);
    if (done(model)) return model;
    if (Date.now() > deadline) throw new Error(`timed out waiting on model ${id}; last: ${JSON.stringify(model)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
