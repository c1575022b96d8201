// Reads an ONNX model file with its external weights pulled inline (so a transform can see every
// initializer's bytes), and writes one back, moving large initializers to `<file>_data` when asked.
import { open, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";

const { onnx: proto } = onnxProto;

/** Offsets in the external data file are page aligned so ORT can map tensors directly. */
const EXTERNAL_ALIGN_BYTES = 4096;

export async function readOnnxModel(path: string): Promise<onnx.ModelProto> {
  const model = proto.ModelProto.decode(await readFile(path));
  const files = new Map<string, Buffer>();
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataLocation !== proto.TensorProto.DataLocation.EXTERNAL) continue;
    const info = Object.fromEntries((tensor.externalData ?? []).map((e) => [e.key, e.value]));
    const location = info.location;
    if (!location) throw new Error(`initializer ${tensor.name}: external data without a location`);
    let data = files.get(location);
    if (!data) {
      data = await readFile(join(dirname(path), location));
      files.set(location, data);
    }
    const offset = Number(info.offset ?? 0);
    const length = info.length !== undefined ? Number(info.length) : data.length - offset;
    tensor.rawData = new Uint8Array(data.buffer, data.byteOffset + offset, length);
    tensor.dataLocation = proto.TensorProto.DataLocation.DEFAULT;
    tensor.externalData = [];
  }
  return model;
}

/** float32 values of a FLOAT initializer (raw_data or float_data); copies, since raw bytes may be unaligned. */
export function floatValues(tensor: onnx.ITensorProto): Float32Array {
  if (tensor.rawData && tensor.rawData.length > 0) {
    // A fresh copy: Node's Buffer#slice would be a view at an unaligned offset.
    const bytes = new Uint8Array(tensor.rawData.byteLength);
    bytes.set(tensor.rawData);
    return new Float32Array(bytes.buffer);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

export interface WriteOptions {
  /** Move initializers of at least this many bytes to `<file>_data`; undefined = everything inline. */
  externalMinBytes?: number;
}

export async function writeOnnxModel(model: onnx.IModelProto, path: string, options: WriteOptions = {}): Promise<void> {
  const location = `${basename(path)}_data`;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const min = options.externalMinBytes;
  const initializers = (model.graph?.initializer ?? []).map((tensor): onnx.ITensorProto => {
    const bytes = tensor.rawData;
    if (min === undefined || !bytes || bytes.byteLength < min) return tensor;
    const padding = (EXTERNAL_ALIGN_BYTES - (offset % EXTERNAL_ALIGN_BYTES)) % EXTERNAL_ALIGN_BYTES;
    if (padding) chunks.push(new Uint8Array(padding));
    offset += padding;
    chunks.push(bytes);
    const entry: onnx.ITensorProto = {
      ...tensor,
      rawData: new Uint8Array(0),
      dataLocation: proto.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: "location", value: location },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(bytes.byteLength) },
      ],
    };
    offset += bytes.byteLength;
    return entry;
  });
  await writeFile(path, proto.ModelProto.encode({ ...model, graph: { ...model.graph, initializer: initializers } }).finish());
  if (chunks.length === 0) return;
  const file = await open(join(dirname(path), location), "w");
  try {
    for (const chunk of chunks) await file.write(chunk);
  } finally {
    await file.close();
  }
}
