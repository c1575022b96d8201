// readGraphOpTypes scans the ONNX wire format itself (no protobuf library in the inference thread):
// on every layout the builder emits it must find exactly the op types a full onnx-proto decode finds,
// If branches included, and refuse a file cut short.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";
import { afterAll, describe, expect, it } from "vitest";
import { readGraphOpTypes } from "../../worker/model/graph-op-types.ts";
import { modelFilePath } from "../../worker/model/model-file-path.ts";
import { tinyModelDir, type TinyModelOptions } from "../harness/tiny-model.ts";

function decodedOpTypes(graph: onnx.IGraphProto | null | undefined, into = new Set<string>()): Set<string> {
  for (const node of graph?.node ?? []) {
    if (node.opType) into.add(node.opType);
    for (const attribute of node.attribute ?? []) {
      decodedOpTypes(attribute.g, into);
      for (const sub of attribute.graphs ?? []) decodedOpTypes(sub, into);
    }
  }
  return into;
}

const scratch = mkdtempSync(join(tmpdir(), "genq-graph-op-types-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("readGraphOpTypes", () => {
  it.each<[TinyModelOptions, "fp32" | "q4", string]>([
    [{}, "fp32", "MatMul"],
    [{ attention: "gqa" }, "fp32", "GroupQueryAttention"],
    [{ attention: "mha" }, "fp32", "MultiHeadAttention"],
    [{ mergedDecoder: true }, "fp32", "If"],
    [{ externalData: true }, "fp32", "MatMul"],
    [{ dtypes: ["q4"] }, "q4", "MatMulNBits"],
  ])("finds what a full decode finds (%j, %s)", async (options, dtype, expected) => {
    const path = modelFilePath(await tinyModelDir(options), dtype);
    const scanned = await readGraphOpTypes(path);
    expect(scanned).toEqual(decodedOpTypes(onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph));
    expect(scanned).toContain(expected);
  });

  it("finds the ops inside If branches", async () => {
    const path = modelFilePath(await tinyModelDir({ mergedDecoder: true }), "fp32");
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(path));
    const topLevel = new Set((model.graph?.node ?? []).map((n) => n.opType!));
    const scanned = await readGraphOpTypes(path);
    expect([...scanned].filter((t) => !topLevel.has(t)).length).toBeGreaterThan(0);
  });

  it("refuses a file cut short", async () => {
    const bytes = readFileSync(modelFilePath(await tinyModelDir({}), "fp32"));
    const cut = join(scratch, "cut.onnx");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readGraphOpTypes(cut)).rejects.toThrow(/protobuf/);
  });
});
