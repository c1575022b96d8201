// End to end on real parts: HTTP -> SQLite -> BullMQ (real Redis) -> worker -> inference thread
// (onnxruntime-node, tiny model) -> SQLite -> poll.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import type { WorkerHandle } from "../../worker/worker-runtime.ts";
import type { TestEnv } from "../harness/test-env.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { isTerminalJob, type TestApi } from "../harness/test-api.ts";
import { readSse } from "../harness/sse-client.ts";

let stack: TestStack;
let env: TestEnv;
let api: TestApi;
let worker: WorkerHandle;

beforeAll(async () => {
  stack = await startTestStack({ GENQ_MAX_BATCH: "1" });
  ({ env, api, worker } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe("job lifecycle", () => {
  it("submits, runs and answers with output and usage", async () => {
    const res = await api.post("/v1/jobs", { prompt: "Hello", max_tokens: 16, temperature: 0, ignore_eos: true });
    expect(res.status).toBe(202);
    const queued = await res.json();
    expect(queued).toMatchObject({ object: "job", status: "queued", model: "tiny", priority: 5, output: null });
    expect(queued.id).toMatch(/^job_[0-9A-Z]{26}$/);
    expect(res.headers.get("etag")).toBeTruthy();

    const done = await api.waitFor(queued.id, isTerminalJob);
    expect(done.status).toBe("succeeded");
    expect(done.output.finish_reason).toBe("length");
    expect(done.output.text.length).toBeGreaterThan(0);
    const card = loadModelCard("tiny", env.config.models[0].path);
    expect(done.usage).toEqual({ prompt_tokens: card.promptIds({ prompt: "Hello" }).length, completion_tokens: 16 });
    expect(Date.parse(done.started_at)).toBeGreaterThanOrEqual(Date.parse(done.created_at));
    expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.started_at));
  });

  it("lists jobs newest first with cursor pagination and a status filter", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await (await api.post("/v1/jobs", { prompt: `n${i}`, max_tokens: 2 })).json()).id);
    }
    for (const id of ids) await api.waitFor(id, isTerminalJob);
    const page1 = await (await api.get("/v1/jobs?limit=2")).json();
    expect(page1.data.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = await (await api.get(`/v1/jobs?limit=2&after=${page1.next_cursor}`)).json();
    expect(page2.data[0].id).toBe(ids[0]);
    const succeeded = await (await api.get("/v1/jobs?status=succeeded&limit=100")).json();
    expect(succeeded.data.every((j: { status: string }) => j.status === "succeeded")).toBe(true);
    const queued = await (await api.get("/v1/jobs?status=queued")).json();
    expect(queued.data).toEqual([]);
  });

  it("runs the most urgent job first when work is waiting", async () => {
    await Promise.all(worker.workers.map((w) => w.pause()));
    const low: string[] = [];
    for (let i = 0; i < 5; i++) {
      low.push((await (await api.post("/v1/jobs", { prompt: `low ${i}`, max_tokens: 4, priority: 8 })).json()).id);
    }
    const urgent = (await (await api.post("/v1/jobs", { prompt: "urgent", max_tokens: 4, priority: "high" })).json()).id;
    worker.workers.forEach((w) => w.resume());
    const jobs = await Promise.all([...low, urgent].map((id) => api.waitFor(id, isTerminalJob)));
    const byCompletion = [...jobs].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
    expect(byCompletion[0].id).toBe(urgent);
    expect(byCompletion[0].priority).toBe(1);
    // Equal priorities keep arrival order.
    expect(byCompletion.slice(1).map((j) => j.id)).toEqual(low);
  });

  it("cancels a queued job so that it never runs", async () => {
    await Promise.all(worker.workers.map((w) => w.pause()));
    const id = (await (await api.post("/v1/jobs", { prompt: "never", max_tokens: 4 })).json()).id;
    const res = await api.post(`/v1/jobs/${id}/cancel`, "");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "canceled", output: { text: "", finish_reason: "canceled" } });
    worker.workers.forEach((w) => w.resume());
    const marker = (await (await api.post("/v1/jobs", { prompt: "after", max_tokens: 2 })).json()).id;
    await api.waitFor(marker, isTerminalJob);
    const job = await (await api.get(`/v1/jobs/${id}`)).json();
    expect(job).toMatchObject({ status: "canceled", started_at: null, usage: { completion_tokens: 0 } });
    expect((await api.post(`/v1/jobs/${marker}/cancel`, "")).status).toBe(409);
  });

  it("cancels a running job at its next token, keeping the partial text", async () => {
    const id = (await (await api.post("/v1/jobs", { prompt: "long", max_tokens: 1500, ignore_eos: true, temperature: 0 })).json()).id;
    // The job's stream says when it runs (written before generation starts): cancel right then,
    // rather than racing 1,500 tokens with polls on a busy machine.
    const sse = readSse((await api.get(`/v1/jobs/${id}/events`)) as unknown as Response);
    for (let e = await sse.next(); e && JSON.parse(e.data).status !== "running"; e = await sse.next());
    const res = await api.post(`/v1/jobs/${id}/cancel`, "");
    await sse.close();
    expect([200, 202]).toContain(res.status);
    const job = await api.waitFor(id, isTerminalJob);
    expect(job.status).toBe("canceled");
    expect(job.output.finish_reason).toBe("canceled");
    expect(job.usage.completion_tokens).toBeLessThan(1500);
  });
});
