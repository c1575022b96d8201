// Preemption (recompute) combined with issue 13's features on the tiny model: a preempted sequence
// readmitted with the prefix cache on may start from cached blocks (its prompt's, and those of its own
// earlier tokens) and still produces exactly a solo, cache-off run; a json_schema-constrained sequence
// keeps its grammar state across a preemption, so its output is identical to an uninterrupted run
// and still parses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResponseFormat } from "../../shared/structured-output/response-format-grammar.ts";
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import { greedyRequest, promptOf, runAlone, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const VOCAB = 512;
let shared: EngineRun;
const engineWith = (options: Parameters<typeof startEngine>[1] = {}) =>
  startEngine(shared.card.path, { card: shared.card, lm: shared.lm, ...options });

const alone = (request: GenerationRequest) => runAlone(shared, request);

beforeAll(async () => {
  shared = await startEngine(await tinyModelDir());
});
afterAll(() => shared.release());

describe("preemption with the prefix cache and structured outputs", () => {
  it("a preempted sequence resumes from the prefix cache with output identical to a solo, cache-off run", async () => {
    const run = await engineWith({ maxBatch: 2, prefixCacheTokens: 4096 });
    const prefix = promptOf(40, 11, VOCAB);
    const first = greedyRequest("first", [...prefix, ...promptOf(5, 1, VOCAB)], { priority: 8, maxTokens: 40 });
    const sampled = greedyRequest("sampled", [...prefix, ...promptOf(7, 2, VOCAB)], {
      priority: 8,
      maxTokens: 40,
      sampling: { temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.3, seed: 7 },
    });
    run.engine.submit(first);
    await run.runToIdle();
    // "first" ran alone and filled the cache with the shared prefix; now two p8 jobs and an urgent one.
    const again = { ...first, id: "again" };
    run.engine.submit(again);
    run.engine.submit(sampled);
    while ((run.tokens.get("sampled")?.length ?? 0) < 20) await run.step();
    const hitsBefore = run.engine.stats().counters.prefixCacheHitTokens;
    run.engine.submit(greedyRequest("urgent", promptOf(6, 3, VOCAB), { priority: 0, maxTokens: 4 }));
    await run.runToIdle();
    expect(run.engine.stats().preemptions).toBe(1);
    // The readmission served its prompt (and its own earlier generated blocks) from the cache.
    expect(run.engine.stats().counters.prefixCacheHitTokens - hitsBefore).toBeGreaterThanOrEqual(prefix.length - (prefix.length % 16));
    for (const request of [first, again, sampled]) {
      const solo = await alone(request);
      expect(run.tokens.get(request.id), request.id).toEqual(solo.tokens);
      expect(run.finished(request.id)?.text, request.id).toEqual(solo.finished?.text);
    }
  });

  it("grammar state survives a preemption: constrained output equals an uninterrupted run and parses", async () => {
    const format: ResponseFormat = {
      type: "json_schema",
      json_schema: {
        name: "scores",
        schema: { type: "object", properties: { a: { type: "array", items: { type: "integer", minimum: -50, maximum: 50 }, maxItems: 20 } }, required: ["a"] },
        strict: true,
      },
    };
    for (const prefixCacheTokens of [0, 4096]) {
      const run = await engineWith({ maxBatch: 2, prefixCacheTokens });
      const other = greedyRequest("other", promptOf(20, 5, VOCAB), { priority: 8, maxTokens: 60 });
      const json = greedyRequest("json", promptOf(34, 6, VOCAB), {
        priority: 8,
        maxTokens: 80,
        ignoreEos: false,
        sampling: { temperature: 1, topK: 50, seed: 9 },
        responseFormat: format,
      });
      run.engine.submit(other);
      await run.step();
      run.engine.submit(json);
      while ((run.tokens.get("json")?.length ?? 0) < 6 && run.engine.hasWork) await run.step();
      run.engine.submit(greedyRequest("urgent", promptOf(6, 3, VOCAB), { priority: 0, maxTokens: 4 }));
      await run.runToIdle();
      expect(run.engine.stats().preemptions, `cache ${prefixCacheTokens}`).toBe(1);
      const solo = await alone(json);
      expect(run.tokens.get("json")).toEqual(solo.tokens);
      const text = run.finished("json")!.text;
      expect(text).toEqual(solo.finished!.text);
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });
});
