// The TypeScript quantizer on an fp32 export with external weights, as `npm run model:quantize` runs
// it: every MatMul with an initializer weight becomes MatMulNBits (block 32), the file is the one
// GENQ_DTYPE selects, it computes what the builder's own q4 / q8 compute, and it loads self-checked.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { readOnnxModel } from "../../scripts/model-quantizer/onnx-model-file.ts";
import { quantizeModelFolder } from "../../scripts/model-quantizer/quantize-model-folder.ts";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true }))));

async function logitsOf(path: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  const ids = [5, 77, 300, 12, 9];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, 5]),
    attention_mask: new ort.Tensor("int64", BigInt64Array.from(ids.map(() => 1n)), [1, 5]),
    position_ids: new ort.Tensor("int64", BigInt64Array.from([0n, 1n, 2n, 3n, 4n]), [1, 5]),
    num_logits_to_keep: new ort.Tensor("int64", BigInt64Array.of(0n), []),
  };
  for (const name of session.inputNames.filter((n) => n.startsWith("past_key_values."))) {
    feeds[name] = new ort.Tensor("float32", new Float32Array(0), [1, 2, 0, 16]);
  }
  const logits = (await session.run(feeds)).logits.data as Float32Array;
  await session.release();
  return logits;
}

describe("model quantizer (npm run model:quantize)", () => {
  it.each([
    ["q4", "model_q4.onnx"],
    ["q8", "model_quantized.onnx"],
  ] as const)("%s: an fp32 folder with external data gets onnx/%s, equal to the builder's", async (dtype, file) => {
    const folder = await mkdtemp(join(tmpdir(), "genq-quantize-"));
    scratch.push(folder);
    await cp(await tinyModelDir({ externalData: true }), folder, { recursive: true });
    const report = await quantizeModelFolder(folder, dtype);
    expect(report.output).toBe(join(folder, "onnx", file));
    // 7 MatMuls per layer × 2 layers; the tied embedding (Gather / Gemm) stays float32.
    expect(report).toMatchObject({ matmuls: 14, weights: 14, keptFloat: 0 });
    const model = await readOnnxModel(report.output);
    const ops = new Set(model.graph!.node!.map((n) => n.opType));
    expect(ops.has("MatMulNBits")).toBe(true);
    const nbits = model.graph!.node!.find((n) => n.opType === "MatMulNBits")!;
    expect(Object.fromEntries(nbits.attribute!.map((a) => [a.name, Number(a.i)]))).toMatchObject({
      bits: dtype === "q4" ? 4 : 8,
      block_size: 32,
    });

    const builders = await tinyModelDir({ dtypes: [dtype] });
    expect(await logitsOf(report.output)).toEqual(await logitsOf(join(builders, "onnx", file)));
    const lm = await CausalLm.load(folder, loadModelCard("tiny", folder).config, { device: "cpu", dtype });
    expect(lm.selfCheck?.tried.at(-1)?.problem).toBe("");
    await lm.release();
  });

  it("accuracy_level 4 (int8 activations per row and block) still passes the batch self-check", async () => {
    const folder = await mkdtemp(join(tmpdir(), "genq-quantize-"));
    scratch.push(folder);
    await cp(await tinyModelDir(), folder, { recursive: true });
    for (const dtype of ["q8", "q4"] as const) {
      await quantizeModelFolder(folder, dtype, { accuracyLevel: 4 });
      const lm = await CausalLm.load(folder, loadModelCard("tiny", folder).config, { device: "cpu", dtype });
      expect(lm.selfCheck?.tried).toEqual([{ mode: "batched, chunked prefill", problem: "" }]);
      await lm.release();
    }
  });

  it("refuses a folder without an fp32 decoder in one line", async () => {
    const folder = await mkdtemp(join(tmpdir(), "genq-quantize-"));
    scratch.push(folder);
    await expect(quantizeModelFolder(folder, "q8")).rejects.toThrow(/^no fp32 decoder in .*onnx\/model\.onnx or onnx\/decoder_model_merged\.onnx$/);
  });
});
