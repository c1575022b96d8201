// A stand-in for optimum / onnxruntime dynamic quantization (what many transformers.js
// model_int8.onnx / model_uint8.onnx files are): MatMul weights stored 8-bit per tensor, activations
// quantized at run time by DynamicQuantizeLinear with ONE scale for the whole tensor, i.e. across
// every row of the batch. Batched output therefore differs from alone: the load self-check's case.
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";
import { floatValues } from "./onnx-model-file.ts";

const { onnx: proto } = onnxProto;
const { DataType } = proto.TensorProto;

/** Rewrites MatMul(A, W float32 [K, N] initializer) into DynamicQuantizeLinear → MatMulInteger → scale. */
export function dynamicQuantizeMatMuls(model: onnx.IModelProto, weights: "int8" | "uint8"): number {
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const nodes: onnx.INodeProto[] = [];
  const added: onnx.ITensorProto[] = [];
  const replaced = new Set<string>();
  let count = 0;
  for (const node of graph.node ?? []) {
    const [a, b] = node.input ?? [];
    const weight = initializers.get(b);
    if (node.opType !== "MatMul" || !weight || weight.dataType !== DataType.FLOAT || (weight.dims ?? []).length !== 2) {
      nodes.push(node);
      continue;
    }
    const values = floatValues(weight);
    let maxAbs = 0;
    for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
    const scale = Math.fround(maxAbs > 0 ? maxAbs / 127 : 1);
    const zero = weights === "uint8" ? 128 : 0;
    const codes = weights === "uint8" ? new Uint8Array(values.length) : new Int8Array(values.length);
    values.forEach((v, i) => (codes[i] = Math.max(-127, Math.min(127, Math.round(v / scale))) + zero));
    const p = `${b}_dyn${count++}`;
    added.push(
      { name: `${p}_q`, dataType: weights === "uint8" ? DataType.UINT8 : DataType.INT8, dims: weight.dims, rawData: new Uint8Array(codes.buffer) },
      { name: `${p}_zp`, dataType: weights === "uint8" ? DataType.UINT8 : DataType.INT8, dims: [], rawData: Uint8Array.of(zero) },
      { name: `${p}_scale`, dataType: DataType.FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(scale).buffer) },
    );
    const out = node.output![0];
    nodes.push(
      { opType: "DynamicQuantizeLinear", input: [a], output: [`${p}/aq`, `${p}/as`, `${p}/azp`], name: `${p}/dql` },
      { opType: "MatMulInteger", input: [`${p}/aq`, `${p}_q`, `${p}/azp`, `${p}_zp`], output: [`${p}/y32`], name: `${p}/mmi` },
      { opType: "Cast", input: [`${p}/y32`], output: [`${p}/yf`], name: `${p}/cast`, attribute: [{ name: "to", type: proto.AttributeProto.AttributeType.INT, i: DataType.FLOAT }] },
      { opType: "Mul", input: [`${p}/as`, `${p}_scale`], output: [`${p}/s`], name: `${p}/mul_s` },
      { opType: "Mul", input: [`${p}/yf`, `${p}/s`], output: [out], name: `${p}/mul` },
    );
    replaced.add(b);
  }
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !replaced.has(t.name ?? "")), ...added];
  return count;
}
