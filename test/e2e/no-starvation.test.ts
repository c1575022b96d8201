// No starvation through the whole stack: with one batch slot and a continuous stream of priority-1
// jobs, a priority-9 job still runs, because waiting raises its priority in the queue (BullMQ
// re-prioritisation by the API) and in the engine, one level per GENQ_PRIORITY_AGING_SECONDS.
import { afterAll, beforeAll, expect, it } from "vitest";
import { isTerminalJob } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    GENQ_MAX_BATCH: "1",
    GENQ_ADMISSION_LOOKAHEAD: "0",
    GENQ_PRIORITY_AGING_SECONDS: "1",
    GENQ_RATE_LIMIT_PER_SECOND: "0",
  });
});
afterAll(async () => {
  await stack?.close();
});

it("a priority-9 job finishes under a continuous priority-1 stream", async () => {
  const { api } = stack;
  const store = api.nodeDeps.deps.store.jobs;
  // Models load on first demand: load it before the stream, so the p9 job's aging is not spent on the load.
  await api.waitFor((await (await api.post("/v1/jobs", { prompt: "warm up", max_tokens: 1 })).json()).id, isTerminalJob);
  const submitP1 = async () => (await (await api.post("/v1/jobs", { prompt: "stream", max_tokens: 40, ignore_eos: true, priority: 1 })).json()).id as string;
  const p1: string[] = [];
  for (let i = 0; i < 4; i++) p1.push(await submitP1());
  const p9 = (await (await api.post("/v1/jobs", { prompt: "patient", max_tokens: 6, priority: 9 })).json()).id as string;
  const deadline = Date.now() + 60_000;
  // Keep p1 jobs waiting at all times until the p9 job is done.
  while (!isTerminalJob((await (await api.get(`/v1/jobs/${p9}`)).json()))) {
    if (Date.now() > deadline) throw new Error("the priority-9 job never ran");
    for (let queued = (await store.countByStatus()).queued ?? 0; queued < 6; queued++) p1.push(await submitP1());
    await new Promise((r) => setTimeout(r, 10));
  }
  const done = await api.waitFor(p9, isTerminalJob);
  expect(done.status).toBe("succeeded");
  const p9Start = Date.parse(done.started_at);
  // It overtook p1 jobs that were already waiting when it started: the stream was never empty.
  const rows = await Promise.all(p1.map(async (id) => (await store.get(id))!));
  const overtaken = rows.filter((r) => r.createdAt < p9Start && (r.startedAt === null || r.startedAt > p9Start));
  expect(overtaken.length).toBeGreaterThan(0);
  // And the p1 stream kept running meanwhile: many p1 jobs ran while it waited.
  expect(rows.filter((r) => r.startedAt !== null && r.startedAt < p9Start).length).toBeGreaterThan(10);
}, 90_000);
