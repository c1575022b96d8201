// Fair queueing between tenants on a real worker: tenant A queues 1,000 jobs, then tenant B
// queues 10 at the same priority; B's jobs must all start long before A's backlog drains.
// Asserted on start order (from the rows), never on timings; timings are only printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRow } from "../../shared/store/schema/jobs.ts";
import type { WorkerHandle } from "../../worker/worker-runtime.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { issueKey, type TestApi } from "../harness/test-api.ts";

const A_JOBS = 1_000;
const B_JOBS = 10;

let stack: TestStack;
let api: TestApi;
let worker: WorkerHandle;

beforeAll(async () => {
  stack = await startTestStack({ GENQ_RATE_LIMIT_PER_SECOND: "0", GENQ_MAX_BATCH: "8" });
  ({ api, worker } = stack);
});

afterAll(async () => {
  await stack?.close();
});

async function submitMany(auth: Record<string, string>, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  // Chunks of 50 concurrent submits: fast, and ranks stay exact (count + insert is atomic).
  for (let at = 0; at < count; at += 50) {
    const chunk = Array.from({ length: Math.min(50, count - at) }, (_, i) =>
      api.post("/v1/jobs", { prompt: `${label} ${at + i}`, max_tokens: 1, temperature: 0 }, auth),
    );
    for (const res of await Promise.all(chunk)) {
      expect(res.status).toBe(202);
      ids.push((await res.json()).id);
    }
  }
  return ids;
}

describe("fair queueing", () => {
  // A budget, not a speed claim (the drain loop has its own 120 s deadline): 1,000 jobs on a busy box.
  it("starts a light tenant's jobs before a heavy tenant's backlog drains", async () => {
    const a = { authorization: `Bearer ${await issueKey(api, "heavy")}` };
    const b = { authorization: `Bearer ${await issueKey(api, "light")}` };
    await Promise.all(worker.workers.map((w) => w.pause()));
    const aIds = await submitMany(a, A_JOBS, "a");
    const bIds = await submitMany(b, B_JOBS, "b");

    // The ranks are in the BullMQ priorities: B's first job sorts before A's second.
    const queue = api.nodeDeps.deps.queue.queueFor("tiny");
    const priorityOf = async (id: string) => (await queue.getJob(id))!.opts.priority!;
    expect(await priorityOf(bIds[0])).toBeLessThan(await priorityOf(aIds[1]));

    const resumedAt = Date.now();
    worker.workers.forEach((w) => w.resume());
    const store = api.nodeDeps.deps.store.jobs;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const counts = await store.countByStatus();
      if (!counts.queued && !counts.running) break;
      if (Date.now() > deadline) throw new Error(`backlog did not drain: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const rows = (ids: string[]) => Promise.all(ids.map(async (id) => (await store.get(id))!));
    const aRows = await rows(aIds);
    const bRows = await rows(bIds);
    expect([...aRows, ...bRows].every((r) => r.status === "succeeded")).toBe(true);
    const lastStart = (rs: JobRow[]) => Math.max(...rs.map((r) => r.startedAt!));
    const lastDone = (rs: JobRow[]) => Math.max(...rs.map((r) => r.completedAt!));
    const bLastStart = lastStart(bRows);
    const aStartedBeforeB = aRows.filter((r) => r.startedAt! < bLastStart).length;
    const aStartedAfterB = aRows.filter((r) => r.startedAt! > bLastStart).length;
    console.log(
      `fairness: B's ${B_JOBS} jobs all done ${lastDone(bRows) - resumedAt} ms after the worker resumed; ` +
        `A's ${A_JOBS}-job backlog drained after ${lastDone(aRows) - resumedAt} ms; ` +
        `A jobs started before B's last start: ${aStartedBeforeB}, after it: ${aStartedAfterB}`,
    );
    // Round-robin by rank: B's j-th job waits for about j of A's jobs, not for all 1,000.
    expect(aStartedBeforeB).toBeLessThanOrEqual(B_JOBS * 4);
    expect(aStartedAfterB).toBeGreaterThanOrEqual(A_JOBS - B_JOBS * 5);
  }, 300_000);
});
