// A crash suspect (`exclusive`, set on a job's last allowed run) runs alone: it waits for the
// running batch to drain, nothing joins it, and the queue behind it resumes batching afterwards.
// Its output equals a batched run's (invariant 5), so isolation costs only throughput.
import { afterAll, beforeAll, expect, it } from "vitest";
import { greedyRequest, promptOf, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const VOCAB = 512;
let run: EngineRun;

beforeAll(async () => {
  run = await startEngine(await tinyModelDir());
});
afterAll(() => run.release());

it("an exclusive request never shares a step; requests around it batch as usual", async () => {
  run.engine.submit(greedyRequest("before-1", promptOf(5, 1, VOCAB), { maxTokens: 6 }));
  run.engine.submit(greedyRequest("before-2", promptOf(5, 2, VOCAB), { maxTokens: 6 }));
  run.engine.submit(greedyRequest("suspect", promptOf(5, 3, VOCAB), { maxTokens: 6, exclusive: true }));
  run.engine.submit(greedyRequest("after-1", promptOf(5, 4, VOCAB), { maxTokens: 6 }));
  run.engine.submit(greedyRequest("after-2", promptOf(5, 5, VOCAB), { maxTokens: 6 }));
  await run.runToIdle();

  const steps = run.stepTokens.map((tokens) => new Set(tokens.map((t) => t.id)));
  const withSuspect = steps.filter((ids) => ids.has("suspect"));
  expect(withSuspect.length).toBe(6);
  expect(withSuspect.every((ids) => ids.size === 1)).toBe(true);
  const first = (id: string) => steps.findIndex((ids) => ids.has(id));
  const last = (id: string) => steps.length - 1 - [...steps].reverse().findIndex((ids) => ids.has(id));
  // Order: the batch before it drains, then it alone, then the rest together.
  expect(last("before-1")).toBeLessThan(first("suspect"));
  expect(last("suspect")).toBeLessThan(first("after-1"));
  expect(steps.some((ids) => ids.has("before-1") && ids.has("before-2"))).toBe(true);
  expect(steps.some((ids) => ids.has("after-1") && ids.has("after-2"))).toBe(true);
  for (const id of ["before-1", "suspect", "after-2"]) expect(run.finished(id)).toMatchObject({ completionTokens: 6 });

  // Same tokens as in a batch: isolation does not change the output.
  const batched = await startEngine(run.card.path, { card: run.card, lm: run.lm });
  batched.engine.submit(greedyRequest("mate", promptOf(5, 1, VOCAB), { maxTokens: 6 }));
  batched.engine.submit(greedyRequest("suspect", promptOf(5, 3, VOCAB), { maxTokens: 6 }));
  await batched.runToIdle();
  expect(run.tokens.get("suspect")).toEqual(batched.tokens.get("suspect"));
});
