// Minimal graphs with the cache signatures genq refuses, so tests can check the refusal is one clear
// line: a fused cache (past_N [2, B, heads, P, hd], e.g. GPT-J-style onnxruntime exports) and a
// hybrid cache (past_conv.N convolution states beside the attention cache, e.g. LFM2).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataType, OnnxGraphBuilder } from "./onnx-graph-builder.ts";
import { llamaPreset } from "./llama-config.ts";
import { buildModelFolder } from "./write-model-folder.ts";

export type RefusedLayout = "fused-cache" | "hybrid-cache";

function refusedGraph(kind: RefusedLayout): OnnxGraphBuilder {
  const { vocabSize: vocab, hiddenSize: h, numKeyValueHeads: kvh, headDim: hd, numHiddenLayers: layers } = llamaPreset("tiny");
  const g = new OnnxGraphBuilder(`genq-${kind}`);
  const ids = g.input("input_ids", DataType.INT64, ["batch_size", "sequence_length"]);
  g.input("attention_mask", DataType.INT64, ["batch_size", "total_sequence_length"]);
  const embedding = g.initializer("embed", DataType.FLOAT, [vocab, h], new Float32Array(vocab * h));
  const head = g.initializer("head", DataType.FLOAT, [h, vocab], new Float32Array(vocab * h));
  g.node("MatMul", [g.node("Gather", [embedding, ids], { axis: 0 }), head], {}, "logits");
  g.output("logits", DataType.FLOAT, ["batch_size", "sequence_length", vocab]);
  const passThrough = (input: string, output: string, dims: Array<number | string>) => {
    g.input(input, DataType.FLOAT, dims);
    g.node("Identity", [input], {}, output);
    g.output(output, DataType.FLOAT, dims);
  };
  for (let i = 0; i < layers; i++) {
    if (kind === "fused-cache") {
      passThrough(`past_${i}`, `present_${i}`, [2, "batch_size", kvh, "past_sequence_length", hd]);
    } else {
      for (const part of ["key", "value"]) {
        passThrough(`past_key_values.${i}.${part}`, `present.${i}.${part}`, ["batch_size", kvh, "past_sequence_length", hd]);
      }
      passThrough(`past_conv.${i}`, `present_conv.${i}`, ["batch_size", h, 3]);
    }
  }
  return g;
}

/** A tiny model folder (config, tokenizer) whose onnx/model.onnx has the refused cache signature. */
export async function buildRefusedLayoutFolder(kind: RefusedLayout, outDir: string): Promise<void> {
  await buildModelFolder({ preset: "tiny", outDir });
  await writeFile(join(outDir, "onnx", "model.onnx"), refusedGraph(kind).encode().model);
}
