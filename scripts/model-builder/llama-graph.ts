// The ONNX graph of a Llama decoder with KV cache, in the transformers.js / optimum layout
// (input and output names, shapes and dtypes are the contract the genq engine relies on).
import { gqaLengths, groupQueryAttention, inGraphCausalBias, multiHeadAttention } from "./contrib-attention.ts";
import { DataType, OnnxGraphBuilder } from "./onnx-graph-builder.ts";
import type { LlamaConfig } from "./llama-config.ts";
import { useCacheBranch } from "./merged-decoder.ts";
import { ropeTables, type LlamaWeights } from "./seeded-weights.ts";
import { GraphWeights, type GraphDtype } from "./weight-initializers.ts";

/**
 * How attention is exported: "external-mask" (optimum / transformers.js: plain ops, mask from
 * attention_mask), "gqa" (onnxruntime-genai GroupQueryAttention, rotary inside, no position_ids),
 * "mha" (genai MultiHeadAttention + RotaryEmbedding with an in-graph causal mask).
 */
export type AttentionLayout = "external-mask" | "gqa" | "mha";

export interface LlamaGraphOptions {
  dtype: GraphDtype;
  /** Default "external-mask". gqa implies no position_ids; gqa and mha imply no num_logits_to_keep. */
  attention?: AttentionLayout;
  /** Dtype of input_ids and attention_mask (some exports take int32). Default int64. */
  inputIdsDtype?: "int64" | "int32";
  /** Xenova's merged decoder: a bool input use_cache_branch selects (If) between past and an empty cache. */
  mergedDecoder?: boolean;
  /** Input `position_ids`; without it positions are cumsum(attention_mask)-1 (clamped at 0). */
  positionIds: boolean;
  /** Input `num_logits_to_keep`; without it logits cover every input position. */
  logitsToKeepInput: boolean;
}

/** Added to the scores of masked keys: finite, so a fully masked (padding) row stays NaN-free. */
const MASKED_SCORE = -1e9;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Inputs: input_ids int64 [batch, seq]; attention_mask int64 [batch, past+seq];
 * position_ids int64 [batch, seq]; past_key_values.{i}.key|value kv [batch, kvHeads, past, headDim];
 * num_logits_to_keep int64 scalar. Outputs: logits float32 [batch, K, vocab];
 * present.{i}.key|value kv [batch, kvHeads, past+seq, headDim]. kv = float16 for fp16, else float32.
 */
