// How each weight enters the graph for a given variant: fp32 as is; fp16 stored half and Cast
// to float32 at use (ORT folds the Cast at load). q8 / q4 are the fp32 graph run through the
// quantizer (scripts/model-quantizer), as any other fp32 export would be.
import { DataType, type OnnxGraphBuilder } from "./onnx-graph-builder.ts";
import { toFloat16 } from "./weight-precision.ts";

/** The precisions the graph itself is written in. */
export type GraphDtype = "fp32" | "fp16";

interface EmbeddingNames {
  values: string;
}

export class GraphWeights {
  private embeddingNames?: EmbeddingNames;

  constructor(
    private readonly graph: OnnxGraphBuilder,
    private readonly dtype: GraphDtype,
  ) {}

  /** A MatMul right-hand side: float32 [rows(in), cols(out)]. */
  matrix(name: string, data: Float32Array, rows: number, cols: number): string {
    const g = this.graph;
    if (this.dtype === "fp32") return g.initializer(name, DataType.FLOAT, [rows, cols], data);
    return g.node("Cast", [g.initializer(name, DataType.FLOAT16, [rows, cols], toFloat16(data))], { to: DataType.FLOAT });
  }

  /** A float32 [size] vector (norm weights). */
  vector(name: string, data: Float32Array): string {
    const g = this.graph;
    if (this.dtype !== "fp16") return g.initializer(name, DataType.FLOAT, [data.length], data);
    return g.node("Cast", [g.initializer(name, DataType.FLOAT16, [data.length], toFloat16(data))], { to: DataType.FLOAT });
  }

  /** Registers the [vocab, hidden] embedding, which the tied lm_head shares. */
  setEmbedding(name: string, data: Float32Array, vocab: number, hidden: number): void {
    const g = this.graph;
    this.embeddingNames =
      this.dtype === "fp32"
        ? { values: g.initializer(name, DataType.FLOAT, [vocab, hidden], data) }
        : { values: g.initializer(name, DataType.FLOAT16, [vocab, hidden], toFloat16(data)) };
  }

  /** input_ids int64 or int32 [batch, seq] → float32 [batch, seq, hidden]. */
  embed(inputIds: string): string {
    const g = this.graph;
    const e = this.embedding();
    const rows = g.node("Gather", [e.values, inputIds], { axis: 0 });
    return this.dtype === "fp32" ? rows : g.node("Cast", [rows], { to: DataType.FLOAT });
  }

  /** The tied lm_head: float32 [rows, hidden] → logits float32 [rows, vocab]. */
  lmHead(hidden: string): string {
    const g = this.graph;
    const e = this.embedding();
    const table = this.dtype === "fp32" ? e.values : g.node("Cast", [e.values], { to: DataType.FLOAT });
    return g.node("Gemm", [hidden, table], { transB: 1 });
  }

  private embedding(): EmbeddingNames {
    if (!this.embeddingNames) throw new Error("setEmbedding() must come first");
    return this.embeddingNames;
  }
}
