// Exports genq did not design, through the real engine: onnxruntime-genai GroupQueryAttention (rows
// from column 0, lengths from the mask sum), MultiHeadAttention with an in-graph mask (no chunk on a
// cache), int32 inputs, Xenova's merged decoder, q4 / q8 MatMulNBits. Each passes the batch-invariance
// proof (alone = together = mid-flight = chunked), and the exact ones give the default graph's ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchInvarianceRuns, runAlone } from "../harness/batch-invariance.ts";
import { promptOf, startEngine } from "../harness/engine-runner.ts";
import { tinyModelDir, type TinyModelOptions } from "../harness/tiny-model.ts";
import type { ModelDtype } from "../../worker/model/model-file-path.ts";

/** 8 prompts of 1 to 40 tokens: longer than the tiny budget's chunks, different lengths per group. */
const prompts = Array.from({ length: 8 }, (_, i) => promptOf(1 + ((i * 13) % 40), 100 + i, 512));
const MAX_TOKENS = 6;

describe("engine on other exporters' layouts (greedy)", () => {
  let reference: number[][];

  beforeAll(async () => {
    const run = await startEngine(await tinyModelDir());
    reference = await runAlone(run, prompts, MAX_TOKENS, "reference");
    await run.release();
  });

  it.each<[string, TinyModelOptions, ModelDtype, string, boolean]>([
    ["genai GroupQueryAttention", { attention: "gqa" }, "fp32", "gqa", true],
    ["genai MultiHeadAttention + in-graph mask", { attention: "mha" }, "fp32", "in-graph-mask", true],
    ["int32 input_ids / attention_mask", { inputIdsDtype: "int32" }, "fp32", "external-mask", true],
    ["Xenova merged decoder (use_cache_branch)", { mergedDecoder: true }, "fp32", "external-mask", true],
    ["GroupQueryAttention, int32, merged", { attention: "gqa", inputIdsDtype: "int32", mergedDecoder: true }, "fp32", "gqa", true],
    ["q4 MatMulNBits (block 32)", { dtypes: ["q4"] }, "q4", "external-mask", false],
    ["q8 MatMulNBits (block 32)", { dtypes: ["q8"] }, "q8", "external-mask", false],
    ["q4 GroupQueryAttention", { attention: "gqa", dtypes: ["q4"] }, "q4", "gqa", false],
  ])("%s: alone = together = mid-flight = chunked", async (_, options, dtype, style, exact) => {
    const run = await startEngine(await tinyModelDir(options), { dtype });
    expect(run.lm.signature.attention).toBe(style);
    const runs = await batchInvarianceRuns(run, prompts, MAX_TOKENS);
    expect(runs.failures).toEqual([]);
    expect(runs.alone.every((t) => t.length === MAX_TOKENS)).toBe(true);
    expect(runs.together).toEqual(runs.alone);
    expect(runs.waves).toEqual(runs.alone);
    expect(runs.chunked).toEqual(runs.alone);
    expect(runs.chunkedAlone).toEqual(runs.alone);
    // The same function as the default graph: the same greedy ids (quantized ones only nearly).
    if (exact) expect(runs.alone).toEqual(reference);
    await run.release();
  });
});

describe("the stand-ins really have their exporters' limits", () => {
  let mha: Awaited<ReturnType<typeof startEngine>>;
  beforeAll(async () => {
    mha = await startEngine(await tinyModelDir({ attention: "mha" }), { prefillChunkTokens: 5, idlePrefillChunkTokens: 5 });
  });
  afterAll(() => mha.release());

  it("MultiHeadAttention's in-graph mask fails a multi-token chunk on a cache (genq prefills it in one pass)", async () => {
    expect(mha.lm.feeding.chunkOnCacheRows).toBe(0);
    const policy = mha.lm.feeding;
    mha.lm.feeding = { ...policy, chunkOnCacheRows: Infinity };
    try {
      const ids = await runAlone(mha, [prompts[3]], 2, "forced-chunks");
      expect(ids[0]).toEqual([]);
      expect(mha.failed("forced-chunks-0")?.message).toMatch(/Expand|shape|broadcast/i);
    } finally {
      mha.lm.feeding = policy;
    }
  });
});