export function buildLlamaGraph(config: LlamaConfig, weights: LlamaWeights, options: LlamaGraphOptions): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder("genq-llama");
  const w = new GraphWeights(g, options.dtype);
  const kvType = options.dtype === "fp16" ? DataType.FLOAT16 : DataType.FLOAT;
  const { hiddenSize: h, numAttentionHeads: nh, numKeyValueHeads: kvh, headDim: hd, vocabSize: vocab } = config;
  const qDim = nh * hd;
  const kvDim = kvh * hd;
  const groupSize = nh / kvh;
  if (!Number.isInteger(groupSize)) throw new Error("num_attention_heads must be a multiple of num_key_value_heads");

  const attention = options.attention ?? "external-mask";
  if (attention !== "external-mask" && kvType !== DataType.FLOAT) throw new Error(`${attention} layout: fp32 only`);
  const idsType = options.inputIdsDtype === "int32" ? DataType.INT32 : DataType.INT64;
  // The cache of an MHA export holds the repeated KV heads (one head count for q, k and v).
  const cacheHeads = attention === "mha" ? nh : kvh;

  // ---- inputs
  const inputIds = g.input("input_ids", idsType, ["batch_size", "sequence_length"]);
  const maskInput = g.input("attention_mask", idsType, ["batch_size", "total_sequence_length"]);
  const attentionMask = idsType === DataType.INT64 ? maskInput : g.node("Cast", [maskInput], { to: DataType.INT64 });
  let positionIds =
    (options.positionIds && attention !== "gqa") || attention === "mha"
      ? g.input("position_ids", DataType.INT64, ["batch_size", "sequence_length"])
      : undefined;
  let past: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const dims = ["batch_size", cacheHeads, "past_sequence_length", hd];
    past.push({
      key: g.input(`past_key_values.${i}.key`, kvType, dims),
      value: g.input(`past_key_values.${i}.value`, kvType, dims),
    });
  }
  const logitsToKeep =
    options.logitsToKeepInput && attention === "external-mask" ? g.input("num_logits_to_keep", DataType.INT64, []) : undefined;
  if (options.mergedDecoder) past = useCacheBranch(g, g.input("use_cache_branch", DataType.BOOL, [1]), past, kvType);

  // ---- shapes: S = new tokens, T = past + S (from the mask), P = T - S
  const batch = g.node("Shape", [inputIds], { start: 0, end: 1 });
  const seqLen = g.node("Shape", [inputIds], { start: 1, end: 2 });

  if (!positionIds && attention !== "gqa") {
    // Positions of the new tokens = number of real tokens before them (left padding → 0).
    const cumsum = g.node("CumSum", [attentionMask, g.int64([1], true)]);
    const all = g.node("Max", [g.node("Sub", [cumsum, g.int64([1], true)]), g.int64([0], true)]);
    positionIds = g.node("Slice", [all, g.node("Neg", [seqLen]), g.int64([INT64_MAX]), g.int64([1])]);
  }

  const maskBias = attention === "external-mask" ? externalMaskBias(g, attentionMask, seqLen) : "";

  // ---- RoPE [batch, 1, S, headDim]: tables [maxPos, headDim/2] gathered by position
  const tables = ropeTables(config);
  const ropeCaches = {
    cos: g.initializer("rotary_emb.cos_cached", DataType.FLOAT, [config.maxPositionEmbeddings, hd / 2], tables.cos),
    sin: g.initializer("rotary_emb.sin_cached", DataType.FLOAT, [config.maxPositionEmbeddings, hd / 2], tables.sin),
  };
  const ropeTable = (table: string) => {
    const half = g.node("Gather", [table, positionIds!], { axis: 0 });
    return g.node("Unsqueeze", [g.node("Concat", [half, half], { axis: -1 }), g.int64([1])]);
  };
  const cos = attention === "external-mask" ? ropeTable(ropeCaches.cos) : "";
  const sin = attention === "external-mask" ? ropeTable(ropeCaches.sin) : "";
  const gqa = attention === "gqa" ? gqaLengths(g, attentionMask) : undefined;
  const mhaBias = attention === "mha" ? inGraphCausalBias(g, attentionMask, seqLen) : undefined;
  const rope = (x: string) => {
    const [x1, x2] = g.nodeMulti("Split", [x, g.int64([hd / 2, hd / 2])], 2, { axis: -1 });
    const rotated = g.node("Concat", [g.node("Neg", [x2]), x1], { axis: -1 });
    return g.node("Add", [g.node("Mul", [x, cos]), g.node("Mul", [rotated, sin])]);
  };

  const rmsNorm = (x: string, weight: string) => {
    const meanSquare = g.node("ReduceMean", [g.node("Mul", [x, x]), g.int64([-1])], { keepdims: 1 });
    const inverse = g.node("Reciprocal", [g.node("Sqrt", [g.node("Add", [meanSquare, g.float(config.rmsNormEps)])])]);
    return g.node("Mul", [g.node("Mul", [x, inverse]), weight]);
  };
  /** [B, S, heads*hd] → [B, heads, S, hd] */
  const splitHeads = (x: string, heads: number) =>
    g.node("Transpose", [g.node("Reshape", [x, g.int64([0, 0, heads, hd])])], { perm: [0, 2, 1, 3] });
  /** Appends the new keys/values to the cache (in the cache dtype); returns float32 for compute. */
  const appendCache = (pastName: string, fresh: string, presentName: string) => {
    const freshKv = kvType === DataType.FLOAT ? fresh : g.node("Cast", [fresh], { to: kvType });
    const present = g.node("Concat", [pastName, freshKv], { axis: 2 }, presentName);
    return kvType === DataType.FLOAT ? present : g.node("Cast", [present], { to: DataType.FLOAT });
  };

  w.setEmbedding("model.embed_tokens.weight", weights.embedTokens, vocab, h);
  let hidden = w.embed(inputIds); // [B, S, H]

  weights.layers.forEach((layer, i) => {
    const p = `model.layers.${i}`;
    // Self-attention with grouped-query heads: queries [B, kvh, group, S, hd] against
    // keys/values [B, kvh, 1, T, hd]; MatMul broadcasting repeats each kv head for its group.
    const x = rmsNorm(hidden, w.vector(`${p}.input_layernorm.weight`, layer.inputNorm));
    let attnOut: string;
    if (attention === "external-mask") {
      const q = rope(splitHeads(g.node("MatMul", [x, w.matrix(`${p}.self_attn.q_proj.weight`, layer.qProj, h, qDim)]), nh));
      const k = rope(splitHeads(g.node("MatMul", [x, w.matrix(`${p}.self_attn.k_proj.weight`, layer.kProj, h, kvDim)]), kvh));
      const v = splitHeads(g.node("MatMul", [x, w.matrix(`${p}.self_attn.v_proj.weight`, layer.vProj, h, kvDim)]), kvh);
      const keys = appendCache(past[i].key, k, `present.${i}.key`); // [B, kvh, T, hd]
      const values = appendCache(past[i].value, v, `present.${i}.value`);

      const qGroups = g.node("Reshape", [g.node("Mul", [q, g.float(1 / Math.sqrt(hd))]), g.int64([0, kvh, groupSize, -1, hd])]);
      const keysT = g.node("Transpose", [g.node("Unsqueeze", [keys, g.int64([2])])], { perm: [0, 1, 2, 4, 3] });
      const scores = g.node("Add", [g.node("MatMul", [qGroups, keysT]), maskBias]); // [B, kvh, group, S, T]
      const probs = g.node("Softmax", [scores], { axis: -1 });
      const context = g.node("MatMul", [probs, g.node("Unsqueeze", [values, g.int64([2])])]); // [B, kvh, group, S, hd]
      const merged = g.node("Reshape", [
        g.node("Transpose", [g.node("Reshape", [context, g.int64([0, nh, -1, hd])])], { perm: [0, 2, 1, 3] }),
        g.int64([0, 0, qDim]),
      ]);
      attnOut = merged;
    } else {
      const projections = {
        q: g.node("MatMul", [x, w.matrix(`${p}.self_attn.q_proj.weight`, layer.qProj, h, qDim)]),
        k: g.node("MatMul", [x, w.matrix(`${p}.self_attn.k_proj.weight`, layer.kProj, h, kvDim)]),
        v: g.node("MatMul", [x, w.matrix(`${p}.self_attn.v_proj.weight`, layer.vProj, h, kvDim)]),
        pastKey: past[i].key,
        pastValue: past[i].value,
        presentKey: `present.${i}.key`,
        presentValue: `present.${i}.value`,
      };
      attnOut = gqa
        ? groupQueryAttention(g, config, projections, gqa, ropeCaches)
        : multiHeadAttention(g, config, projections, positionIds!, mhaBias!, ropeCaches);
    }
    const projected = g.node("MatMul", [attnOut, w.matrix(`${p}.self_attn.o_proj.weight`, layer.oProj, qDim, h)]);
    hidden = g.node("Add", [hidden, projected]);

    // SwiGLU MLP
    const y = rmsNorm(hidden, w.vector(`${p}.post_attention_layernorm.weight`, layer.postAttentionNorm));
    const gate = g.node("MatMul", [y, w.matrix(`${p}.mlp.gate_proj.weight`, layer.gateProj, h, config.intermediateSize)]);
    const up = g.node("MatMul", [y, w.matrix(`${p}.mlp.up_proj.weight`, layer.upProj, h, config.intermediateSize)]);
    const act = g.node("Mul", [g.node("Mul", [gate, g.node("Sigmoid", [gate])]), up]);
    const down = g.node("MatMul", [act, w.matrix(`${p}.mlp.down_proj.weight`, layer.downProj, config.intermediateSize, h)]);
    hidden = g.node("Add", [hidden, down]);
  });

  let normed = rmsNorm(hidden, w.vector("model.norm.weight", weights.finalNorm)); // [B, S, H]
  if (logitsToKeep) {
    // Keep the last K positions before the lm_head, so [S, vocab] is never computed
    // (K = 0 keeps all, as in transformers).
    const start = g.node("Neg", [g.node("Unsqueeze", [logitsToKeep, g.int64([0])])]);
    normed = g.node("Slice", [normed, start, g.int64([INT64_MAX]), g.int64([1])]);
  }
  // Tied lm_head on [B*K, H] (Gemm transB=1 against the embedding), then back to [B, K, vocab].
  const logits2d = w.lmHead(g.node("Reshape", [normed, g.int64([-1, h])]));
  g.node("Reshape", [logits2d, g.node("Concat", [batch, g.int64([-1, vocab])], { axis: 0 })], {}, "logits");
  // Outputs in the optimum order: logits, then present.{i}.key, present.{i}.value per layer.
  g.output("logits", DataType.FLOAT, ["batch_size", logitsToKeep ? "num_logits_to_keep" : "sequence_length", vocab]);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const kind of ["key", "value"]) {
      g.output(`present.${i}.${kind}`, kvType, ["batch_size", cacheHeads, "total_sequence_length", hd]);
    }
  }
  return g;
}

