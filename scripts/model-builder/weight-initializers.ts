// How each weight enters the graph for a given variant: fp32 as is; fp16 stored half and Cast
// to float32 at use (ORT folds the Cast at load); q8 stored int8 + per-channel scales and
// dequantized by DequantizeLinear (weight-only quantization; compute stays float32).
import { DataType, type OnnxGraphBuilder } from "./onnx-graph-builder.ts";
import type { LlamaConfig } from "./llama-config.ts";
import type { LlamaWeights } from "./seeded-weights.ts";
import { quantizeInt8PerChannel, toFloat16 } from "./weight-precision.ts";

export type ModelDtype = "fp32" | "fp16" | "q8";

interface EmbeddingNames {
  values: string;
  scales?: string;
  lmHeadValues?: string;
  lmHeadScales?: string;
}

export class GraphWeights {
  private embeddingNames?: EmbeddingNames;

  constructor(
    private readonly graph: OnnxGraphBuilder,
    private readonly dtype: ModelDtype,
  ) {}

  /** A MatMul right-hand side: float32 [rows(in), cols(out)]; q8 scales are per output column. */
  matrix(name: string, data: Float32Array, rows: number, cols: number): string {
    const g = this.graph;
    if (this.dtype === "fp32") return g.initializer(name, DataType.FLOAT, [rows, cols], data);
    if (this.dtype === "fp16") {
      return g.node("Cast", [g.initializer(name, DataType.FLOAT16, [rows, cols], toFloat16(data))], { to: DataType.FLOAT });
    }
    const q = quantizeInt8PerChannel(data, rows, cols, 1);
    const values = g.initializer(`${name}_quantized`, DataType.INT8, [rows, cols], q.values);
    const scales = g.initializer(`${name}_scale`, DataType.FLOAT, [cols], q.scales);
    return g.node("DequantizeLinear", [values, scales], { axis: 1 });
  }

  /** A float32 [size] vector (norm weights); q8 keeps these in float32. */
  vector(name: string, data: Float32Array): string {
    const g = this.graph;
    if (this.dtype !== "fp16") return g.initializer(name, DataType.FLOAT, [data.length], data);
    return g.node("Cast", [g.initializer(name, DataType.FLOAT16, [data.length], toFloat16(data))], { to: DataType.FLOAT });
  }

  /**
   * Registers the [vocab, hidden] embedding, which the tied lm_head shares. q8 quantizes it per
   * token (per row) and stores a second, transposed int8 copy [hidden, vocab] for the lm_head:
   * ORT fuses DequantizeLinear → MatMul into MatMulNBits only when the weight has no other user,
   * and otherwise dequantizes all vocab×hidden weights on every run (as real q8 exports, which
   * quantize embed_tokens and lm_head separately).
   */
  setEmbedding(name: string, data: Float32Array, vocab: number, hidden: number): void {
    const g = this.graph;
    if (this.dtype === "fp32") this.embeddingNames = { values: g.initializer(name, DataType.FLOAT, [vocab, hidden], data) };
    else if (this.dtype === "fp16") {
      this.embeddingNames = { values: g.initializer(name, DataType.FLOAT16, [vocab, hidden], toFloat16(data)) };
    } else {
      const q = quantizeInt8PerChannel(data, vocab, hidden, 0);
      const transposed = new Int8Array(q.values.length);
      for (let v = 0; v < vocab; v++) for (let i = 0; i < hidden; i++) transposed[i * vocab + v] = q.values[v * hidden + i];
      this.embeddingNames = {
        values: g.initializer(`${name}_quantized`, DataType.INT8, [vocab, hidden], q.values),
        scales: g.initializer(`${name}_scale`, DataType.FLOAT, [vocab], q.scales),
        lmHeadValues: g.initializer("lm_head.weight_quantized", DataType.INT8, [hidden, vocab], transposed),
        lmHeadScales: g.initializer("lm_head.weight_scale", DataType.FLOAT, [vocab], q.scales.slice()),
      };
    }
  }

  /** input_ids int64 [batch, seq] → float32 [batch, seq, hidden]. */
  embed(inputIds: string): string {
    const g = this.graph;
    const e = this.embedding();
    const rows = g.node("Gather", [e.values, inputIds], { axis: 0 });
    if (this.dtype === "fp32") return rows;
    const asFloat = g.node("Cast", [rows], { to: DataType.FLOAT });
    if (this.dtype === "fp16") return asFloat;
    // q·scale in float32: the same arithmetic as DequantizeLinear, on the gathered rows only.
    const scales = g.node("Unsqueeze", [g.node("Gather", [e.scales!, inputIds], { axis: 0 }), g.int64([-1])]);
    return g.node("Mul", [asFloat, scales]);
  }

  /** The tied lm_head: float32 [rows, hidden] → logits float32 [rows, vocab]. */
  lmHead(hidden: string): string {
    const g = this.graph;
    const e = this.embedding();
    if (this.dtype === "q8") {
      return g.node("MatMul", [hidden, g.node("DequantizeLinear", [e.lmHeadValues!, e.lmHeadScales!], { axis: 1 })]);
    }
    const table = this.dtype === "fp32" ? e.values : g.node("Cast", [e.values], { to: DataType.FLOAT });
    return g.node("Gemm", [hidden, table], { transB: 1 });
  }

  private embedding(): EmbeddingNames {
    if (!this.embeddingNames) throw new Error("setEmbedding() must come first");
    return this.embeddingNames;
  }
}

/** The weights the q8 graph effectively computes with (int8·scale), for the float64 reference. */
export function dequantizedQ8Weights(config: LlamaConfig, weights: LlamaWeights): LlamaWeights {
  const h = config.hiddenSize;
  const qDim = config.numAttentionHeads * config.headDim;
  const kvDim = config.numKeyValueHeads * config.headDim;
  const inter = config.intermediateSize;
  const dq = (data: Float32Array, rows: number, cols: number, axis: 0 | 1) =>
    quantizeInt8PerChannel(data, rows, cols, axis).dequantized;
  return {
    embedTokens: dq(weights.embedTokens, config.vocabSize, h, 0),
    finalNorm: weights.finalNorm,
    layers: weights.layers.map((l) => ({
      inputNorm: l.inputNorm,
      postAttentionNorm: l.postAttentionNorm,
      qProj: dq(l.qProj, h, qDim, 1),
      kProj: dq(l.kProj, h, kvDim, 1),
      vProj: dq(l.vProj, h, kvDim, 1),
      oProj: dq(l.oProj, qDim, h, 1),
      gateProj: dq(l.gateProj, h, inter, 1),
      upProj: dq(l.upProj, h, inter, 1),
      downProj: dq(l.downProj, inter, h, 1),
    })),
  };
}
