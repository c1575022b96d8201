// Prefix caching on the real tiny model (greedy): outputs with the cache equal those without it for
// prefixes of many lengths (ending mid-block and mid-chunk, prompts that are entirely cached), the
// counters report the reused tokens, concurrent requests with one prefix compute it once, and the
// token budget evicts least recently used blocks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greedyRequest, promptOf, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const VOCAB = 512;
const MAX_TOKENS = 8;
const shared = promptOf(80, 7, VOCAB);
/** Prefix lengths: below one block, exactly one, mid-block, several blocks, past the prefill chunk (24). */
const PROMPTS = [
  ...[5, 16, 20, 37, 64, 80].map((n, i) => [...shared.slice(0, n), ...promptOf(3 + i * 5, 100 + i, VOCAB)]),
  shared.slice(0, 32), // entirely cached after the ones above: the last token is recomputed for its logits
  shared.slice(0, 48),
  [...shared.slice(0, 37), ...promptOf(30, 200, VOCAB)],
];

async function runAll(run: EngineRun, tag: string, prompts: number[][], together = false): Promise<number[][]> {
  for (const [i, prompt] of prompts.entries()) {
    run.engine.submit(greedyRequest(`${tag}-${i}`, prompt, { maxTokens: MAX_TOKENS }));
    if (!together) await run.runToIdle();
  }
  await run.runToIdle();
  return prompts.map((_, i) => run.tokens.get(`${tag}-${i}`)!);
}

describe("prefix cache", () => {
  let off: EngineRun;
  let reference: number[][];

  beforeAll(async () => {
    off = await startEngine(await tinyModelDir(), { prefillChunkTokens: 24 });
    reference = await runAll(off, "off", PROMPTS);
  });
  afterAll(() => off.release());

  it("greedy outputs are identical with the cache on and off; hits are counted", async () => {
    const on = await startEngine(off.card.path, { card: off.card, lm: off.lm, prefillChunkTokens: 24, prefixCacheTokens: 4096 });
    expect(await runAll(on, "on", PROMPTS)).toEqual(reference);
    const { counters } = on.engine.stats();
    expect(counters.promptTokens).toBe(PROMPTS.reduce((n, p) => n + p.length, 0));
    // 16 of prompt 2 (20-token prefix), 16 of 3, 32 of 4, 64 of 5, 31 of the 32-token prompt (its
    // last token is fed again), 47 of the 48-token one, 32 of the last (37-token prefix) at least.
    expect(counters.prefixCacheHitTokens).toBeGreaterThanOrEqual(16 + 16 + 32 + 64 + 31 + 47 + 32);
    // And the same prompts again, all at once: everything is cached now.
    expect(await runAll(on, "again", PROMPTS, true)).toEqual(reference);
    expect(off.engine.stats().counters.prefixCacheHitTokens).toBe(0);
  });

  it("concurrent requests with one prefix compute it once: the first runs, the rest reuse its blocks", async () => {
    const on = await startEngine(off.card.path, { card: off.card, lm: off.lm, prefillChunkTokens: 24, prefixCacheTokens: 4096 });
    const prompts = Array.from({ length: 8 }, (_, i) => [...shared.slice(0, 64), ...promptOf(6, 300 + i, VOCAB)]);
    const expected = await runAll(off, "off-concurrent", prompts, true);
    expect(await runAll(on, "concurrent", prompts, true)).toEqual(expected);
    expect(on.engine.stats().counters.prefixCacheHitTokens).toBe(7 * 64);
    // Admission order: the first request started alone, before the others.
    const started = on.messages.filter((m) => m.type === "started").map((m) => m.id);
    expect(started[0]).toBe("concurrent-0");
  });

  it("fp16 KV: cached blocks keep their dtype and outputs stay identical", async () => {
    const folder = await tinyModelDir({ dtypes: ["fp16"] });
    const plain = await startEngine(folder, { dtype: "fp16", prefillChunkTokens: 24 });
    const expected = await runAll(plain, "fp16-off", PROMPTS.slice(3));
    const cached = await startEngine(folder, { card: plain.card, lm: plain.lm, prefillChunkTokens: 24, prefixCacheTokens: 4096 });
    expect(await runAll(cached, "fp16-on", PROMPTS.slice(3))).toEqual(expected);
    expect(cached.engine.stats().counters.prefixCacheHitTokens).toBeGreaterThan(64);
    await plain.release();
  });

  it("the token budget evicts least recently used blocks", async () => {
    const on = await startEngine(off.card.path, { card: off.card, lm: off.lm, prefixCacheTokens: 64 });
    const a = promptOf(70, 400, VOCAB);
    const b = promptOf(70, 401, VOCAB);
    await runAll(on, "a", [a]);
    expect(on.engine.stats().prefixCacheTokens).toBe(64);
    await runAll(on, "a2", [a]);
    expect(on.engine.stats().counters.prefixCacheHitTokens).toBe(64);
    await runAll(on, "b", [b]); // evicts all of a's blocks
    await runAll(on, "a3", [a]);
    expect(on.engine.stats().counters.prefixCacheHitTokens).toBe(64);
    expect(on.tokens.get("a3-0")).toEqual(on.tokens.get("a-0"));
  });
});