/** A [1] int64 shape piece → an int64 scalar (Range wants scalars). */
function scalar(g: OnnxGraphBuilder, oneElement: string): string {
  return g.node("Squeeze", [oneElement, g.int64([0])]);
}

/** Mask bias [batch, 1, 1, S, T] from attention_mask: key j visible to query i iff j <= P+i and mask[j] == 1. */
function externalMaskBias(g: OnnxGraphBuilder, attentionMask: string, seqLen: string): string {
  const totalLen = g.node("Shape", [attentionMask], { start: 1, end: 2 });
  const pastLen = g.node("Sub", [totalLen, seqLen]);
  const queryPos = g.node("Range", [scalar(g, pastLen), scalar(g, totalLen), g.int64([1], true)]); // [S]
  const keyPos = g.node("Range", [g.int64([0], true), scalar(g, totalLen), g.int64([1], true)]); // [T]
  const causal = g.node("LessOrEqual", [
    g.node("Unsqueeze", [keyPos, g.int64([0])]),
    g.node("Unsqueeze", [queryPos, g.int64([1])]),
  ]); // [S, T]
  const keyReal = g.node("Unsqueeze", [g.node("Equal", [attentionMask, g.int64([1], true)]), g.int64([1])]); // [B, 1, T]
  const visible = g.node("And", [causal, keyReal]); // [B, S, T]
  return g.node("Unsqueeze", [g.node("Where", [visible, g.float(0), g.float(MASKED_SCORE)]), g.int64([1, 2])]);
}
