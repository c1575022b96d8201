// Model folder loading: ONNX file per dtype, the graph signature read from the session (not
// assumed), and the clear error for device "cuda" where the CUDA provider is not installed.
import { describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import { createInferenceSession, ExecutionProviderError } from "../../worker/model/create-inference-session.ts";
import { modelFilePath } from "../../worker/model/model-file-path.ts";
import { readModelSignature } from "../../worker/model/model-signature.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

describe("model loading", () => {
  it("picks the ONNX file by dtype and names the missing one", async () => {
    const dir = await tinyModelDir();
    expect(modelFilePath(dir, "fp32")).toMatch(/onnx\/model\.onnx$/);
    expect(() => modelFilePath(dir, "q4")).toThrow(/dtype q4 not found: .*onnx\/model_q4\.onnx/);
    expect(() => modelFilePath(dir, "fp16")).toThrow(/model_fp16\.onnx/);
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
