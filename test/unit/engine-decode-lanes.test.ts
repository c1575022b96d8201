// Decode lanes on the real tiny model (greedy): a long prompt joining short running sequences gets its
// own lane instead of widening everyone's KV rectangle; tokens stay equal to running alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greedyRequest, promptOf, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const VOCAB = 512;
const SHORT = Array.from({ length: 6 }, (_, i) => promptOf(6 + i, i + 1, VOCAB));
const LONG = promptOf(600, 99, VOCAB);
const MAX_TOKENS = 12;

let shared: EngineRun;
const engineWith = (options: Parameters<typeof startEngine>[1] = {}) =>
  startEngine(shared.card.path, { card: shared.card, lm: shared.lm, ...options });

beforeAll(async () => {
  shared = await startEngine(await tinyModelDir());
});
afterAll(() => shared.release());

describe("decode lanes", () => {
  it("a long prompt joining short running rows decodes in its own lane, tokens unchanged", async () => {
    const alone = new Map<string, number[]>();
    for (const [id, prompt] of [...SHORT.map((p, i) => [`s${i}`, p] as const), ["long", LONG] as const]) {
      const run = await engineWith();
      run.engine.submit(greedyRequest(id, prompt, { maxTokens: MAX_TOKENS }));
      await run.runToIdle();
      alone.set(id, run.tokens.get(id)!);
    }

    const run = await engineWith({ prefillChunkTokens: 128 });
    SHORT.forEach((p, i) => run.engine.submit(greedyRequest(`s${i}`, p, { maxTokens: MAX_TOKENS })));
    await run.step();
    await run.step();
    run.engine.submit(greedyRequest("long", LONG, { maxTokens: MAX_TOKENS }));
    while (!run.tokens.has("long")) await run.step();
    await run.step();
    const { running, kvTokens } = run.engine.stats();
    expect(running).toBe(SHORT.length + 1);
    // One rectangle would hold 7 × ≥602 slots; two lanes hold 6 short rows plus one long row.
    expect(kvTokens).toBeLessThan(2 * LONG.length);
    await run.runToIdle();
    for (const [id, tokens] of alone) expect(run.tokens.get(id), id).toEqual(tokens);
  });
});
