// Preemption and aging through the real engine on the tiny model: a more urgent sequence preempts
// the lowest-priority, most recently admitted running one when the batch or KV budget is full; the
// victim resumes by recompute with output identical to an uninterrupted run (greedy and seeded
// sampling); equal priorities never preempt; aging lets a priority-9 job finish under a p1 stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greedyRequest, promptOf, runAlone, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import type { FromThreadMessage } from "../../worker/thread/thread-messages.ts";

const VOCAB = 512;
let shared: EngineRun;
const engineWith = (options: Parameters<typeof startEngine>[1] = {}) =>
  startEngine(shared.card.path, { card: shared.card, lm: shared.lm, ...options });
const lifecycle = (run: EngineRun) =>
  run.messages.filter((m) => m.type === "started" || m.type === "finished").map((m) => `${m.type}:${(m as { id: string }).id}`);
const deltaText = (run: EngineRun, id: string) =>
  run.messages
    .filter((m): m is Extract<FromThreadMessage, { type: "delta" }> => m.type === "delta" && m.id === id)
    .map((d) => d.text)
    .join("");

const alone = (request: GenerationRequest) => runAlone(shared, request);

beforeAll(async () => {
  shared = await startEngine(await tinyModelDir());
});
afterAll(() => shared.release());

describe("preemption", () => {
  const low = (id: string, seed: number, overrides: Partial<GenerationRequest> = {}) =>
    greedyRequest(id, promptOf(9 + seed, seed, VOCAB), { priority: 8, maxTokens: 30, ...overrides });

  it("a p0 job preempts the most recently admitted p8 job when the batch is full; every output equals a solo run", async () => {
    const run = await engineWith({ maxBatch: 2 });
    // "sampled" is a seeded, sampled request with a repetition penalty: its RNG and penalty state must survive.
    const first = low("first", 1);
    const sampled = low("sampled", 2, { sampling: { temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.3, seed: 7 } });
    run.engine.submit(first);
    await run.step();
    run.engine.submit(sampled);
    while ((run.tokens.get("sampled")?.length ?? 0) < 6) await run.step();
    const urgent = greedyRequest("urgent", promptOf(5, 3, VOCAB), { priority: 0, maxTokens: 4 });
    run.engine.submit(urgent);
    const from = run.stepTokens.length;
    await run.runToIdle();
    // While the urgent job runs, the most recently admitted p8 job ("sampled") yields; "first" keeps decoding.
    const urgentSteps = run.stepTokens.slice(from).filter((tokens) => tokens.some((t) => t.id === "urgent"));
    expect(urgentSteps).toHaveLength(urgent.maxTokens);
    expect(urgentSteps.every((tokens) => tokens.some((t) => t.id === "first") && !tokens.some((t) => t.id === "sampled"))).toBe(true);

    expect(run.engine.stats().preemptions).toBe(1);
    const order = lifecycle(run);
    // The urgent job starts and finishes while both p8 jobs are still unfinished.
    expect(order.indexOf("finished:urgent")).toBeLessThan(order.indexOf("finished:first"));
    expect(order.indexOf("finished:urgent")).toBeLessThan(order.indexOf("finished:sampled"));
    // `started` is announced once, even for the resumed job.
    expect(order.filter((e) => e === "started:sampled")).toHaveLength(1);
    for (const request of [first, sampled, urgent]) {
      const solo = await alone(request);
      expect(run.tokens.get(request.id), request.id).toEqual(solo.tokens);
      expect(run.finished(request.id), request.id).toEqual(solo.finished);
      expect(deltaText(run, request.id)).toBe(solo.finished!.text);
    }
  });

  it("preempts when the KV budget (not the batch) is full", async () => {
    const reservation = 11 + 30;
    const run = await engineWith({ maxBatch: 16, maxKvTokens: 2 * reservation });
    const a = low("a", 1);
    const b = low("b", 2, { promptIds: promptOf(11, 2, VOCAB) });
    run.engine.submit(a);
    run.engine.submit(b);
    while ((run.tokens.get("b")?.length ?? 0) < 3) await run.step();
    run.engine.submit(greedyRequest("urgent", promptOf(6, 4, VOCAB), { priority: 1, maxTokens: 3 }));
    await run.runToIdle();
    expect(run.engine.stats().preemptions).toBe(1);
    const order = lifecycle(run);
    expect(order.indexOf("finished:urgent")).toBeLessThan(order.indexOf("finished:a"));
    for (const request of [a, b]) expect(run.tokens.get(request.id)).toEqual((await alone(request)).tokens);
  });

  it("a prefill group in flight yields to a more urgent arrival and restarts later, output unchanged", async () => {
    const run = await engineWith({ prefillChunkTokens: 64, idlePrefillChunkTokens: 64 });
    const big = low("big", 5, { promptIds: promptOf(600, 5, VOCAB), maxTokens: 4 });
    run.engine.submit(big);
    await run.step();
    await run.step();
    run.engine.submit(greedyRequest("urgent", promptOf(6, 6, VOCAB), { priority: 0, maxTokens: 3 }));
    await run.runToIdle();
    expect(run.engine.stats().preemptions).toBe(1);
    const order = lifecycle(run);
    expect(order.indexOf("finished:urgent")).toBeLessThan(order.indexOf("finished:big"));
    // The urgent job's tokens all came before the big one's first token.
    const firstBig = run.stepTokens.findIndex((tokens) => tokens.some((t) => t.id === "big"));
    const lastUrgent = run.stepTokens.findLastIndex((tokens) => tokens.some((t) => t.id === "urgent"));
    expect(lastUrgent).toBeLessThan(firstBig);
    expect(run.tokens.get("big")).toEqual((await alone(big)).tokens);
  });

  it("equal priorities never preempt: a waiting p8 job waits for a free slot", async () => {
    const run = await engineWith({ maxBatch: 1 });
    run.engine.submit(low("running", 1, { maxTokens: 8 }));
    await run.step();
    run.engine.submit(low("waiting", 2, { maxTokens: 2 }));
    await run.runToIdle();
    expect(run.engine.stats().preemptions).toBe(0);
    expect(lifecycle(run)).toEqual(["started:running", "finished:running", "started:waiting", "finished:waiting"]);
  });

  it("within one priority, the earliest queue deadline is admitted first", async () => {
    const run = await engineWith({ maxBatch: 1 });
    run.engine.submit(low("busy", 1, { maxTokens: 2 }));
    await run.step();
    run.engine.submit(low("late", 2, { maxTokens: 2, queueDeadlineMs: Date.now() + 60_000 }));
    run.engine.submit(low("none", 3, { maxTokens: 2 }));
    run.engine.submit(low("soon", 4, { maxTokens: 2, queueDeadlineMs: Date.now() + 10_000 }));
    await run.runToIdle();
    expect(lifecycle(run).filter((e) => e.startsWith("started"))).toEqual(["started:busy", "started:soon", "started:late", "started:none"]);
  });
});

