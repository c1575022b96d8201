// A small ONNX graph builder over onnx-proto: typed inputs/outputs, initializers, deduplicated
// constants, nodes with auto-named outputs, and serialization with optional external weights.
import onnxProto from "onnx-proto";
import type { onnx } from "onnx-proto";

const { onnx: proto } = onnxProto;

/** ONNX TensorProto.DataType ids used by the builder. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

/** number → INT, number[] → INTS, string → STRING, {float} → FLOAT, {graph} → GRAPH (If branches). */
export type AttributeValue = number | number[] | string | { float: number } | { graph: onnx.IGraphProto };

/** The contrib-operator domain of onnxruntime (GroupQueryAttention, MatMulNBits, ...). */
export const MS_DOMAIN = "com.microsoft";
/** A fixed size, or a symbolic name such as "batch_size". */
export type Dim = number | string;

type TensorData = Float32Array | Uint16Array | Int8Array | BigInt64Array | Uint8Array;

interface Initializer {
  name: string;
  dataType: DataTypeId;
  dims: number[];
  bytes: Uint8Array;
}

export interface EncodeOptions {
  /** Move initializers of at least `minBytes` into the file `location` (next to the .onnx). */
  externalData?: { location: string; minBytes: number };
}

export interface EncodedModel {
  /** The ModelProto bytes (the .onnx file). */
  model: Uint8Array;
  /** Pieces of the external data file in order (alignment padding included); empty when inline. */
  externalChunks: Uint8Array[];
}

/** Offsets in the external data file are aligned to a page so ORT can map tensors directly. */
const EXTERNAL_ALIGN_BYTES = 4096;

function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function valueInfo(name: string, elemType: DataTypeId, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const { AttributeType } = proto.AttributeProto;
  if (typeof value === "number") return { name, type: AttributeType.INT, i: value };
  if (typeof value === "string") return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ("graph" in value) return { name, type: AttributeType.GRAPH, g: value.graph };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly domains = new Set<string>();
  private nextId = 0;

  constructor(
    private readonly graphName: string,
    private readonly opsetVersion = 18,
  ) {}

  input(name: string, elemType: DataTypeId, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: DataTypeId, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  initializer(name: string, dataType: DataTypeId, dims: number[], data: TensorData): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    this.initializers.push({ name, dataType, dims, bytes: bytesOf(data) });
    return name;
  }

  /** An int64 constant (a 1-D tensor, or a scalar when `scalar`), shared by every user. */
  int64(values: number[], scalar = false): string {
    const key = `i64:${scalar}:${values.join(",")}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_i64_${this.constants.size}`;
      this.initializer(name, DataType.INT64, scalar ? [] : [values.length], BigInt64Array.from(values.map(BigInt)));
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float32 scalar constant. */
  float(value: number): string {
    const key = `f32:${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_f32_${this.constants.size}`;
      this.initializer(name, DataType.FLOAT, [], Float32Array.of(value));
      this.constants.set(key, name);
    }
    return name;
  }

  /** A fresh value name, for outputs named explicitly among others. */
  freshName(prefix: string): string {
    return `/${prefix}_${this.nextId++}`;
  }

  /** Adds a node with one output and returns the output's name (`outputName` or a fresh one). */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputName?: string): string {
    return this.nodeMulti(opType, inputs, 1, attributes, outputName ? [outputName] : undefined)[0];
  }

  nodeMulti(
    opType: string,
    inputs: string[],
    outputCount: number,
    attributes: Record<string, AttributeValue> = {},
    outputNames?: string[],
    domain?: string,
  ): string[] {
    const id = this.nextId++;
    const output = outputNames ?? Array.from({ length: outputCount }, (_, i) => `/${opType}_${id}_out${i}`);
    this.nodes.push({
      name: `/${opType}_${id}`,
      opType,
      input: inputs,
      output,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
      ...(domain ? { domain } : {}),
    });
    if (domain) this.domains.add(domain);
    return output;
  }

  /** A com.microsoft contrib-operator node (onnxruntime only). */
  contrib(
    opType: string,
    inputs: string[],
    outputCount: number,
    attributes: Record<string, AttributeValue> = {},
    outputNames?: string[],
  ): string[] {
    return this.nodeMulti(opType, inputs, outputCount, attributes, outputNames, MS_DOMAIN);
  }

  encode(options: EncodeOptions = {}): EncodedModel {
    const externalChunks: Uint8Array[] = [];
    let offset = 0;
    const tensors: onnx.ITensorProto[] = this.initializers.map((init) => {
      const base = { name: init.name, dataType: init.dataType, dims: init.dims };
      const ext = options.externalData;
      if (!ext || init.bytes.byteLength < ext.minBytes) return { ...base, rawData: init.bytes };
      const padding = (EXTERNAL_ALIGN_BYTES - (offset % EXTERNAL_ALIGN_BYTES)) % EXTERNAL_ALIGN_BYTES;
      if (padding) externalChunks.push(new Uint8Array(padding));
      offset += padding;
      externalChunks.push(init.bytes);
      const entry = {
        ...base,
        dataLocation: proto.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: "location", value: ext.location },
          { key: "offset", value: String(offset) },
          { key: "length", value: String(init.bytes.byteLength) },
        ],
      };
      offset += init.bytes.byteLength;
      return entry;
    });
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: "genq-model-builder",
      producerVersion: "1",
      opsetImport: [{ domain: "", version: this.opsetVersion }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      graph: { name: this.graphName, node: this.nodes, initializer: tensors, input: this.inputs, output: this.outputs },
    };
    return { model: proto.ModelProto.encode(model).finish(), externalChunks };
  }
}
