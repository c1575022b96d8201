// The op types an ONNX file uses (If/Loop branches included), read from the protobuf itself: the
// session does not expose its nodes, and the attention op decides how a graph must be fed.
import { readFile } from "node:fs/promises";
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";

function collect(graph: onnx.IGraphProto | null | undefined, into: Set<string>): void {
  for (const node of graph?.node ?? []) {
    if (node.opType) into.add(node.opType);
    for (const attribute of node.attribute ?? []) {
      collect(attribute.g, into);
      for (const sub of attribute.graphs ?? []) collect(sub, into);
    }
  }
}

export async function readGraphOpTypes(modelPath: string): Promise<Set<string>> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(modelPath));
  const types = new Set<string>();
  collect(model.graph, types);
  return types;
}
