// One causal-LM ONNX session and its forward pass. Boundary: input_ids / attention_mask / position_ids
// int64 [B, S] / [B, past+S] / [B, S], past_key_values.* [B, kvHeads, past, headDim] (KvCache dtype);
// out: logits [B, K, vocab] (K = 1 with num_logits_to_keep, else S) and present.* [B, kvHeads, past+S, headDim].
import * as ort from "onnxruntime-node";
import { createInferenceSession, type ExecutionDevice } from "./create-inference-session.ts";
import { float16ToFloat32 } from "./float16-to-float32.ts";
import { KvCache } from "./kv-cache.ts";
import { modelFilePath, type ModelDtype } from "./model-file-path.ts";
import { readModelSignature, type ModelSignature } from "./model-signature.ts";

export interface CausalLmLoadOptions {
  device: ExecutionDevice;
  dtype: ModelDtype;
  intraOpThreads?: number;
}

export interface ForwardInput {
  /** Cache for the same rows: R rows, P columns (P may be 0). */
  past: KvCache;
  /** Token ids [R, S] row-major; ids in padding slots are ignored (masked), use any valid id. */
  tokenIds: ArrayLike<number>;
  /** uint8 [R, S]: 1 = real token, 0 = padding. */
  tokenMask: Uint8Array;
  /** S: columns appended by this pass. */
  columns: number;
  /** "last": logits of each row's last column; "none": only the cache is wanted (a non-final prefill chunk). */
  logits: "last" | "none";
}

export interface ForwardOutput {
  /** R rows, P + S columns: the next pass's past, not copied. */
  present: KvCache;
  /** Per row, float32 [vocab] logits of column S-1 (views into the output when it is float32). */
  lastLogits: Float32Array[] | null;
}

export class CausalLm {
  private readonly logitsToKeep = new ort.Tensor("int64", BigInt64Array.from([1n]), []);

  constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: ModelSignature,
  ) {}

  static async load(folder: string, config: Record<string, unknown>, options: CausalLmLoadOptions): Promise<CausalLm> {
    const session = await createInferenceSession(modelFilePath(folder, options.dtype), options);
    try {
      return new CausalLm(session, readModelSignature(session, config));
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  emptyCache(rows: number): KvCache {
    return KvCache.empty(this.signature.kv, rows);
  }

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const { past, tokenIds, tokenMask, columns } = input;
    const rows = past.rows;
    if (tokenIds.length !== rows * columns || tokenMask.length !== rows * columns) {
      throw new Error(`forward: expected ${rows}×${columns} token ids and mask, got ${tokenIds.length} and ${tokenMask.length}`);
    }
    const total = past.columns + columns;
    const ids = new BigInt64Array(rows * columns);
    const positions = new BigInt64Array(rows * columns);
    const mask = new BigInt64Array(rows * total);
    // int64 written through little-endian int32 views (low word, high word 0): avoids one BigInt
    // allocation per element, which at B × T mask entries per step would cost more than the copy.
    const ids32 = new Int32Array(ids.buffer);
    const positions32 = new Int32Array(positions.buffer);
    const mask32 = new Int32Array(mask.buffer);
    for (let r = 0; r < rows; r++) {
      // A token's position is the count of real tokens before it, so left padding and holes shift nothing.
      let position = past.realTokens(r);
      const pastRow = r * past.columns;
      const maskRow = r * total;
      for (let c = 0; c < past.columns; c++) mask32[2 * (maskRow + c)] = past.mask[pastRow + c];
      for (let c = 0; c < columns; c++) {
        const i = r * columns + c;
        const real = tokenMask[i];
        ids32[2 * i] = tokenIds[i];
        mask32[2 * (maskRow + past.columns + c)] = real;
        positions32[2 * i] = real ? position++ : 1; // padding: any in-range value (masked); 1 as in HF
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", ids, [rows, columns]),
      attention_mask: new ort.Tensor("int64", mask, [rows, total]),
    };
    const { signature } = this;
    if (signature.hasPositionIds) feeds.position_ids = new ort.Tensor("int64", positions, [rows, columns]);
    if (signature.hasLogitsToKeep) feeds.num_logits_to_keep = this.logitsToKeep;
    signature.pastNames.forEach((name, i) => (feeds[name] = past.tensors[i]));

    const fetches = input.logits === "last" ? ["logits", ...signature.presentNames] : signature.presentNames;
    const outputs = await this.session.run(feeds, fetches);
    const present = KvCache.fromPresent(
      past,
      signature.presentNames.map((name) => outputs[name] as ort.Tensor),
      tokenMask,
      columns,
    );
    return { present, lastLogits: input.logits === "last" ? lastRows(outputs.logits as ort.Tensor, rows) : null };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Row views of logits [R, K, vocab] at k = K-1; float16 logits are decoded for those rows only. */
function lastRows(logits: ort.Tensor, rows: number): Float32Array[] {
  const [b, keep, vocab] = logits.dims;
  if (logits.dims.length !== 3 || b !== rows) throw new Error(`logits shape [${logits.dims.join(", ")}], expected [${rows}, K, vocab]`);
  const result: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const start = (r * keep + keep - 1) * vocab;
    if (logits.type === "float16") result.push(float16ToFloat32((logits.data as Uint16Array).subarray(start, start + vocab)));
    else result.push((logits.data as Float32Array).subarray(start, start + vocab));
  }
  return result;
}
