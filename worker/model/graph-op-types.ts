// The op types an ONNX file uses (If/Loop branches included), read from the protobuf itself: the
// session does not expose its nodes, and the attention op decides how a graph must be fed. A scan
// of the wire format that follows only model → graph → node → attribute → subgraph and seeks past
// everything else (initializers are never read), so no protobuf library enters the inference thread.
import { open, type FileHandle } from "node:fs/promises";

// Field numbers of onnx.proto3.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_G = 6;
const ATTRIBUTE_GRAPHS = 11;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const CHUNK_BYTES = 64 * 1024;

/** Sequential reads of a file, buffered in chunks; skips past the buffer seek instead of reading. */
class ProtoFileReader {
  private chunk = Buffer.alloc(0);
  /** File offset of chunk[0]. */
  private chunkStart = 0;
  position = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
  ) {}

  /** Makes at least `bytes` bytes from `position` available in the chunk (fewer only at the end). */
  private async fill(bytes: number): Promise<void> {
    if (this.position >= this.chunkStart && this.position + bytes <= this.chunkStart + this.chunk.length) return;
    const next = Buffer.allocUnsafe(Math.max(bytes, CHUNK_BYTES));
    const { bytesRead } = await this.file.read(next, 0, next.length, this.position);
    this.chunk = next.subarray(0, bytesRead);
    this.chunkStart = this.position;
  }

  /** A varint; values above 2^53 lose precision, which only field lengths and tags are read for. */
  async varint(): Promise<number> {
    await this.fill(10);
    let value = 0;
    for (let scale = 1, at = this.position - this.chunkStart; scale <= 2 ** 63; scale *= 128, at++) {
      if (at >= this.chunk.length) throw new Error(`${this.path}: truncated protobuf`);
      const b = this.chunk[at];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.position = this.chunkStart + at + 1;
        return value;
      }
    }
    throw new Error(`${this.path}: malformed varint`);
  }

  async utf8(length: number): Promise<string> {
    await this.fill(length);
    const at = this.position - this.chunkStart;
    if (at + length > this.chunk.length) throw new Error(`${this.path}: truncated protobuf`);
    this.position += length;
    return this.chunk.toString("utf8", at, at + length);
  }

  /** Moves past a field's value of this wire type. */
  async skip(wireType: number): Promise<void> {
    if (wireType === WIRE_VARINT) await this.varint();
    else if (wireType === WIRE_FIXED64) this.position += 8;
    else if (wireType === WIRE_LENGTH_DELIMITED) this.position = await this.messageEnd();
    else if (wireType === WIRE_FIXED32) this.position += 4;
    else throw new Error(`${this.path}: unsupported protobuf wire type ${wireType}`);
  }

  /** Calls `onField` for each field of the message ending at `end`; it must consume the value or return false to skip it. */
  async fields(end: number, onField: (field: number, wireType: number) => Promise<boolean>): Promise<void> {
    while (this.position < end) {
      const tag = await this.varint();
      const field = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (!(await onField(field, wireType))) await this.skip(wireType);
    }
    if (this.position !== end) throw new Error(`${this.path}: protobuf field runs past its message`);
  }

  /** The end offset of the length-delimited value at `position` (its length read). */
  async messageEnd(): Promise<number> {
    const length = await this.varint();
    return this.position + length;
  }
}

async function scanGraph(reader: ProtoFileReader, end: number, into: Set<string>): Promise<void> {
  await reader.fields(end, async (field, wireType) => {
    if (field !== GRAPH_NODE || wireType !== WIRE_LENGTH_DELIMITED) return false;
    await scanNode(reader, await reader.messageEnd(), into);
    return true;
  });
}

async function scanNode(reader: ProtoFileReader, end: number, into: Set<string>): Promise<void> {
  await reader.fields(end, async (field, wireType) => {
    if (wireType !== WIRE_LENGTH_DELIMITED) return false;
    if (field === NODE_OP_TYPE) {
      const opType = await reader.utf8(await reader.varint());
      if (opType) into.add(opType);
      return true;
    }
    if (field !== NODE_ATTRIBUTE) return false;
    // An attribute's subgraphs: If's branches, Loop's and Scan's bodies.
    await reader.fields(await reader.messageEnd(), async (attributeField, attributeWireType) => {
      if ((attributeField !== ATTRIBUTE_G && attributeField !== ATTRIBUTE_GRAPHS) || attributeWireType !== WIRE_LENGTH_DELIMITED) return false;
      await scanGraph(reader, await reader.messageEnd(), into);
      return true;
    });
    return true;
  });
}

export async function readGraphOpTypes(modelPath: string): Promise<Set<string>> {
  const file = await open(modelPath, "r");
  try {
    const { size } = await file.stat();
    const reader = new ProtoFileReader(file, modelPath);
    const types = new Set<string>();
    await reader.fields(size, async (field, wireType) => {
      if (field !== MODEL_GRAPH || wireType !== WIRE_LENGTH_DELIMITED) return false;
      await scanGraph(reader, await reader.messageEnd(), types);
      return true;
    });
    return types;
  } finally {
    await file.close();
  }
}
