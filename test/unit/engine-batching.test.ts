// Engine correctness on the real tiny model (greedy): cached decode = float64 full recompute; batch
// invariance: alone = all at once = joining mid-flight = chunked prefill, for fp32 and fp16, and
// across graph variants (no position_ids input, logits for every position).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { llamaPreset } from "../../scripts/model-builder/llama-config.ts";
import { generateLlamaWeights } from "../../scripts/model-builder/seeded-weights.ts";
import { runAlone, runTogether } from "../harness/batch-invariance.ts";
import { greedyRequest, promptOf, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { referenceLlamaForward } from "../harness/reference-llama.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const VOCAB = 512;
/** 16 prompts, 1 to 61 tokens, all different. */
const prompts = Array.from({ length: 16 }, (_, i) => promptOf(1 + ((i * 23) % 61), i + 1, VOCAB));
const MAX_TOKENS = 10;

const alone = (run: EngineRun, list: number[][]) => runAlone(run, list, MAX_TOKENS);
const together = (run: EngineRun, list: number[][], tag: string) => runTogether(run, list, MAX_TOKENS, tag);

describe("engine batch invariance (greedy, fp32)", () => {
  let run: EngineRun;
  let reference: number[][];

  beforeAll(async () => {
    run = await startEngine(await tinyModelDir());
    reference = await alone(run, prompts);
  });
  afterAll(() => run.release());

  it("cached decode through the engine = greedy full recompute with the float64 reference", () => {
    const config = llamaPreset("tiny");
    const weights = generateLlamaWeights(config, 1);
    for (const i of [0, 5, 11]) {
      const ids = [...prompts[i]];
      for (let t = 0; t < MAX_TOKENS; t++) {
        const { logits } = referenceLlamaForward(config, weights, { inputIds: [ids], attentionMask: [ids.map(() => 1)], logitsToKeep: 1 });
        ids.push(logits.indexOf(Math.max(...logits)));
      }
      expect(ids.slice(prompts[i].length)).toEqual(reference[i]);
    }
  });

  it("16 prompts of different lengths: all at once = one by one", async () => {
    expect(reference.every((t) => t.length === MAX_TOKENS)).toBe(true);
    // Not a degenerate model: different prompts continue differently.
    expect(new Set(reference.map((t) => t.join())).size).toBeGreaterThan(8);
    expect(await together(run, prompts, "all")).toEqual(reference);
  });

  it("sequences joining mid-flight change nothing for the others", async () => {
    const submitted: number[] = [];
    for (let wave = 0; wave < 4; wave++) {
      for (let k = 0; k < 4; k++) {
        const i = wave * 4 + k;
        run.engine.submit(greedyRequest(`wave-${i}`, prompts[i], { maxTokens: MAX_TOKENS }));
        submitted.push(i);
      }
      // A few steps between waves, so waves overlap at different decode positions.
      for (let s = 0; s < 2 + wave; s++) await run.step();
    }
    await run.runToIdle();
    expect(submitted.map((i) => run.tokens.get(`wave-${i}`))).toEqual(reference);
  });

  it("chunked prefill under a tiny token budget = one-shot prefill", async () => {
    const chunked = await startEngine(run.card.path, { card: run.card, lm: run.lm, prefillChunkTokens: 5, idlePrefillChunkTokens: 5 });
    expect(await together(chunked, prompts, "chunked")).toEqual(reference);
    // The budget really chunked: some step fed a prefill without finishing it (no first tokens yet).
    expect(chunked.engine.stats().steps).toBeGreaterThan(prompts.length);
  });

  it("with no row decoding a prompt goes in idle-budget passes; beside decoding rows, in chunk-budget passes", async () => {
    const engine = await startEngine(run.card.path, { card: run.card, lm: run.lm, prefillChunkTokens: 8, idlePrefillChunkTokens: 64 });
    const firstTokenStep = (id: string) => engine.stepTokens.findIndex((tokens) => tokens.some((t) => t.id === id));
    const long = promptOf(40, 77, VOCAB);
    engine.engine.submit(greedyRequest("alone", long, { maxTokens: 30 }));
    await engine.step();
    // 40 prompt tokens ≤ the idle budget of 64: one pass, first token at once.
    expect(firstTokenStep("alone")).toBe(0);
    engine.engine.submit(greedyRequest("beside", long, { maxTokens: 4 }));
    await engine.runToIdle();
    // "alone" is decoding now: 40 tokens at 8 per pass take 5 steps, the first token on the 5th.
    expect(firstTokenStep("beside") - 1).toBe(4);
    const reference = (await runAlone(run, [long], 4, "idle-budget-reference"))[0];
    expect(engine.tokens.get("beside")).toEqual(reference);
  });

  it("batch limits: maxBatch 3 and a tight KV budget still give the same tokens", async () => {
    const limited = await startEngine(run.card.path, { card: run.card, lm: run.lm, maxBatch: 3, prefillChunkTokens: 16, idlePrefillChunkTokens: 16 });
    const tight = await startEngine(run.card.path, { card: run.card, lm: run.lm, maxKvTokens: 4 * (61 + MAX_TOKENS) });
    expect(await together(limited, prompts, "limited")).toEqual(reference);
    expect(await together(tight, prompts, "tight")).toEqual(reference);
  });
});

describe("engine across model variants", () => {
  const sample = prompts.slice(0, 6);
  let reference: number[][];

  beforeAll(async () => {
    const run = await startEngine(await tinyModelDir());
    reference = await together(run, sample, "ref");
    await run.release();
  });

  it.each<[string, { positionIds?: boolean; logitsToKeepInput?: boolean }]>([
    ["no position_ids input", { positionIds: false }],
    ["logits for every position", { logitsToKeepInput: false }],
    ["both", { positionIds: false, logitsToKeepInput: false }],
  ])("%s: same greedy tokens as the default graph", async (_, variant) => {
    const run = await startEngine(await tinyModelDir(variant));
    expect(run.lm.signature.hasPositionIds).toBe(variant.positionIds ?? true);
    expect(run.lm.signature.hasLogitsToKeep).toBe(variant.logitsToKeepInput ?? true);
    expect(await together(run, sample, "variant")).toEqual(reference);
    await run.release();
  });

  it("fp16 model: float16 KV cache, batched = alone", async () => {
    const run = await startEngine(await tinyModelDir({ dtypes: ["fp16"] }), { dtype: "fp16", prefillChunkTokens: 20, idlePrefillChunkTokens: 20 });
    expect(run.lm.signature.kv.dtype).toBe("float16");
    const single = await alone(run, sample);
    expect(single.every((t) => t.length === MAX_TOKENS)).toBe(true);
    run.engine.submit(greedyRequest("probe", sample[0], { maxTokens: 40 }));
    await run.step();
    await run.step();
    const stats = run.engine.stats();
    // 2 bytes per element: slots × 2 (key, value) × layers × kvHeads × headDim × 2.
    expect(stats.kvBytes).toBe(stats.kvTokens * 2 * 2 * 2 * 16 * 2);
    await run.runToIdle();
    expect(await together(run, sample, "fp16")).toEqual(single);
    await run.release();
  });
});
