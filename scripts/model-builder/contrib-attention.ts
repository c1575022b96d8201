// Self-attention the way onnxruntime-genai's model builder exports it, as stand-ins for exports genq
// did not write: GroupQueryAttention with rotary inside the op and lengths from the mask sum, and
// MultiHeadAttention + RotaryEmbedding with a causal mask built in the graph from attention_mask.
import { DataType, type OnnxGraphBuilder } from "./onnx-graph-builder.ts";
import type { LlamaConfig } from "./llama-config.ts";

/** Per-layer inputs: projections float32 [B, S, heads*hd]; past names [B, heads, P, hd]. */
export interface AttentionInputs {
  q: string;
  k: string;
  v: string;
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

/** Added to masked scores in the in-graph mask: finite, so fully masked (padding) rows stay NaN-free. */
const MASKED_SCORE = -1e9;

/**
 * genai's GroupQueryAttention prologue, computed once: seqlens_k int32 [B] = sum(attention_mask) - 1
 * and total_sequence_length int32 scalar = attention_mask columns. The op therefore assumes every
 * row's tokens start at column 0 (right padding) and has no position_ids: positions are columns.
 */
export function gqaLengths(g: OnnxGraphBuilder, attentionMask64: string): { seqlensK: string; totalLength: string } {
  const sum = g.node("ReduceSum", [attentionMask64, g.int64([1])], { keepdims: 0 });
  const seqlensK = g.node("Cast", [g.node("Sub", [sum, g.int64([1], true)])], { to: DataType.INT32 });
  const columns = g.node("Gather", [g.node("Shape", [attentionMask64]), g.int64([1], true)], { axis: 0 });
  return { seqlensK, totalLength: g.node("Cast", [columns], { to: DataType.INT32 }) };
}

/** GroupQueryAttention (do_rotary, non-interleaved = HF rotate_half); returns [B, S, heads*hd]. */
export function groupQueryAttention(
  g: OnnxGraphBuilder,
  config: LlamaConfig,
  a: AttentionInputs,
  lengths: { seqlensK: string; totalLength: string },
  rope: { cos: string; sin: string },
): string {
  const [out] = g.contrib(
    "GroupQueryAttention",
    [a.q, a.k, a.v, a.pastKey, a.pastValue, lengths.seqlensK, lengths.totalLength, rope.cos, rope.sin],
    3,
    { num_heads: config.numAttentionHeads, kv_num_heads: config.numKeyValueHeads, do_rotary: 1, rotary_interleaved: 0 },
    [g.freshName("gqa_out"), a.presentKey, a.presentValue],
  );
  return out;
}

/**
 * genai's in-graph mask for MultiHeadAttention: a causal [S, S] block expanded to [B, 1, S, T] and
 * added to the key-padding bias. The causal block is square, so Expand fails when a multi-token
 * chunk comes on top of a cache (S > 1 and T ≠ S): it works for prefill from empty and single-token decode.
 */
export function inGraphCausalBias(g: OnnxGraphBuilder, attentionMask64: string, seqLen: string): string {
  const positions = g.node("Range", [g.int64([0], true), g.node("Squeeze", [seqLen, g.int64([0])]), g.int64([1], true)]);
  const causal = g.node("LessOrEqual", [
    g.node("Unsqueeze", [positions, g.int64([0])]),
    g.node("Unsqueeze", [positions, g.int64([1])]),
  ]); // [S, S]
  const causalBias = g.node("Where", [causal, g.float(0), g.float(MASKED_SCORE)]);
  const batch = g.node("Shape", [attentionMask64], { start: 0, end: 1 });
  const total = g.node("Shape", [attentionMask64], { start: 1, end: 2 });
  const target = g.node("Concat", [batch, g.int64([1]), seqLen, total], { axis: 0 });
  const expanded = g.node("Expand", [causalBias, target]); // [B, 1, S, T]: the genai limitation
  const keyReal = g.node("Equal", [attentionMask64, g.int64([1], true)]);
  const padBias = g.node("Unsqueeze", [g.node("Where", [keyReal, g.float(0), g.float(MASKED_SCORE)]), g.int64([1, 2])]);
  return g.node("Add", [expanded, padBias]);
}

/**
 * RotaryEmbedding on q and k (position_ids int64 [B, S]), KV heads repeated to the query heads
 * (MultiHeadAttention has one head count, so the cache holds num_attention_heads heads), then
 * MultiHeadAttention with the in-graph bias. Returns [B, S, heads*hd].
 */
export function multiHeadAttention(
  g: OnnxGraphBuilder,
  config: LlamaConfig,
  a: AttentionInputs,
  positionIds: string,
  bias: string,
  rope: { cos: string; sin: string },
): string {
  const { numAttentionHeads: nh, numKeyValueHeads: kvh, headDim: hd } = config;
  const rotate = (x: string, heads: number) =>
    g.contrib("RotaryEmbedding", [x, positionIds, rope.cos, rope.sin], 1, { interleaved: 0, num_heads: heads })[0];
  const q = rotate(a.q, nh);
  const repeat = (x: string) => {
    const group = nh / kvh;
    if (group === 1) return x;
    const split = g.node("Unsqueeze", [g.node("Reshape", [x, g.int64([0, 0, kvh, hd])]), g.int64([3])]); // [B, S, kvh, 1, hd]
    const leading = g.node("Shape", [x], { start: 0, end: 2 });
    const expanded = g.node("Expand", [split, g.node("Concat", [leading, g.int64([kvh, group, hd])], { axis: 0 })]);
    return g.node("Reshape", [expanded, g.int64([0, 0, nh * hd])]);
  };
  const k = repeat(rotate(a.k, kvh));
  const v = repeat(a.v);
  const [out] = g.contrib(
    "MultiHeadAttention",
    [q, k, v, "", "", bias, a.pastKey, a.pastValue],
    3,
    { num_heads: nh, unidirectional: 0 },
    [g.freshName("mha_out"), a.presentKey, a.presentValue],
  );
  return out;
}
