// Rewrites every MatMul whose right-hand side is a float32 [K, N] initializer into onnxruntime's
// MatMulNBits (block-wise symmetric codes + per-block scales), in the main graph and in If/Loop
// branches (Xenova's merged decoders keep their MatMuls inside the If). Other ops are untouched.
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";
import { quantizeBlockwise, type QuantBits } from "./block-quantize.ts";
import { floatValues } from "./onnx-model-file.ts";

const { onnx: proto } = onnxProto;
const MS_DOMAIN = "com.microsoft";

export interface QuantizeOptions {
  bits: QuantBits;
  /** Default 32. */
  blockSize?: number;
  /**
   * MatMulNBits accuracy_level. Default 0 (unset): onnxruntime's CPU kernel then multiplies in float32
   * with the dequantized weights, so each output row depends only on its input row (batch-invariant).
   * 4 quantizes activations to int8 too: faster, less exact.
   */
  accuracyLevel?: number;
}

export interface QuantizeReport {
  /** MatMul nodes rewritten. */
  matmuls: number;
  /** Distinct weights quantized (a weight shared by several MatMuls is quantized once). */
  weights: number;
  /** Float weights kept because another op also reads them. */
  keptFloat: number;
}

function subgraphs(node: onnx.INodeProto): onnx.IGraphProto[] {
  return (node.attribute ?? []).flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]);
}

function allNodes(graph: onnx.IGraphProto): onnx.INodeProto[] {
  return (graph.node ?? []).flatMap((node) => [node, ...subgraphs(node).flatMap(allNodes)]);
}

function int(name: string, value: number): onnx.IAttributeProto {
  return { name, type: proto.AttributeProto.AttributeType.INT, i: value };
}

export function quantizeMatMuls(model: onnx.IModelProto, options: QuantizeOptions): QuantizeReport {
  const graph = model.graph;
  if (!graph) throw new Error("model has no graph");
  const blockSize = options.blockSize ?? 32;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const nodes = allNodes(graph);
  const uses = new Map<string, number>();
  for (const node of nodes) for (const input of node.input ?? []) uses.set(input, (uses.get(input) ?? 0) + 1);

  const quantized = new Map<string, { codes: string; scales: string; k: number; n: number }>();
  const replacedUses = new Map<string, number>();
  const added: onnx.ITensorProto[] = [];
  let matmuls = 0;
  for (const node of nodes) {
    if (node.opType !== "MatMul" || (node.domain ?? "") !== "") continue;
    const [a, b] = node.input ?? [];
    const weight = initializers.get(b);
    const dims = (weight?.dims ?? []).map(Number);
    if (!weight || weight.dataType !== proto.TensorProto.DataType.FLOAT || dims.length !== 2) continue;
    let q = quantized.get(b);
    if (!q) {
      const [k, n] = dims;
      const result = quantizeBlockwise(floatValues(weight), k, n, options.bits, blockSize);
      const blocks = result.scales.length / n;
      q = { codes: `${b}_Q${options.bits}`, scales: `${b}_scales`, k, n };
      added.push(
        { name: q.codes, dataType: proto.TensorProto.DataType.UINT8, dims: [n, blocks, result.codes.length / (n * blocks)], rawData: result.codes },
        { name: q.scales, dataType: proto.TensorProto.DataType.FLOAT, dims: [n * blocks], rawData: new Uint8Array(result.scales.buffer) },
      );
      quantized.set(b, q);
    }
    node.opType = "MatMulNBits";
    node.domain = MS_DOMAIN;
    node.input = [a, q.codes, q.scales];
    node.attribute = [
      int("K", q.k),
      int("N", q.n),
      int("bits", options.bits),
      int("block_size", blockSize),
      int("accuracy_level", options.accuracyLevel ?? 0),
    ];
    replacedUses.set(b, (replacedUses.get(b) ?? 0) + 1);
    matmuls++;
  }
  let keptFloat = 0;
  const unused = new Set([...replacedUses].filter(([name, n]) => n === uses.get(name)).map(([name]) => name));
  keptFloat = replacedUses.size - unused.size;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !unused.has(t.name ?? "")), ...added];
  if (!(model.opsetImport ?? []).some((o) => o.domain === MS_DOMAIN)) {
    model.opsetImport = [...(model.opsetImport ?? []), { domain: MS_DOMAIN, version: 1 }];
  }
  return { matmuls, weights: quantized.size, keptFloat };
}
