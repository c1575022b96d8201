// Interactive-first through the whole stack: with every batch slot and the lookahead busy with long
// priority-8 jobs, a priority-0 job still reaches the engine (an unstarted p8 job is handed back to
// the queue) and preempts a running p8 job: it finishes while the p8 jobs it overtook still run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminalJob } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ GENQ_MAX_BATCH: "2", GENQ_ADMISSION_LOOKAHEAD: "1" });
});
afterAll(async () => {
  await stack?.close();
});

describe("priority under a saturating backlog", () => {
  it("a p0 job starts and finishes before the running p8 jobs do", async () => {
    const { api } = stack;
    const long = { max_tokens: 1900, ignore_eos: true, temperature: 0, priority: 8 };
    const low: string[] = [];
    for (let i = 0; i < 4; i++) low.push((await (await api.post("/v1/jobs", { prompt: `low ${i}`, ...long })).json()).id);
    // Two run, one waits in the engine (lookahead), one waits in BullMQ.
    await api.waitFor(low[1], (job) => job.status === "running", 20_000);

    const urgent = (await (await api.post("/v1/jobs", { prompt: "urgent", max_tokens: 4, temperature: 0, priority: 0 })).json()).id;
    const done = await api.waitFor(urgent, isTerminalJob, 20_000);
    expect(done.status).toBe("succeeded");
    for (const id of low) await api.post(`/v1/jobs/${id}/cancel`, "");
    const lows = await Promise.all(low.map((id) => api.waitFor(id, isTerminalJob)));
    // The running p8 jobs ended (canceled, or finished) only after the urgent job finished...
    for (const job of lows.slice(0, 2)) {
      expect(Date.parse(job.started_at)).toBeLessThanOrEqual(Date.parse(done.created_at));
      expect(Date.parse(job.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.completed_at));
    }
    // ...and the waiting ones did not start before it.
    for (const job of lows.slice(2)) expect(job.started_at === null || Date.parse(job.started_at) >= Date.parse(done.started_at)).toBe(true);
  });
});
