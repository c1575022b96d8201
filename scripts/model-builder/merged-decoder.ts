// Xenova's merged decoder (decoder_model_merged.onnx): one file for the first pass and the cached
// ones, switched by a bool input `use_cache_branch` [1] through an If node. The stand-in's If picks
// the cache the attention reads: the fed past (then) or an empty one (else), so a wrong flag is wrong output.
import type { onnx } from "onnx-proto";
import { valueInfo, type DataTypeId, type OnnxGraphBuilder } from "./onnx-graph-builder.ts";

type PastPair = { key: string; value: string };

function branch(name: string, outputs: string[], nodes: onnx.INodeProto[], kvType: DataTypeId): onnx.IGraphProto {
  return { name, node: nodes, output: outputs.map((o) => valueInfo(o, kvType, ["batch_size", "kv_heads", "past", "head_dim"])) };
}

/** Returns the past tensors the decoder should read: [B, heads, P, hd] when the flag is set, else P = 0. */
export function useCacheBranch(g: OnnxGraphBuilder, flag: string, past: PastPair[], kvType: DataTypeId): PastPair[] {
  const names = past.flatMap((p) => [p.key, p.value]);
  const thenOut = names.map((n) => `${n}/cached`);
  const elseOut = names.map((n) => `${n}/empty`);
  const zero = g.int64([0]);
  const axis = g.int64([2]);
  const thenNodes = names.map((n, i): onnx.INodeProto => ({ opType: "Identity", input: [n], output: [thenOut[i]], name: `${thenOut[i]}/id` }));
  const elseNodes = names.map(
    (n, i): onnx.INodeProto => ({ opType: "Slice", input: [n, zero, zero, axis], output: [elseOut[i]], name: `${elseOut[i]}/slice` }),
  );
  const selected = g.nodeMulti("If", [flag], names.length, {
    then_branch: { graph: branch("use_cache", thenOut, thenNodes, kvType) },
    else_branch: { graph: branch("no_cache", elseOut, elseNodes, kvType) },
  });
  return past.map((_, i) => ({ key: selected[2 * i], value: selected[2 * i + 1] }));
}
