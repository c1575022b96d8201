// Model folder loading: ONNX file per dtype, the graph signature read from the session (not
// assumed), and the clear error for device "cuda" where the CUDA provider is not installed.
import { describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import { createInferenceSession, ExecutionProviderError } from "../../worker/model/create-inference-session.ts";
import { MODEL_DTYPES, modelFilePath } from "../../worker/model/model-file-path.ts";
import { readModelSignature } from "../../worker/model/model-signature.ts";
import { refusedModelDir, tinyModelDir } from "../harness/tiny-model.ts";

describe("model loading", () => {
  it("picks the ONNX file by dtype and names the missing one", async () => {
    const dir = await tinyModelDir();
    expect(modelFilePath(dir, "fp32")).toMatch(/onnx\/model\.onnx$/);
    expect(() => modelFilePath(dir, "q4")).toThrow(/dtype q4 not found: .*onnx\/model_q4\.onnx/);
    expect(() => modelFilePath(dir, "fp16")).toThrow(/model_fp16\.onnx/);
    // Every transformers.js dtype has its file name, on model or on Xenova's decoder_model_merged.
    const names = MODEL_DTYPES.map((dtype) => {
      try {
        return modelFilePath(dir, dtype);
      } catch (error) {
        return /onnx\/(model\w*\.onnx) or/.exec((error as Error).message)?.[1];
      }
    });
    expect(names.slice(1)).toEqual([
      "model_fp16.onnx", "model_quantized.onnx", "model_int8.onnx", "model_uint8.onnx",
      "model_q4.onnx", "model_q4f16.onnx", "model_bnb4.onnx",
    ]);
    const merged = await tinyModelDir({ mergedDecoder: true, dtypes: ["fp32", "q8"] });
    expect(modelFilePath(merged, "fp32")).toMatch(/onnx\/decoder_model_merged\.onnx$/);
    expect(modelFilePath(merged, "q8")).toMatch(/onnx\/decoder_model_merged_quantized\.onnx$/);
  });

  it.each([
    ["fused-cache", /input past_0: a fused KV cache .*past_0 \[2, batch, heads, past, head_dim\]/],
    ["hybrid-cache", /input past_conv\.0: a hybrid cache .*attention-only KV caches/],
  ] as const)("refuses a %s graph with one line naming what is unsupported", async (kind, message) => {
    const dir = await refusedModelDir(kind);
    const card = loadModelCard("refused", dir);
    const load = CausalLm.load(dir, card.config, { device: "cpu", dtype: "fp32" });
    await expect(load).rejects.toThrow(message);
    await expect(load).rejects.toThrow(/^[^\n]+$/);
  });

  it("reads input dtypes, the merged decoder's flag and the attention style from the graph", async () => {
    const dir = await tinyModelDir({ attention: "gqa", inputIdsDtype: "int32", mergedDecoder: true });
    const card = loadModelCard("tiny", dir);
    const lm = await CausalLm.load(dir, card.config, { device: "cpu", dtype: "fp32" });
    expect(lm.signature).toMatchObject({
      attention: "gqa",
      inputIdsDtype: "int32",
      attentionMaskDtype: "int32",
      hasUseCacheBranch: true,
      hasPositionIds: false,
      kv: { align: "start", kvHeads: 2 },
    });
    expect(lm.feeding.chunkOnCacheRows).toBe(1);
    await lm.release();
  });

  it("reads KV shape, dtype and optional inputs from the session, cross-checked with config.json", async () => {
    const dir = await tinyModelDir({ dtypes: ["fp16"], positionIds: false, logitsToKeepInput: false });
    const card = loadModelCard("tiny", dir);
    const lm = await CausalLm.load(dir, card.config, { device: "cpu", dtype: "fp16" });
    expect(lm.signature).toMatchObject({
      kv: { layers: 2, kvHeads: 2, headDim: 16, dtype: "float16" },
      hasPositionIds: false,
      hasLogitsToKeep: false,
    });
    expect(lm.signature.pastNames[1]).toBe("past_key_values.0.value");
    expect(lm.signature.presentNames[3]).toBe("present.1.value");
    await lm.release();

    const session = await createInferenceSession(modelFilePath(await tinyModelDir(), "fp32"), { device: "cpu" });
    expect(() => readModelSignature(session, { ...card.config, num_hidden_layers: 3 })).toThrow(/num_hidden_layers is 3/);
    // Dims the graph leaves symbolic come from config.json; a config that contradicts static dims is refused.
    const kvMeta = session.inputMetadata.find((m) => m.name === "past_key_values.0.key");
    if (kvMeta?.isTensor && typeof kvMeta.shape[3] === "number") {
      expect(() => readModelSignature(session, { ...card.config, head_dim: 8 })).toThrow(/head dim/);
    }
    await session.release();
  });

  it('device "cuda" without the CUDA provider fails with install instructions', async () => {
    const path = modelFilePath(await tinyModelDir(), "fp32");
    let error: unknown;
    try {
      const session = await createInferenceSession(path, { device: "cuda" });
      await session.release();
    } catch (caught) {
      error = caught;
    }
    // On a host with the CUDA provider installed the session simply loads.
    if (error === undefined) return;
    expect(error).toBeInstanceOf(ExecutionProviderError);
    expect((error as Error).message).toMatch(/CUDA execution provider could not be loaded/);
    expect((error as Error).message).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci");
    expect((error as Error).message).toContain("CUDA 12 and cuDNN 9");
  });
});