describe("aging (no starvation)", () => {
  /** maxBatch 1 and a p1 job always waiting; the clock moves 1 s per step. Returns the step the p9 job finished at, or null. */
  async function p9UnderP1Stream(priorityAgingMs: number, steps: number): Promise<number | null> {
    let clockMs = 1_000_000;
    const run = await engineWith({ maxBatch: 1, priorityAgingMs, now: () => clockMs });
    let next = 0;
    const submitP1 = () => run.engine.submit(greedyRequest(`p1-${next++}`, promptOf(4, next, VOCAB), { priority: 1, maxTokens: 2 }));
    submitP1();
    run.engine.submit(greedyRequest("p9", promptOf(4, 99, VOCAB), { priority: 9, maxTokens: 2 }));
    for (let step = 0; step < steps; step++) {
      // Keep one p1 job waiting at all times: a continuous stream.
      if (run.engine.stats().waiting < 2) submitP1();
      await run.step();
      clockMs += 1_000;
      if (run.finished("p9")) return step;
    }
    return null;
  }

  it("a priority-9 job finishes under a continuous priority-1 stream when waiting ages it", async () => {
    expect(await p9UnderP1Stream(0, 60)).toBeNull();
    const finishedAt = await p9UnderP1Stream(2_000, 60);
    expect(finishedAt).not.toBeNull();
  });
});
